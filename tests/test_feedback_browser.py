"""Real Chromium through the loop of issue 15: the lead releases feedback, an annotator reads it
and asks about a span, the lead answers in the disagreement view, the grid shows minutes, the
dashboard shows agreement per batch and per scheme version."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotator import store
from annotator.core.labels import load_label_scheme
from annotator.services.adjudication import change_gold_status
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.store.users import get_user
from tests.browser_support import ROOT, build_database, chromium, live_server, log_in, new_page

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
SCHEME = load_label_scheme()
FRAMING, INTEL = "EDITORIAL_FRAMING", "INTEL_ESTIMATE"


def annotate(db, name, document_id, spans):
    user = get_user(db, name)
    for label, ts, te in spans:
        create_span(db, SCHEME, user, document_id, SpanInput(label, token_start=ts, token_end=te))
    set_document_status(db, user, document_id, "done")


def shoot(page, name: str) -> None:
    """The current page at both sizes, whole."""
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"loop_{name}_{size}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("loop-browser")
    db_path = build_database(tmp / "annotator.db")
    db = store.connect(db_path)
    # Guideline version 1: documents 1 and 2 marked identically, document 3 too.
    for doc in (1, 2, 3):
        for name in ("anna", "ben"):
            annotate(db, name, doc, [(FRAMING, 5, 9)])
    db.conn.close()
    # The lead changes the guidelines: version 2 (the app records it at start).
    labels = tmp / "labels.toml"
    text = (ROOT / "schema" / "labels.toml").read_text(encoding="utf-8")
    labels.write_text(
        text.replace("version = 1", "version = 2").replace(
            "Mark the quoted words, not the attribution.", "Mark the quoted words only."
        ),
        encoding="utf-8",
    )
    with live_server(db_path, LABELS=str(labels), REVIEW_BATCH_SIZE=2) as url:
        db = store.connect(db_path)
        # Under version 2 they disagree on document 4 and 5; document 1 gets gold.
        annotate(db, "anna", 4, [(FRAMING, 5, 9)])
        annotate(db, "ben", 4, [(INTEL, 30, 34)])
        annotate(db, "anna", 5, [(FRAMING, 10, 12), (INTEL, 40, 44)])
        annotate(db, "ben", 5, [(FRAMING, 60, 64)])
        lea = get_user(db, "lea")
        for label, ts, te in ((FRAMING, 5, 9), (INTEL, 20, 24)):
            create_span(db, SCHEME, lea, 1, SpanInput(label, token_start=ts, token_end=te))
        change_gold_status(db, lea, 1, "adjudicated", confirmed=True)
        db.conn.close()
        yield url, db_path


def test_feedback_question_answer_times_and_agreement_over_time(site):
    url, db_path = site
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        errors: list[str] = []
        lead = new_page(browser, url)
        lead.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        log_in(lead, "lea")
        lead.goto("/review/documents/1")
        lead.fill("#release textarea[name=note]", "INTEL spans include the attribution.")
        lead.click("#release-feedback")
        expect(lead.locator("#release")).to_contain_text("feedback released")

        anna = new_page(browser, url)
        anna.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        log_in(anna, "anna")
        expect(anna.locator("#queue-scores")).to_contain_text("Editorial framing")
        shoot(anna, "queue")
        anna.click('tr[data-document="1"] a.feedback-link')
        anna.wait_for_url("**/documents/1/feedback")
        expect(anna.locator("#decision-note")).to_contain_text("include the attribution")
        expect(anna.locator('.place[data-class="matched"]')).to_have_count(1)
        expect(anna.locator('.place[data-class="missed"]')).to_have_count(1)
        # Ask about the matched span.
        place = anna.locator('.place[data-class="matched"]')
        place.locator("textarea[name=text]").fill("Why does the attribution count here?")
        place.locator("button[type=submit]").click()
        expect(anna.locator('.place[data-class="matched"] .comment')).to_have_count(1)
        expect(anna.locator('.place[data-class="matched"] .thread-state')).to_have_text(
            "Open question"
        )
        shoot(anna, "feedback")

        # The lead answers in the disagreement view.
        lead.goto("/review/documents/1")
        thread = lead.locator("#threads .thread-about").first
        expect(thread).to_contain_text("Why does the attribution count here?")
        expect(lead.locator("#rows .thread-badge.open")).to_have_count(1)
        thread.locator("textarea[name=text]").fill("Gold keeps the attribution: see 4.2.")
        thread.locator("button[type=submit]").click()
        expect(lead.locator("#threads .comment")).to_have_count(2)
        # the span's badge in the rows follows the thread without a reload
        expect(lead.locator("#rows .thread-badge.open")).to_have_text(
            "? 2 comments · open question"
        )
        shoot(lead, "disagreement_threads")

        anna.reload()
        expect(anna.locator('.place[data-class="matched"] .comment').nth(1)).to_contain_text(
            "see 4.2"
        )
        anna.locator('.place[data-class="matched"] button.resolve').click()
        expect(anna.locator('.place[data-class="matched"] .thread-state')).to_have_text("Resolved")

        # Time: anna works on document 2 for a few seconds, the page reports it.
        anna.goto("/documents/2")
        for k in range(6):
            anna.mouse.move(200 + 20 * k, 300)
            anna.wait_for_timeout(500)
        with anna.expect_response(lambda r: r.url.endswith("/api/documents/2/time")) as sent:
            anna.evaluate("window.activeTime.report()")
        assert sent.value.status == 200
        # (A keepalive request's body is not readable here: the database says what was stored.)
        db = store.connect(db_path, migrate_schema=False)
        try:
            stored = db.conn.execute(
                "SELECT active_ms FROM active_time WHERE document_id = 2 AND annotator = 'anna'"
            ).fetchone()
        finally:
            db.conn.close()
        assert stored is not None and stored[0] > 0
        lead.goto("/review")
        cell = lead.locator('tr[data-document="2"] td.cell').first
        expect(cell.locator(".minutes")).to_contain_text("min")
        expect(lead.locator("#loop")).to_contain_text("Reopen 6 layers")
        shoot(lead, "progress")

        lead.goto("/review/agreement")
        expect(lead.locator("#over-time svg.lines circle.point")).not_to_have_count(0)
        expect(lead.locator("#batch-table tbody tr")).to_have_count(3)
        expect(lead.locator("#version-table tr[data-version]")).to_have_count(2)
        expect(lead.locator("#over-time .drop")).to_contain_text("dropped from batch 1 to batch 2")
        lead.locator("#over-time").scroll_into_view_if_needed()
        shoot(lead, "dashboard")
        lead.locator("#over-time").screenshot(path=str(ARTIFACTS / "loop_over_time.png"))
        assert errors == []
