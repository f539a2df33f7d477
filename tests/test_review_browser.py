"""Real Chromium: a lead goes from the dashboard to the worst document, decides, exports gold."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotator import store
from annotator.core.labels import load_label_scheme
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.services.exports import export_records
from annotator.store.spans import list_spans
from annotator.store.users import get_user
from tests.browser_support import (
    build_database,
    chromium,
    drag_select,
    live_server,
    log_in,
    new_page,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SCHEME = load_label_scheme()
# Document 2 is where anna and ben disagree most; document 1 they mark identically.
SPANS = [
    ("anna", 1, "EDITORIAL_FRAMING", 5, 9),
    ("ben", 1, "EDITORIAL_FRAMING", 5, 9),
    ("anna", 2, "STATE_PROPAGANDA", 20, 30),
    ("ben", 2, "STATE_PROPAGANDA", 22, 30),
    ("anna", 2, "INTEL_ESTIMATE", 60, 80),
    ("ben", 2, "EDITORIAL_FRAMING", 60, 70),
    ("anna", 2, "INTEL_ESTIMATE", 120, 125),
]


def contrast(css_a: str, css_b: str) -> float:
    """WCAG 2 contrast ratio of two computed `rgb(r, g, b)` colours (written out here, not
    taken from charts.py, so that the check does not share the code it checks)."""

    def luminance(css: str) -> float:
        channels = [int(x) / 255 for x in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(css_a), luminance(css_b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("review-browser")
    db_path = build_database(tmp / "annotator.db")
    db = store.connect(db_path)
    for name, doc, label, ts, te in SPANS:
        create_span(
            db, SCHEME, get_user(db, name), doc, SpanInput(label, token_start=ts, token_end=te)
        )
    for name in ("anna", "ben"):
        for doc in (1, 2):
            set_document_status(db, get_user(db, name), doc, "done")
    db.conn.close()
    with live_server(db_path) as url:
        yield url, db_path


def test_lead_dashboard_to_gold_export(site):
    url, db_path = site
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = new_page(browser, url)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        log_in(page, "lea")
        page.goto("/review/agreement")
        expect(page.locator("#kappa-heatmap svg .cell")).to_have_count(2)
        # The numbers in the cells are drawn in the colour chosen for contrast with the cell
        # (the stylesheet must not override it): WCAG AA, 4.5:1, against the rendered colours.
        for fill, ink in page.eval_on_selector_all(
            "svg.heatmap .cell",
            "cells => cells.map(c => [getComputedStyle(c.querySelector('rect')).fill,"
            " getComputedStyle(c.querySelector('text.value')).fill])",
        ):
            assert contrast(fill, ink) >= 4.5, (fill, ink)
        # A filter refreshes the figures in place (no page load): the label's bar goes.
        page.evaluate("window.__same_page = true")
        page.uncheck("#filters input[value=INTEL_ESTIMATE]")
        expect(
            page.locator('#label-alpha svg .bar[data-name="Intelligence estimate"]')
        ).to_have_count(0)
        page.check("#filters input[value=INTEL_ESTIMATE]")
        expect(
            page.locator('#label-alpha svg .bar[data-name="Intelligence estimate"]')
        ).to_have_count(1)
        assert page.evaluate("window.__same_page") is True
        page.screenshot(path=str(ARTIFACTS / "review_dashboard.png"), full_page=True)

        # The worst document comes first; follow it.
        page.locator("#by-document a.doc-link").first.click()
        page.wait_for_url("**/review/documents/2")
        expect(page.locator("#rows .span-cell.kind-boundary")).to_have_count(2)
        expect(page.locator("#rows .span-cell.kind-label")).to_have_count(2)
        expect(page.locator("#rows .span-cell.kind-missing")).to_have_count(1)
        page.screenshot(path=str(ARTIFACTS / "review_disagreement.png"), full_page=True)

        db = store.connect(db_path, migrate_schema=False)
        try:
            source = next(s for s in list_spans(db, 2, "anna") if s.label == "STATE_PROPAGANDA")
        finally:
            db.conn.close()
        page.locator(f'.span-cell[data-span="{source.id}"] button.accept').click()
        expect(page.locator("#spans .count")).to_have_text("1")
        expect(page.locator(f'.span-cell[data-span="{source.id}"]')).to_contain_text("in gold")

        # Draw a gold span directly: select tokens with the mouse, press the framing key.
        drag_select(page, 100, 104)
        page.keyboard.press("3")
        expect(page.locator("#spans .count")).to_have_text("2")
        expect(page.locator("#editor.open")).to_have_count(1)
        page.once("dialog", lambda dialog: dialog.accept())  # places left undecided: asked
        page.click("#mark-adjudicated")
        expect(page.locator("#gold-badge")).to_have_text("adjudicated")
        page.screenshot(path=str(ARTIFACTS / "review_adjudicated.png"), full_page=True)

        # The adjudicated document now scores each annotator against gold on the dashboard.
        page.goto("/review/agreement")
        expect(page.locator('#gold-scores tr.micro[data-annotator="anna"]')).to_have_count(1)
        page.locator("#gold-scores").screenshot(path=str(ARTIFACTS / "review_gold_scores.png"))

        # Assignment: untick ben on document 3; the grid and the totals refresh in place.
        page.goto("/review")
        page.locator('tr[data-document="3"] input[value="ben"]').uncheck()
        expect(page.locator('tr[data-document="3"] td.status-unassigned')).to_have_count(1)
        expect(page.locator('#totals [data-annotator="ben"]')).to_contain_text("of 4 done")
        page.screenshot(path=str(ARTIFACTS / "review_progress.png"), full_page=True)
        assert errors == []

    db = store.connect(db_path, migrate_schema=False)
    try:
        records = list(export_records(db, annotators=[], gold=True))
    finally:
        db.conn.close()
    db = store.connect(db_path, migrate_schema=False)
    try:
        assigned = db.conn.execute("SELECT annotator FROM assignment WHERE document_id = 3")
        assert assigned.fetchall() == [("anna",)]
    finally:
        db.conn.close()
    (record,) = records
    assert record["_annotator_id"] == "gold" and record["meta"]["document_id"] == 2
    spans = sorted((s["label"], s["token_start"], s["token_end"]) for s in record["spans"])
    assert spans == [("EDITORIAL_FRAMING", 100, 104), ("STATE_PROPAGANDA", 20, 30)]


def test_review_page_keys_do_what_its_help_says_or_nothing(site):
    """`u` and `n` belong to the annotation page: on the review page they send nothing (they
    used to POST an undo that answered 405 and send the lead to the home page)."""
    url, _ = site
    with chromium() as browser:
        page = new_page(browser, url)
        log_in(page, "lea")
        page.goto("/review/documents/1")
        refused: list[str] = []
        page.on(
            "response", lambda r: refused.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.locator("#text").click(position={"x": 5, "y": 5})
        for key in ("u", "n", "j", "k"):
            page.keyboard.press(key)
        page.wait_for_timeout(300)
        assert page.url.endswith("/review/documents/1")
        assert refused == [] and requests == []
        expect(page.locator("#flash.error")).to_have_count(0)
        # What the hint says works: select text, press a label key, a gold span appears.
        drag_select(page, 10, 12)
        page.keyboard.press("1")
        expect(page.locator("#editor.open")).to_have_count(1)
        page.keyboard.press("Escape")
        expect(page.locator("#editor.open")).to_have_count(0)
