"""Real Chromium: the lead's side-by-side rows on a long document with eight annotators.

Two follow-ups of issue 14: the rows scrolled sideways inside their card and took the "Where"
column and the annotator names with them; and a gold change reloaded only the first page of
places, so a lead deciding place 100 landed at the top of the rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotator import store
from annotator.core.labels import load_label_scheme
from tests.browser_support import (
    build_database,
    disagreeing_places,
    drag_select,
    live_server,
    log_in,
    new_page,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
ANNOTATORS = ("anna", "ben", "cara", "dora", "emil", "finn", "gina", "hugo")
LABELS = ("EDITORIAL_FRAMING", "STATE_PROPAGANDA", "INTEL_ESTIMATE")
PLACES = 150
PAGE = 60  # adjudication.PLACES_PER_PAGE: place rows rendered at once


@pytest.fixture(scope="module")
def long_site(tmp_path_factory):
    """The longest corpus article, eight done annotators who disagree at 150 separate places
    (a label, a boundary, someone missing); every third place has a gold span already."""
    db_path = build_database(tmp_path_factory.mktemp("review-table") / "annotator.db")
    db = store.connect(db_path)
    doc = disagreeing_places(
        db, ANNOTATORS, LABELS, PLACES, miss_every=7, extra_tokens=1, gold_every=3
    )
    db.conn.close()
    with live_server(db_path) as url:
        yield url, doc, db_path


def open_rows(browser, url: str, doc: int, viewport: dict):
    page = new_page(browser, url, **viewport)
    log_in(page, "lea")
    page.goto(f"/review/documents/{doc}")
    expect(page.locator("#rows tr.region")).to_have_count(PAGE)
    expect(page.locator("#rows thead th")).to_have_count(len(ANNOTATORS) + 2)
    return page


# What the lead sees of the table once it is scrolled: the scrolling box's visible part, each
# header cell and each row's "Where" cell with their boxes, and what a click at the centre of
# that cell's visible part would hit.
SCROLLED_TABLE = """() => {
  const box = document.querySelector('#rows .table-scroll');
  const b = box.getBoundingClientRect();
  const seen = {left: Math.max(b.left + box.clientLeft, 0), top: Math.max(b.top + box.clientTop, 0),
                right: Math.min(b.left + box.clientLeft + box.clientWidth, innerWidth),
                bottom: Math.min(b.top + box.clientTop + box.clientHeight, innerHeight)};
  // A scrolling cell's visible part begins right of the stuck "Where" column.
  const stuck = document.querySelector('#rows thead th.where').getBoundingClientRect().right;
  const hit = (el) => {
    const r = el.getBoundingClientRect();
    const left = Math.max(r.left, seen.left, el.matches('.where') ? -Infinity : stuck);
    const x = (left + Math.min(r.right, seen.right)) / 2;
    const y = (Math.max(r.top, seen.top) + Math.min(r.bottom, seen.bottom)) / 2;
    const at = document.elementFromPoint(x, y);
    const words = (e) => e.innerText.trim().slice(0, 24);
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            shown: Math.min(r.right, seen.right) - left, text: words(el),
            hit: !!at && el.contains(at), hitText: at ? words(at.closest('td, th') || at) : '',
            background: getComputedStyle(el).backgroundColor,
            spills: el.scrollWidth > el.clientWidth + 1};
  };
  return {
    seen, scrollLeft: box.scrollLeft, scrollTop: box.scrollTop,
    maxLeft: box.scrollWidth - box.clientWidth, maxTop: box.scrollHeight - box.clientHeight,
    head: Array.from(document.querySelectorAll('#rows thead th')).map(hit),
    where: Array.from(document.querySelectorAll('#rows tr.region td.where')).map(hit),
    side: Array.from(document.querySelectorAll('.side')).map((el) => {
      const r = el.getBoundingClientRect();
      return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    }),
    pageWidth: document.scrollingElement.scrollWidth,
  };
}"""


def inside(cell: dict, seen: dict) -> bool:
    """Whether a cell's box lies wholly inside the visible part of the scrolling box."""
    return (
        cell["left"] >= seen["left"] - 0.5
        and cell["right"] <= seen["right"] + 0.5
        and cell["top"] >= seen["top"] - 0.5
        and cell["bottom"] <= seen["bottom"] + 0.5
    )


def opaque(css: str) -> bool:
    """Whether a computed background colour hides what scrolls under it."""
    return css.startswith("rgb(") or (css.startswith("rgba(") and css.endswith(", 1)"))


@pytest.mark.parametrize("size", sorted(SIZES))
def test_where_column_and_header_stay_in_sight_as_the_rows_scroll(long_site, browser, size):
    """On a phone the rows scroll sideways inside their card, and once scrolled the "Where"
    column and the annotator names were out of sight; at 1366 px eight annotators squeezed
    their columns. The header row and the "Where" column now stick inside the scrolling box,
    opaque and above the cells that scroll under them."""
    url, doc, _ = long_site
    viewport = SIZES[size]
    page = open_rows(browser, url, doc, viewport)
    table = page.locator("#rows .table-scroll")
    table.scroll_into_view_if_needed()
    before = page.evaluate(SCROLLED_TABLE)
    assert before["maxLeft"] > 0, "eight annotators' columns fit the card: nothing to test"
    assert before["maxTop"] > 0, "the rows do not scroll inside their card"
    # To the right end, and well down into the rows (the page itself does not move).
    table.evaluate("(el) => { el.scrollLeft = el.scrollWidth; el.scrollTop = el.scrollHeight / 3 }")
    page.wait_for_timeout(100)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"review_table_scrolled_{size}.png"))
    after = page.evaluate(SCROLLED_TABLE)
    seen = after["seen"]
    assert after["scrollLeft"] >= after["maxLeft"] - 1 and after["scrollTop"] > 0

    where_head, *names, gold_head = after["head"]
    assert where_head["text"] in {"Where", "Wo"}
    for cell in (where_head, gold_head):  # the corner and the last column, at the right end
        assert inside(cell, seen), f"header cell {cell['text']!r} is out of sight: {cell}"
    for cell in after["head"]:
        if cell["shown"] > 1:  # the part of it in sight (right of the stuck column)
            assert abs(cell["top"] - seen["top"]) <= 1, f"{cell['text']!r} left the top: {cell}"
            assert cell["hit"], f"{cell['hitText']!r} is painted over header {cell['text']!r}"
            assert opaque(cell["background"]), cell
    hugo = next(n for n in names if n["text"].startswith("hugo"))  # the last annotator
    assert hugo["shown"] > 20 and hugo["hit"], hugo

    head_bottom = max(c["bottom"] for c in after["head"])
    visible = [
        c for c in after["where"] if c["top"] >= head_bottom and c["bottom"] <= seen["bottom"]
    ]
    assert len(visible) >= 2, "no whole row in sight below the header"
    for cell in visible:
        assert inside(cell, seen), f"the Where cell {cell['text']!r} is out of sight: {cell}"
        assert cell["hit"], f"{cell['hitText']!r} is painted over the Where cell {cell['text']!r}"
        assert opaque(cell["background"]), cell
    # Nor does a long word of a place run out of the stuck column, over the cells beside it.
    spilled = [c["text"] for c in after["where"] if c["spills"]]
    assert spilled == [], f"{len(spilled)} places run out of the Where column: {spilled[:3]}"
    # Nothing of the side panel lies over the rows, and the page itself never scrolls sideways.
    for panel in after["side"]:
        assert not (
            panel["left"] < seen["right"]
            and seen["left"] < panel["right"]
            and panel["top"] < seen["bottom"]
            and seen["top"] < panel["bottom"]
        ), f"the side panel {panel} overlaps the rows {seen}"
    assert after["pageWidth"] <= viewport["width"]
    page.context.close()


def load_places(page, at_least: int) -> None:
    """Scroll the rows' box down until `at_least` places are rendered (a page per scroll)."""
    page.locator("#rows .table-scroll").scroll_into_view_if_needed()
    for _ in range(PLACES // PAGE + 2):
        count = page.locator("#rows tr.region").count()
        if count >= at_least or page.locator("#rows tr.more-places").count() == 0:
            break
        page.locator("#rows .table-scroll").evaluate("(el) => { el.scrollTop = el.scrollHeight }")
        page.wait_for_function(
            "(n) => document.querySelectorAll('#rows tr.region').length > n", arg=count
        )
    assert page.locator("#rows tr.region").count() >= at_least


def rendered_places(page) -> list[tuple[int, int]]:
    return [
        tuple(p)
        for p in page.eval_on_selector_all(
            "#rows tr.region", "(rows) => rows.map((r) => [+r.dataset.ts, +r.dataset.te])"
        )
    ]


def place_count(page) -> int:
    return int(page.locator("#rows .rows-head .count").inner_text().split()[0])


def undecided_place(page, index: int):
    """The first place from the `index`-th on with no gold span and an Accept button."""
    rows = page.locator("#rows tr.region")
    for k in range(index, rows.count()):
        row = rows.nth(k)
        if row.locator("td.gold-col .span-cell[data-span]").count() == 0 and (
            row.locator("button.accept").count() >= 2
        ):
            return k, row.get_attribute("data-ts")
    raise AssertionError(f"no undecided place from place {index} on")


def focus_in(locator) -> bool:
    return locator.evaluate("(el) => el.contains(document.activeElement)")


@pytest.mark.parametrize(("size", "at"), [("desktop", 100), ("phone", 70)])
def test_a_gold_change_far_down_the_rows_keeps_the_lead_at_the_place(long_site, browser, size, at):
    """After a gold change the rows reloaded their first 60 places only, so a lead deciding
    place 100 landed at the top of the rows and had to find the place again. A change now
    swaps only the rows it changed (out of band) and the lead stays at the place: accept,
    reject, a gold label edited, and gold boundaries widened over the next place (two rows
    become one, and the pages still to load neither skip nor repeat a place)."""
    url, doc, _ = long_site
    viewport = SIZES[size]
    page = open_rows(browser, url, doc, viewport)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    load_places(page, at + 12)
    loaded = page.locator("#rows tr.region").count()
    assert loaded < place_count(page), "everything loaded: the test needs a place row page left"
    k, ts = undecided_place(page, at)
    row = page.locator(f'#rows tr.region[data-ts="{ts}"]')
    before, after = rendered_places(page)[k - 1], rendered_places(page)[k + 1]

    # Accept one annotator's span.
    accept = row.locator("td.layer:not(.gold-col) button.accept").first
    span = accept.locator("xpath=ancestor::div[@data-span]").get_attribute("data-span")
    label = row.locator(f'.span-cell[data-span="{span}"] .label-name').inner_text()
    accept.scroll_into_view_if_needed()
    accept.click()
    expect(page.locator("#flash")).to_have_text("accepted into gold")
    page.wait_for_load_state("networkidle")
    expect(row).to_have_count(1)
    expect(row.locator("td.gold-col .span-cell[data-span]")).to_have_count(1)
    expect(row.locator("td.gold-col .label-name")).to_have_text(label)
    expect(row.locator(f'.span-cell[data-span="{span}"]')).to_contain_text("in gold")
    expect(row).to_be_in_viewport()
    assert focus_in(row), "the focus left the place"
    assert page.locator("#rows tr.region").count() == loaded
    for ts_, te_ in (before, after):
        expect(page.locator(f'#rows tr.region[data-ts="{ts_}"][data-te="{te_}"]')).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / f"review_gold_change_far_down_{size}.png"))

    # Reject another annotator's span of the same place.
    reject = row.locator("td.layer:not(.gold-col) button.reject").first
    rejected = reject.locator("xpath=ancestor::div[@data-span]").get_attribute("data-span")
    reject.click()
    expect(page.locator("#flash")).to_contain_text("not taken into gold")
    page.wait_for_load_state("networkidle")
    expect(row.locator(f'.span-cell[data-span="{rejected}"]')).to_contain_text("rejected")
    expect(row).to_be_in_viewport()
    assert focus_in(row)

    # Edit the new gold span's label in the editor, save, and go back to the place.
    edit = row.locator("td.gold-col button", has_text="Edit")
    edit.click()
    expect(page.locator("#editor.open")).to_have_count(1)
    other = next(key for key in LABELS if load_label_scheme().get(key).name != label)
    page.select_option("#editor select[name=label]", other)
    page.click("#editor button[type=submit]")
    expect(page.locator("#flash")).to_have_text("gold span saved")
    page.wait_for_load_state("networkidle")
    page.click("#editor [data-back-to-rows]")
    expect(row.locator("td.gold-col .label-name")).to_have_text(load_label_scheme().get(other).name)
    expect(edit).to_be_in_viewport()
    expect(edit).to_be_focused()

    # Widen the gold span over the next place: the two rows become one, the count drops by one.
    count = place_count(page)
    edit.click()
    expect(page.locator("#editor.open")).to_have_count(1)
    page.evaluate(
        """([first, last]) => {
             const form = document.querySelector('#editor form');
             form.querySelector('[name=token_start]').value = first;
             form.querySelector('[name=token_end]').value = last;
             htmx.trigger(form, 'submit');
           }""",
        [int(ts), after[1]],
    )
    expect(page.locator("#flash")).to_have_text("gold span saved")
    page.wait_for_load_state("networkidle")
    expect(page.locator(f'#rows tr.region[data-ts="{after[0]}"]')).to_have_count(0)
    expect(row).to_have_attribute("data-te", str(after[1]))
    expect(page.locator("#rows .rows-head .count")).to_contain_text(f"{count - 1} places")
    page.click("#editor [data-back-to-rows]")
    expect(row).to_be_in_viewport()
    page.screenshot(path=str(ARTIFACTS / f"review_gold_merged_far_down_{size}.png"))

    # The pages still to load bring every other place exactly once, in order.
    load_places(page, count - 1)
    places = rendered_places(page)
    assert len(places) == count - 1 == place_count(page)
    assert all(a[1] < b[0] for a, b in zip(places, places[1:], strict=False)), "out of order"
    assert errors == []
    page.context.close()


def test_a_wheel_over_the_rows_brings_them_into_the_window_first(long_site, browser):
    """The rows scroll inside a box of the window's height. A wheel over the box while only its
    top shows at the bottom of the screen scrolled the rows in that sliver; the page now moves
    first, until the box fills the window, and then the rows scroll."""
    url, doc, _ = long_site
    page = open_rows(browser, url, doc, SIZES["desktop"])
    box = page.locator("#rows .table-scroll")
    # The box's top at about two thirds of the window.
    page.evaluate(
        "(el) => scrollTo(0, el.getBoundingClientRect().top + scrollY - innerHeight * 2 / 3)",
        box.element_handle(),
    )
    top = box.evaluate("(el) => el.getBoundingClientRect().top")
    assert 400 < top < 600
    page.mouse.move(600, top + 60)
    page.mouse.wheel(0, 200)
    page.wait_for_timeout(300)
    assert box.evaluate("(el) => el.scrollTop") == 0
    assert box.evaluate("(el) => el.getBoundingClientRect().top") == pytest.approx(top - 200, abs=2)
    for _ in range(6):
        page.mouse.wheel(0, 200)
        page.wait_for_timeout(150)
    assert box.evaluate("(el) => el.getBoundingClientRect().top") == pytest.approx(0, abs=2)
    assert box.evaluate("(el) => el.scrollTop") > 0  # then the rows scroll
    # Back up: the rows scroll back first (the box fills the window), then the page.
    page.mouse.move(600, 300)
    for _ in range(12):
        page.mouse.wheel(0, -400)
        page.wait_for_timeout(100)
    assert box.evaluate("(el) => el.scrollTop") == 0
    assert box.evaluate("(el) => el.getBoundingClientRect().top") > 100
    page.context.close()


def test_the_first_gold_span_of_a_document_brings_its_row(long_site, browser):
    """A document without spans has no place rows; the rows of a gold change come out of band
    into the table that waits hidden, and go again when the gold span is deleted."""
    url, doc, _ = long_site
    empty = 1 if doc != 1 else 2
    page = new_page(browser, url, **SIZES["desktop"])
    log_in(page, "lea")
    page.goto(f"/review/documents/{empty}")
    expect(page.locator("#rows .no-places")).to_be_visible()
    expect(page.locator("#rows table.aligned")).to_be_hidden()
    drag_select(page, 10, 12)
    page.keyboard.press("1")
    expect(page.locator("#flash")).to_have_text("gold span added")
    row = page.locator("#rows tr.region")
    expect(row).to_have_count(1)
    expect(row).to_be_visible()
    expect(row.locator("td.gold-col .label-name")).to_have_text("State propaganda quote")
    expect(page.locator("#rows .no-places")).to_have_count(0)
    expect(page.locator("#rows .rows-head .count")).to_have_text("1 place")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#editor [data-delete]")
    expect(page.locator("#flash")).to_have_text("gold span deleted")
    expect(page.locator("#rows tr.region")).to_have_count(0)
    expect(page.locator("#rows .no-places")).to_be_visible()
    expect(page.locator("#rows table.aligned")).to_be_hidden()
    page.context.close()
