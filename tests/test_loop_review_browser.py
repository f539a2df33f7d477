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
from tests.browser_support import (
    build_database,
    disagreeing_places,
    live_server,
    log_in,
    new_page,
)

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


CROWD = ("anna", "ben", "cara", "dora", "emil")
CROWD_LABELS = ("EDITORIAL_FRAMING", "STATE_PROPAGANDA", "INTEL_ESTIMATE")
PLACES = 24
LAYOUT_SIZES = {
    "desktop": {"width": 1366, "height": 768},
    "wide": {"width": 1920, "height": 1080},
    "phone": {"width": 390, "height": 844},
    "narrow": {"width": 1000, "height": 800},  # one column: the tools below the rows
}


@pytest.fixture(scope="module")
def crowded_site(tmp_path_factory):
    """The longest corpus article, five annotators who disagree at 24 places (a label, a
    boundary, someone missing), every other place accepted into gold: rows to scroll through."""
    db_path = build_database(tmp_path_factory.mktemp("crowded-review") / "annotator.db")
    db = store.connect(db_path)
    doc = disagreeing_places(
        db, CROWD, CROWD_LABELS, PLACES, miss_every=5, extra_tokens=2, gold_every=2
    )
    db.conn.close()
    with live_server(db_path) as url:
        yield url, doc


def boxes_in_view(page, selector: str) -> list[dict]:
    """The boxes (with class and first words) of the elements matching `selector`, cut to what
    their scrolling ancestors and the viewport let show; elements that show nothing are left out."""
    return page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector)).map((el) => {
             const b = el.getBoundingClientRect();
             let box = {x: b.left, y: b.top, right: b.right, bottom: b.bottom};
             for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
               const style = getComputedStyle(up);
               if (style.overflowX === "visible" && style.overflowY === "visible") continue;
               const c = up.getBoundingClientRect();
               box = {x: Math.max(box.x, c.left), y: Math.max(box.y, c.top),
                      right: Math.min(box.right, c.right), bottom: Math.min(box.bottom, c.bottom)};
             }
             const [w, h] = [innerWidth, innerHeight];
             box = {x: Math.max(box.x, 0), y: Math.max(box.y, 0),
                    right: Math.min(box.right, w), bottom: Math.min(box.bottom, h)};
             return {...box, cls: String(el.className), text: el.innerText.trim().slice(0, 30)};
           }).filter((b) => b.right > b.x && b.bottom > b.y)""",
        selector,
    )


def overlap(a: dict, b: dict) -> bool:
    """Whether two viewport boxes share any area."""
    return (
        a["x"] < b["right"]
        and b["x"] < a["right"]
        and a["y"] < b["bottom"]
        and b["y"] < a["bottom"]
    )


def cells_under_the_panel(page, cells: str = "#rows td, #rows th") -> list[tuple[str, str]]:
    """(cell, panel part) for every row cell in view that the side panel or a part of it covers."""
    panels = boxes_in_view(page, ".side, .side > *")
    return [
        (c["text"], p["text"]) for c in boxes_in_view(page, cells) for p in panels if overlap(c, p)
    ]


def uncovered(locator) -> bool:
    """Whether a click at the element's centre lands on it (nothing lies over it)."""
    return locator.evaluate(
        """(el) => {
             const b = el.getBoundingClientRect();
             return el.contains(document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2));
           }"""
    )


@pytest.mark.parametrize("size", sorted(LAYOUT_SIZES))
def test_side_panel_never_covers_the_rows(crowded_site, browser, size):
    """Found in the final review of issue 14: on wide screens the sticky side panel stayed in
    view over the full-width rows and covered the gold column (and, with five annotators, the
    last annotator's), so a gold cell's Edit could not be clicked. The panel now scrolls away
    with the text; Edit brings the editor into view, and closing it goes back to the cell."""
    url, doc = crowded_site
    viewport = LAYOUT_SIZES[size]
    page = new_page(browser, url, **viewport)
    log_in(page, "lea")
    page.goto(f"/review/documents/{doc}")
    expect(page.locator("#rows tr.region")).to_have_count(PLACES)
    expect(page.locator("#rows thead th")).to_have_count(len(CROWD) + 2)
    # Scroll well into the rows: a gold cell's Edit button halfway down the rows in the middle.
    gold_cells = page.locator("#rows td.gold-col .span-cell[data-span]")
    expect(gold_cells.first).to_contain_text("Edit")
    span = gold_cells.nth(PLACES // 4).get_attribute("data-span")
    edit = page.locator(f'#rows td.gold-col .span-cell[data-span="{span}"] button', has_text="Edit")
    edit.evaluate("(el) => el.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(100)  # let a sticky panel settle at its stuck place
    assert page.evaluate("scrollY") > page.locator("#rows").evaluate(
        "(el) => el.getBoundingClientRect().top + scrollY"
    ), "the test did not scroll into the rows"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"review_rows_scrolled_{size}.png"))

    assert any("gold-col" in c["cls"] for c in boxes_in_view(page, "#rows td")), "no gold cell"
    covered = cells_under_the_panel(page)
    assert covered == [], f"the side panel covers {len(covered)} row cells, e.g. {covered[:3]}"
    # Nor does a span run out of its column, under the next one (or out of the gold one).
    spilled = page.evaluate(
        """() => Array.from(document.querySelectorAll(
                   '#rows td.layer .span-cell, #rows td.layer .cell-actions > *'))
                 .filter((el) => el.getBoundingClientRect().right
                                 > el.closest('td').getBoundingClientRect().right + 0.5).length"""
    )
    assert spilled == 0, f"{spilled} span cells or buttons are wider than their column"
    assert uncovered(edit), "something lies over the gold cell's Edit button"

    # Edit opens the gold editor where the lead can use it.
    edit.click()
    editor = page.locator("#editor.open")
    expect(editor).to_have_count(1)
    page.wait_for_timeout(100)
    page.screenshot(path=str(ARTIFACTS / f"review_rows_edit_{size}.png"))
    label = editor.locator("select[name=label]")
    save = editor.locator("button[type=submit]")
    for control in (label, save):
        expect(control).to_be_in_viewport()
        assert uncovered(control), f"something lies over the editor's {control}"
    expect(label).to_be_focused()
    covered = cells_under_the_panel(page, "#rows td, #rows th, #rows .rows-head")
    assert covered == [], f"the open editor's panel covers {len(covered)} row cells: {covered[:3]}"

    # A save keeps the way back; then back to the same place in the rows, by the button or by
    # Esc (the first Esc leaves the field).
    save.click()
    expect(page.locator("#flash")).to_contain_text("saved")
    page.wait_for_load_state("networkidle")  # the rows refresh themselves (goldChanged)
    page.click("#editor [data-back-to-rows]")
    expect(page.locator("#editor.open")).to_have_count(0)
    expect(edit).to_be_in_viewport()
    expect(edit).to_be_focused()
    assert uncovered(edit)
    page.keyboard.press("Enter")
    expect(label).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(page.locator("#editor.open")).to_have_count(0)
    expect(edit).to_be_focused()
    expect(edit).to_be_in_viewport()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"]
    page.context.close()


@pytest.mark.parametrize("size", sorted(LAYOUT_SIZES))
def test_gold_editor_opened_from_the_text_shows_whole(crowded_site, browser, size):
    """The side panel scrolls itself now: a gold highlight clicked in the text opens the editor
    with its Save button in sight (the panel scrolls, not the page, beside the text), and
    closing it leaves the lead at the text."""
    url, doc = crowded_site
    viewport = LAYOUT_SIZES[size]
    page = new_page(browser, url, **viewport)
    log_in(page, "lea")
    page.goto(f"/review/documents/{doc}")
    mark = page.locator("#text mark").nth(3)
    mark.scroll_into_view_if_needed()
    before = page.evaluate("scrollY")
    mark.locator("span").first.click()
    save = page.locator("#editor.open button[type=submit]")
    expect(save).to_be_in_viewport()
    assert uncovered(save)
    beside = page.evaluate(
        "document.querySelector('.side').getBoundingClientRect().top"
        " < document.querySelector('#rows').getBoundingClientRect().top"
    )
    if beside:  # the tools beside the text scroll themselves; below the rows, the page goes there
        assert page.evaluate("scrollY") == before
    page.screenshot(path=str(ARTIFACTS / f"review_text_edit_{size}.png"))
    page.click("#editor [data-close-editor]")
    expect(page.locator("#editor.open")).to_have_count(0)
    expect(mark).to_be_in_viewport()  # back at the text (a phone went down to the editor)
    page.context.close()
