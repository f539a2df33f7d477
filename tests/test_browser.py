"""Real Chromium against the app on loopback: mouse selection, keys, and what SQLite holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotator import store
from annotator.core.labels import load_label_scheme
from annotator.services.annotations import SpanInput, create_span
from annotator.store.documents import get_document, get_tokens
from annotator.store.spans import list_spans
from annotator.store.statuses import get_status
from annotator.store.users import get_user
from tests.browser_support import (
    build_database,
    drag_select,
    live_server,
    log_in,
    new_page,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PHRASE_1 = "ukrainische Neonazi-Besatzer zu vernichten"
PHRASE_2 = "Neonazi-Besatzer zu vernichten und die Region Kursk zu befreien"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(base URL, database path) of a live server on its own database."""
    tmp = tmp_path_factory.mktemp("browser")
    db_path = build_database(tmp / "annotator.db")
    with live_server(db_path) as url:
        yield url, db_path


def read_db(db_path: Path):
    return store.connect(db_path, migrate_schema=False)


def document_with(db_path: Path, phrase: str) -> int:
    db = read_db(db_path)
    try:
        rows = db.conn.execute("SELECT id, text FROM document ORDER BY id").fetchall()
    finally:
        db.conn.close()
    return next(i for i, text in rows if phrase in text)


def token_range(db_path: Path, document_id: int, phrase: str) -> tuple[int, int, int, int]:
    """(start, end, first token, last token) of the phrase, found in the stored text itself."""
    db = read_db(db_path)
    try:
        text = get_document(db, document_id).text
        tokens = get_tokens(db, document_id)
    finally:
        db.conn.close()
    start = text.index(phrase)
    end = start + len(phrase)
    first = tokens.starts.tolist().index(start)
    last = tokens.ends.tolist().index(end)
    return start, end, first, last


def spans_of(db_path: Path, document_id: int, annotator: str):
    db = read_db(db_path)
    try:
        return list_spans(db, document_id, annotator)
    finally:
        db.conn.close()


def test_annotate_with_mouse_and_keys(site, browser):
    base_url, db_path = site
    doc = document_with(db_path, PHRASE_2)
    s1, e1, f1, l1 = token_range(db_path, doc, PHRASE_1)
    s2, e2, f2, l2 = token_range(db_path, doc, PHRASE_2)
    page = new_page(browser, base_url)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, "anna")
    page.click(f'a[href="/documents/{doc}"]')
    page.wait_for_selector("#text span[data-i]")

    # Mouse drag from inside the first word to inside the last, then the hotkey 1.
    drag_select(page, f1, l1)
    page.keyboard.press("1")
    page.wait_for_selector("#spans li[data-span]")
    (span1,) = spans_of(db_path, doc, "anna")
    assert (span1.label, span1.start, span1.end) == ("STATE_PROPAGANDA", s1, e1)
    assert (span1.token_start, span1.token_end) == (f1, l1)

    # An overlapping phrase with label 2: both stay visible, the shared tokens carry both labels.
    drag_select(page, f2, l2)
    page.keyboard.press("2")
    expect(page.locator("#spans li[data-span]")).to_have_count(2)
    spans = {s.label: s for s in spans_of(db_path, doc, "anna")}
    assert (spans["INTEL_ESTIMATE"].start, spans["INTEL_ESTIMATE"].end) == (s2, e2)
    shared = page.locator(f'#text span[data-i="{f2}"]').locator("xpath=ancestor::mark[1]")
    assert shared.get_attribute("class") == "l0 l1"
    assert page.locator("#text mark.l0").count() >= 1
    assert page.locator("#toolbar .count").inner_text().startswith("2")

    page.reload()
    assert page.locator("#spans li[data-span]").count() == 2

    # Click a token only the second span covers: its editor opens; change its label.
    page.click(f'#text span[data-i="{l2}"]')
    page.wait_for_selector(f'#editor[data-span="{spans["INTEL_ESTIMATE"].id}"]')
    page.select_option("#editor select[name=label]", "EDITORIAL_FRAMING")
    page.wait_for_selector("#text mark.l2")
    changed = {s.id: s for s in spans_of(db_path, doc, "anna")}[spans["INTEL_ESTIMATE"].id]
    assert (changed.label, changed.version, changed.start, changed.end) == (
        "EDITORIAL_FRAMING",
        2,
        s2,
        e2,
    )

    # Note and attribute through the editor form.
    page.fill("#editor textarea[name=note]", "Kreml-Wortwahl übernommen")
    page.click("#editor button[type=submit]")
    page.wait_for_selector("#spans .note")
    assert spans_of(db_path, doc, "anna")[-1].note == "Kreml-Wortwahl übernommen"

    # Delete with the key (confirm accepted), then undo with u: the same span is back.
    page.keyboard.press("Delete")
    expect(page.locator("#spans li[data-span]")).to_have_count(1)
    assert [s.label for s in spans_of(db_path, doc, "anna")] == ["STATE_PROPAGANDA"]
    page.keyboard.press("u")
    expect(page.locator("#spans li[data-span]")).to_have_count(2)
    restored = {s.id: s for s in spans_of(db_path, doc, "anna")}[changed.id]
    assert (restored.label, restored.start, restored.end, restored.note) == (
        "EDITORIAL_FRAMING",
        s2,
        e2,
        "Kreml-Wortwahl übernommen",
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "annotated.png"))

    # Keyboard selection: click a word, Shift+Right twice, press 3.
    far = token_range(db_path, doc, "Verteidigungsabkommen")[2]
    page.click(f'#text span[data-i="{far}"]')
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("3")
    expect(page.locator("#spans li[data-span]")).to_have_count(3)
    keyed = [s for s in spans_of(db_path, doc, "anna") if s.token_start == far]
    assert [(s.label, s.token_end) for s in keyed] == [("EDITORIAL_FRAMING", far + 1)]

    # A refusal shows in the flash region: the span changed elsewhere (stale version).
    page.click(f'#text span[data-i="{far}"]')
    page.wait_for_selector(f'#editor[data-span="{keyed[0].id}"]')
    db = read_db(db_path)
    db.conn.execute("UPDATE span SET version = version + 5 WHERE id = ?", [keyed[0].id])
    db.conn.close()
    page.click("#editor button[type=submit]")
    page.wait_for_selector("#flash.error")
    assert "changed elsewhere" in page.inner_text("#flash")

    # Mark done: on to the next undone document; the queue shows this one done.
    page.click("#mark-done")
    page.wait_for_url(lambda url: f"/documents/{doc}" not in url)
    db = read_db(db_path)
    assert get_status(db, doc, "anna") == "done"
    db.conn.close()
    page.goto("/")
    assert page.locator(f'tr[data-document="{doc}"] .badge').inner_text() == "done"
    page.context.close()

    # Blind: ben sees none of anna's spans.
    other = new_page(browser, base_url)
    log_in(other, "ben")
    other.goto(f"/documents/{doc}")
    assert other.locator("#text span[data-i]").count() > 100
    assert other.locator("#text mark").count() == 0
    assert other.locator("#spans li[data-span]").count() == 0
    assert len(spans_of(db_path, doc, "anna")) == 3
    other.context.close()


def test_refusals_of_key_actions_show_in_the_page(site, browser):
    """Keys send their requests from script; a refusal must still reach the flash region."""
    base_url, db_path = site
    doc = document_with(db_path, "Kanonenfutter")
    first, last = token_range(db_path, doc, "Kanonenfutter")[2:]
    db = read_db(db_path)
    try:
        user = get_user(db, "ben")
        span, _ = create_span(
            db,
            load_label_scheme(),
            user,
            doc,
            SpanInput("STATE_PROPAGANDA", token_start=first, token_end=last),
        )
    finally:
        db.conn.close()
    page = new_page(browser, base_url)
    log_in(page, "ben")
    page.goto(f"/documents/{doc}")
    page.wait_for_selector("#text mark")

    # A new session has nothing to undo: the key says so instead of doing nothing visible.
    page.keyboard.press("u")
    expect(page.locator("#flash.error")).to_contain_text("nothing to undo")

    # Relabel while someone else changed the span (stale version): refused, and said.
    page.click(f'#text span[data-i="{first}"]')
    page.wait_for_selector(f'#editor[data-span="{span.id}"]')
    db = read_db(db_path)
    db.conn.execute("UPDATE span SET version = version + 5 WHERE id = ?", [span.id])
    db.conn.close()
    page.select_option("#editor select[name=label]", "EDITORIAL_FRAMING")
    expect(page.locator("#flash.error")).to_contain_text("changed elsewhere")
    assert [s.label for s in spans_of(db_path, doc, "ben")] == ["STATE_PROPAGANDA"]
    page.context.close()


def test_keyboard_alone_reaches_any_phrase(site, browser):
    """No mouse: arrows move a one-token selection, Shift+arrows widen it, a label key marks it."""
    base_url, db_path = site
    doc = document_with(db_path, "Verteidigungsabkommen")
    start, end, first, last = token_range(db_path, doc, "ein Verteidigungsabkommen")
    page = new_page(browser, base_url)
    log_in(page, "lea")  # the gold layer: a layer of its own on a document nobody else touched
    page.goto(f"/documents/{doc}")
    page.wait_for_selector("#text span[data-i]")
    page.keyboard.press("ArrowRight")  # shows the start, token 0
    for _ in range(first):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.getSelection().toString()") == "ein"
    for _ in range(last - first):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("2")
    expect(page.locator("#spans li[data-span]")).to_have_count(1)
    (span,) = spans_of(db_path, doc, "gold")
    assert (span.label, span.start, span.end) == ("INTEL_ESTIMATE", start, end)
    # From the new span the arrows go on after it, not back to the start of the text.
    page.keyboard.press("ArrowRight")
    assert page.locator(f'#text span[data-i="{last + 1}"]').inner_text() in page.evaluate(
        "window.getSelection().toString()"
    )
    page.context.close()
