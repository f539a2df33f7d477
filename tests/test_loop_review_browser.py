"""Real Chromium, issue 14: what the lead does never hides finished work or leaves places
undecided without saying so, error pages say their message once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotator import store
from annotator.core.labels import load_label_scheme
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.store.statuses import get_gold_status
from annotator.store.users import get_user
from tests.browser_support import build_database, live_server, log_in, new_page

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DESKTOP = {"width": 1366, "height": 768}
SPANS = [
    ("anna", 1, "EDITORIAL_FRAMING", 5, 9),
    ("ben", 1, "EDITORIAL_FRAMING", 5, 9),
    ("ben", 1, "STATE_PROPAGANDA", 20, 25),
    ("anna", 2, "STATE_PROPAGANDA", 20, 30),
    ("ben", 2, "STATE_PROPAGANDA", 22, 30),
    ("anna", 2, "INTEL_ESTIMATE", 60, 80),
]
NOTE = "Zitat der KCNA, wörtlich übernommen"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db_path = build_database(tmp_path_factory.mktemp("loop-review") / "annotator.db")
    db = store.connect(db_path)
    scheme = load_label_scheme()
    for name, doc, label, ts, te in SPANS:
        extra = {}
        if (name, label) == ("ben", "STATE_PROPAGANDA") and doc == 2:
            extra = {"note": NOTE, "attributes": {"speaker": "KCNA"}}
        create_span(
            db,
            scheme,
            get_user(db, name),
            doc,
            SpanInput(label, token_start=ts, token_end=te, **extra),
        )
    for name in ("anna", "ben"):
        for doc in (1, 2):
            set_document_status(db, get_user(db, name), doc, "done")
    db.conn.close()
    with live_server(db_path) as url:
        yield url, db_path


def assignments(db_path):
    db = store.connect(db_path, migrate_schema=False)
    try:
        return db.conn.execute(
            "SELECT document_id, annotator FROM assignment ORDER BY 1, 2"
        ).fetchall()
    finally:
        db.conn.close()


def test_assign_in_turn_names_the_done_work_it_would_hide(site, browser):
    """Point 10: with N=1 "Assign in turn" took document 1 from ben, who had marked it done."""
    url, db_path = site
    page = new_page(browser, url, **DESKTOP)
    log_in(page, "lea")
    page.goto("/review")
    page.fill("input[name=n]", "1")
    page.click("#round-robin")
    question = page.locator("#progress.confirm-hide")
    expect(question).to_contain_text("from ben (2 spans)")
    expect(question).to_contain_text("from anna (2 spans)")
    assert assignments(db_path) == []
    page.click("#cancel-hide")
    expect(page.locator("#progress tr[data-document]")).to_have_count(5)
    assert assignments(db_path) == []

    # Ben's queue still shows document 1; unticking him there asks too.
    page.locator('tr[data-document="1"] input[value="ben"]').uncheck()
    expect(page.locator("#progress.confirm-hide")).to_contain_text("document 1")
    page.click("#cancel-hide")
    assert assignments(db_path) == []

    page.fill("input[name=n]", "1")
    page.click("#round-robin")
    page.click("#confirm-hide")
    expect(page.locator("#progress tr[data-document]")).to_have_count(5)
    assert (1, "anna") in assignments(db_path) and (1, "ben") not in assignments(db_path)
    page.context.close()


def test_mark_adjudicated_asks_with_the_undecided_count(site, browser):
    """Point 11: marking adjudicated said nothing of the places left undecided."""
    url, db_path = site
    page = new_page(browser, url, **DESKTOP)
    log_in(page, "lea")
    page.goto("/review/documents/2")
    expect(page.locator("#undecided")).to_have_text("3 annotator spans undecided")
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept() if len(asked) > 1 else dialog.dismiss()

    page.on("dialog", answer)
    page.click("#mark-adjudicated")
    expect(page.locator("#flash")).to_have_text("Nothing was changed.")
    assert "3 annotator spans in 2 places are neither in gold nor rejected" in asked[0]
    db = store.connect(db_path, migrate_schema=False)
    assert get_gold_status(db, 2) == "not_started"
    db.conn.close()
    page.click("#mark-adjudicated")
    expect(page.locator("#gold-badge")).to_have_text("adjudicated")
    db = store.connect(db_path, migrate_schema=False)
    assert get_gold_status(db, 2) == "adjudicated"
    db.conn.close()
    page.context.close()


@pytest.mark.parametrize(
    ("who", "path", "message"),
    [
        ("anna", "/review", "only leads may do this"),
        ("anna", "/documents/999", "document 999 not found"),
        ("lea", "/review/export?format=xml", "format must be one of"),
    ],
)
def test_error_pages_say_their_message_once(site, browser, who, path, message):
    """Point 8: every error page showed its message twice, once in a green success toast."""
    url, _ = site
    page = new_page(browser, url, **DESKTOP)
    log_in(page, who)
    page.goto(path)
    assert page.locator("body").inner_text().count(message) == 1
    expect(page.locator("#flash.ok")).to_have_count(0)
    page.context.close()


SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
PAGES = [
    ("login", None, "/login"),
    ("queue", "anna", "/"),
    ("document", "anna", "/documents/1"),
    ("lead_home", "lea", "/"),
    ("gold_page", "lea", "/documents/1"),
    ("review_progress", "lea", "/review"),
    ("review_agreement", "lea", "/review/agreement"),
    ("review_document", "lea", "/review/documents/2"),
    ("review_export", "lea", "/review/export"),
    ("error", "anna", "/documents/999"),
]


@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_page_fits_the_screen(site, browser, size):
    """Point 7 (and the screenshots of every page): at 390 px the queue table stuck out of its
    card, the agreement page was 827 px wide; nothing may scroll sideways."""
    url, _ = site
    viewport = SIZES[size]
    ARTIFACTS.mkdir(exist_ok=True)
    pages = {}
    wide = {}
    for name, who, path in PAGES:
        if who not in pages:
            pages[who] = new_page(browser, url, **viewport)
            if who:
                log_in(pages[who], who)
        page = pages[who]
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if name == "document":
            page.locator("#text mark").first.click()
            page.wait_for_selector("#editor.open")
        page.screenshot(path=str(ARTIFACTS / f"{name}_{size}.png"), full_page=True)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > viewport["width"]:
            wide[name] = width
    for page in pages.values():
        page.context.close()
    assert wide == {}


def test_lead_lands_on_what_needs_them(site, browser):
    """Point 15: a lead landed on "Overview", a bare document list."""
    url, db_path = site
    db = store.connect(db_path, migrate_schema=False)
    db.conn.execute("DELETE FROM assignment")  # everyone sees everything again
    db.conn.commit()
    db.conn.close()
    page = new_page(browser, url, **DESKTOP)
    log_in(page, "lea")
    expect(page.locator("#todo")).to_contain_text("ready to adjudicate")
    expect(page.locator('#todo a.ready[href="/review/documents/1"]')).to_have_count(1)
    expect(page.locator("#progress tr[data-document]")).to_have_count(5)
    page.context.close()


def test_disagreement_view_shows_notes_and_attributes_with_room(site, browser):
    """Point 12: the lead could not see the annotators' notes and attributes. Point 14: the
    text sat in a box about eight lines tall above a long, narrow table."""
    url, _ = site
    page = new_page(browser, url, **DESKTOP)
    log_in(page, "lea")
    page.goto("/review/documents/2")
    cell = page.locator("#rows .span-cell", has_text="KCNA")
    expect(cell.locator(".span-note")).to_have_text(NOTE)
    expect(cell.locator(".attr")).to_have_text("speaker: KCNA")
    text = page.locator("#text").bounding_box()
    rows = page.locator("#rows").bounding_box()
    assert text["height"] >= 0.6 * DESKTOP["height"]
    assert rows["width"] >= 0.9 * DESKTOP["width"]
    page.screenshot(path=str(ARTIFACTS / "review_document_room_desktop.png"), full_page=True)
    page.context.close()


def test_dashboard_leads_with_plain_verdicts(site, browser):
    """Point 16: nine numbers at once, gamma's internals in view, mixed decimals, and a tight
    interval from two documents that looked precise."""
    url, _ = site
    page = new_page(browser, url, **DESKTOP)
    log_in(page, "lea")
    page.goto("/review/agreement")
    verdicts = page.locator("#verdicts")
    expect(verdicts.locator("tr[data-label]")).to_have_count(4)  # three labels and all
    for word in verdicts.locator(".verdict").all_inner_texts():
        assert word in {"reliable", "tentative", "not yet usable", "undefined"}
    expect(page.locator("#thresholds")).to_contain_text("reliable from 0.80")
    expect(page.locator("#thresholds")).to_contain_text("not yet usable below 0.67")
    # Two documents: a warning saying how many are needed, not an interval.
    expect(verdicts.locator(".warning").first).to_contain_text("only 2 documents")
    expect(verdicts.locator(".warning").first).to_contain_text("8 more")
    shown = page.locator("#figures").inner_text()
    assert not re.search(r"interval -?\d", shown), shown
    expect(page.locator('#label-alpha tr[data-label="STATE_PROPAGANDA"]')).to_contain_text(
        "too few documents"
    )
    # Every figure with two decimals.
    numbers = page.locator("#figures .big-number").all_inner_texts()
    assert numbers and all(re.fullmatch(r"-?\d+\.\d\d|n/a|computing…", n) for n in numbers)
    page.context.close()
