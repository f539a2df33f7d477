"""Real Chromium (issue 17): a lead switches the patterns on, an annotator steps through the
dashed suggestions with Tab, accepts one with `a`, rejects one with `x`, hides weak ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotator import store
from annotator.core.labels import load_label_scheme
from annotator.services.suggestions import PATTERNS, ProposedSpan, run_source, store_proposals
from annotator.store.spans import list_spans
from annotator.suggest.patterns import load_patterns, suggest_with_patterns
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
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("suggestions-browser")
    db_path = build_database(tmp / "annotator.db")
    db = store.connect(db_path)
    patterns = load_patterns(None, SCHEME.keys())
    run_source(db, SCHEME, PATTERNS, lambda texts: suggest_with_patterns(texts, patterns))
    counts = db.conn.execute(
        "SELECT document_id, COUNT(*) FROM suggestion GROUP BY document_id ORDER BY 2 DESC"
    ).fetchall()
    document_id = counts[0][0]
    # one weak suggestion of another source, for the threshold
    store_proposals(
        db, SCHEME, document_id, "weak-model", [ProposedSpan("EDITORIAL_FRAMING", 0, 12, 0.2)]
    )
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    ARTIFACTS.mkdir(exist_ok=True)
    with live_server(db_path) as base_url, chromium() as browser:
        yield {"url": base_url, "browser": browser, "db": db_path, "document": document_id}


def test_annotator_accepts_and_rejects_suggestions_in_the_browser(site):
    document = site["document"]
    lead = new_page(site["browser"], site["url"])
    log_in(lead, "lea")
    lead.goto("/review/suggestions")
    for source in (PATTERNS, "weak-model"):
        lead.locator(f'button[data-source="{source}"]').click()
        expect(lead.locator(f'button[data-source="{source}"]')).to_have_text("on: switch off")
    for width, height in SIZES.values():
        lead.set_viewport_size({"width": width, "height": height})
        lead.screenshot(path=str(ARTIFACTS / f"suggestions_sources_{width}.png"), full_page=True)
    lead.context.close()

    page = new_page(site["browser"], site["url"])
    log_in(page, "anna")
    page.goto(f"/documents/{document}")
    starts = page.locator("#text .ss")
    total = starts.count()
    assert total >= 3
    expect(page.locator("#sg-count")).to_have_text(str(total))
    # dashed, in the label's colour, and not the mark of an own span
    first = starts.nth(0)
    assert (
        page.evaluate("el => getComputedStyle(el).borderTopStyle", first.element_handle())
        == "dashed"
    )
    for width, height in SIZES.values():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"suggestions_annotate_{width}.png"))
    page.set_viewport_size({"width": 1366, "height": 768})

    # the threshold hides the weak suggestion (score 0.2), and Tab skips it
    page.locator("#sg-threshold").fill("0.5")
    expect(page.locator("#sg-count")).to_have_text(str(total - 1))
    page.locator("h1").click()
    page.keyboard.press("Tab")
    focused = page.locator("#text .ss.sgf")
    expect(focused).to_have_count(1)
    first_id = focused.get_attribute("data-sg")
    first_label = focused.get_attribute("data-sl")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#text .ss.sgf")).to_have_attribute("data-sg", first_id)

    page.keyboard.press("a")  # accept
    expect(page.locator(f'#text [data-sg="{first_id}"]')).to_have_count(0)
    expect(page.locator("#spans li[data-span]")).to_have_count(1)
    expect(page.locator("#sg-count")).to_have_text(str(total - 2))
    page.screenshot(path=str(ARTIFACTS / "suggestions_accepted_1366.png"))

    # the next one is focused after the answer; x rejects it
    next_one = page.locator("#text .ss.sgf")
    expect(next_one).to_have_count(1)
    rejected_id = next_one.get_attribute("data-sg")
    assert rejected_id != first_id
    page.keyboard.press("x")
    expect(page.locator(f'#text [data-sg="{rejected_id}"]')).to_have_count(0)
    expect(page.locator("#spans li[data-span]")).to_have_count(1)

    # u undoes the acceptance: the span goes, the suggestion comes back
    page.keyboard.press("u")
    expect(page.locator("#spans li[data-span]")).to_have_count(0)
    expect(page.locator(f'#text .ss[data-sg="{first_id}"]')).to_have_count(1)
    page.locator(f'#text .ss[data-sg="{first_id}"]').click()
    page.keyboard.press("Enter")  # accept again, with Enter
    expect(page.locator("#spans li[data-span]")).to_have_count(1)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "suggestions_accepted_390.png"), full_page=False)
    page.set_viewport_size({"width": 1366, "height": 768})

    # a selection after outlined suggestions still maps to the right tokens
    ends = [
        int(i) for i in page.locator("#text .se").evaluate_all("els => els.map(e => e.dataset.i)")
    ]
    multi = [
        int(i)
        for i in page.locator("#text .ss:not(.se)").evaluate_all("els => els.map(e => e.dataset.i)")
    ]
    after = min(e for e in ends if e > multi[0]) + 2
    drag_select(page, after, after + 1)
    page.keyboard.press("3")
    expect(page.locator("#spans li[data-span]")).to_have_count(2)
    page.context.close()

    db = store.connect(site["db"], migrate_schema=False)
    typed, span = sorted(list_spans(db, document, "anna"), key=lambda s: s.origin["kind"])
    assert typed.origin == {"kind": "manual"}
    assert (typed.token_start, typed.label) == (after, "EDITORIAL_FRAMING")
    assert span.label == first_label
    assert span.origin == {"kind": "suggestion", "source": PATTERNS, "edited": False}
    decisions = dict(
        db.conn.execute(
            "SELECT suggestion_id, decision FROM suggestion_decision WHERE annotator = 'anna' "
            "AND decision IS NOT NULL"
        ).fetchall()
    )
    assert decisions == {int(first_id): "accepted", int(rejected_id): "rejected"}
    db.conn.close()

    # the lead's dashboard now has the suggestions section
    lead = new_page(site["browser"], site["url"])
    log_in(lead, "lea")
    lead.goto("/review/agreement")
    expect(lead.locator("#suggestion-figures")).to_contain_text("typed by hand")
    for width, height in SIZES.values():
        lead.set_viewport_size({"width": width, "height": height})
        lead.locator("#suggestion-figures").screenshot(
            path=str(ARTIFACTS / f"suggestions_dashboard_{width}.png")
        )
    lead.context.close()
