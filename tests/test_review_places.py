"""A gold change answers with the rows it changed (annotator/web/review/places.py): the
stretches are exactly what a view from before the change needs, and the answer carries their
rows, the rows' head and the next-page row out of band, as the page shows the rows."""

from __future__ import annotations

import re
from bisect import bisect_right

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.labels import load_label_scheme
from annotator.core.records import GOLD, Span
from annotator.services import adjudication as review
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.store.spans import list_spans
from annotator.store.users import get_user
from tests.test_review import log_in_with_csrf

SCHEME = load_label_scheme()
LAYER_NAMES = ("a", "b", "c")
LABELS = ("L", "M")


def _span(n: int, layer: str, label: str, first: int, length: int) -> Span:
    return Span(
        id=f"{layer}-{n}",
        document_id=1,
        annotator=layer,
        label=label,
        start=first,
        end=first + length + 1,
        token_start=first,
        token_end=first + length,
    )


spans = st.lists(
    st.tuples(
        st.sampled_from((*LAYER_NAMES, GOLD)),
        st.sampled_from(LABELS),
        st.integers(0, 80),
        st.integers(0, 6),
    ),
    max_size=30,
)


place = st.tuples(st.integers(0, 80), st.integers(0, 6))


def _places(everything: list[Span], chosen: list[str]) -> list[review.Region]:
    layers = {n: [s for s in everything if s.annotator == n] for n in LAYER_NAMES}
    gold = [s for s in everything if s.annotator == GOLD]
    classified = review.classify_spans(layers, ["a", "b"], gold)
    return review.regions(classified, gold, chosen)


def _row(place: review.Region) -> tuple:
    """What a place's row shows: its extent and every cell (span, kind, in gold, hidden)."""
    cells = sorted(
        (name, c.span.id, c.span.label, c.kind, c.in_gold, kind)
        for kind, group in (("shown", place.cells), ("hidden", place.hidden))
        for name, cs in group.items()
        for c in cs
    )
    return (place.token_start, place.token_end, tuple(cells))


def _swapped(rows: list[tuple], stretches: list[review.Stretch]) -> list[tuple]:
    """review.js's place-rows swap: each stretch's rows replace the rows that overlap it."""
    rows = list(rows)
    for stretch in stretches:
        first, last = stretch.token_start, stretch.token_end
        kept = [r for r in rows if not (r[0] <= last and r[1] >= first)]
        at = next((k for k, r in enumerate(kept) if r[0] > last), len(kept))
        rows = kept[:at] + [_row(p) for p in stretch.places] + kept[at:]
    return rows


@settings(max_examples=300, deadline=None)
@given(spans, spans, st.data())
def test_swapping_the_stretches_brings_the_view_from_before_to_after(old, new, data):
    """Any change (spans removed, added, moved, relabelled in any layer, gold among them), any
    label filter, any number of places loaded: the rows the page had, with the stretches'
    rows swapped in, are the rows a fresh render shows."""
    before = [_span(n, *spec) for n, spec in enumerate(old)]
    gone = data.draw(st.sets(st.integers(0, len(before) - 1))) if before else set()
    kept = [s for n, s in enumerate(before) if n not in gone]
    added = [_span(1000 + n, *spec) for n, spec in enumerate(new)]
    # Some of the spans gone come back elsewhere, with their id: moved or relabelled.
    moved = [
        _span(n, before[n].annotator, data.draw(st.sampled_from(LABELS)), *data.draw(place))
        for n in sorted(gone)
        if data.draw(st.booleans())
    ]
    after = kept + added + moved
    changed_spans = [before[n] for n in gone] + added + moved
    changed = [(s.token_start, s.token_end) for s in changed_spans]
    chosen = data.draw(st.lists(st.sampled_from(LABELS), unique=True, min_size=1))

    old_places, new_places = _places(before, chosen), _places(after, chosen)
    stretches = review.changed_stretches(new_places, changed)
    assert _swapped([_row(p) for p in old_places], stretches) == [_row(p) for p in new_places]

    # A page that has loaded the places up to the one starting at `through` gets only those.
    through = data.draw(st.integers(0, 90))
    loaded = [_row(p) for p in old_places if p.token_start <= through]
    for stretch in stretches:
        stretch.places = [p for p in stretch.places if p.token_start <= through]
    expected = [_row(p) for p in new_places if p.token_start <= through]
    assert _swapped(loaded, stretches) == expected


def test_a_hidden_span_whose_kind_changes_brings_its_other_places_into_the_stretch():
    """Found by the property above: a span added at token 0 in layer b turns a's M span over
    tokens 0-1 from missing to label. With only L shown, that span is hidden in the place at
    token 1 as well, which the change does not overlap; its row must be swapped too."""
    before = [_span(0, "a", "L", 1, 0), _span(1, "a", "M", 0, 1)]
    added = _span(1000, "b", "L", 0, 0)
    old_places, new_places = _places(before, ["L"]), _places([*before, added], ["L"])
    stretches = review.changed_stretches(new_places, [(0, 0)])
    assert [(s.token_start, s.token_end) for s in stretches] == [(0, 1)]
    assert _swapped([_row(p) for p in old_places], stretches) == [_row(p) for p in new_places]


def test_stretches_join_and_cover_whole_places():
    a = _span(1, "a", "L", 10, 4)  # 10-14
    b = _span(2, "b", "L", 13, 6)  # 13-19: one place 10-19 with a
    c = _span(3, "a", "L", 40, 2)  # 40-42
    places = _places([a, b, c], list(LABELS))
    assert [(p.token_start, p.token_end) for p in places] == [(10, 19), (40, 42)]
    (one,) = review.changed_stretches(places, [(12, 12)])
    assert (one.token_start, one.token_end, len(one.places)) == (10, 19, 1)
    # A range over no place (a gold span deleted there) is its own stretch, with no places.
    assert [
        (s.token_start, s.token_end, s.places) for s in review.changed_stretches(places, [(25, 30)])
    ] == [(25, 30, [])]
    # Ranges whose stretches overlap join; apart they stay apart.
    joined = review.changed_stretches(places, [(18, 22), (20, 41)])
    assert [(s.token_start, s.token_end, len(s.places)) for s in joined] == [(10, 42, 2)]
    apart = review.changed_stretches(places, [(41, 41), (11, 11)])
    assert [(s.token_start, s.token_end) for s in apart] == [(10, 19), (40, 42)]


# The answers -----------------------------------------------------------------------------------

PLACES = [(k * 6, k * 6 + 1) for k in range(10)]  # ten separate places on document 1


def _setup(db):
    for name in ("anna", "ben"):
        for ts, te in PLACES:
            label = "STATE_PROPAGANDA" if name == "anna" else "EDITORIAL_FRAMING"
            create_span(
                db, SCHEME, get_user(db, name), 1, SpanInput(label, token_start=ts, token_end=te)
            )
        set_document_status(db, get_user(db, name), 1, "done")


def _oob_stretches(html: str) -> list[tuple[int, int, list[int]]]:
    """(from, to, the places' start tokens) of each out-of-band stretch in an answer."""
    found = []
    for m in re.finditer(
        r'<tbody hx-swap-oob="placeRows:#places" data-from="(\d+)" data-to="(\d+)">(.*?)</tbody>',
        html,
        re.S,
    ):
        starts = [int(t) for t in re.findall(r'<tr class="region[^"]*" data-ts="(\d+)"', m[3])]
        found.append((int(m[1]), int(m[2]), starts))
    return found


def test_a_gold_change_answers_with_the_rows_it_changed(db, client, monkeypatch):
    from annotator.web.review import adjudication as view

    monkeypatch.setattr(view, "PLACES_PER_PAGE", 4)
    _setup(db)
    lead = log_in_with_csrf(client, "lea")
    page = lead.get("/review/documents/1").get_data(as_text=True)
    assert 'id="more-places" data-after="18"' in page  # four places loaded: 0, 6, 12, 18
    anna = {s.token_start: s for s in list_spans(db, 1, "anna")}

    # Accept at place 12, the page having loaded through 18: that row alone, the head, and the
    # next-page row (still from the fifth place).
    answer = lead.post(
        f"/review/documents/1/accept/{anna[12].id}", headers={"X-Places-Through": "18"}
    )
    assert answer.status_code == 201 and answer.headers["HX-Trigger"] == "goldChanged"
    html = answer.get_data(as_text=True)
    assert _oob_stretches(html) == [(12, 13, [12])]
    (row,) = re.findall(r'<tr class="region.*?</tr>', html, re.S)
    assert row.count("in gold") == 1 and "Edit" in row  # anna's span in gold, gold's cell
    assert 'id="rows-head" hx-swap-oob="true"' in html and "10 places" in html
    assert re.search(r'id="more-places" data-after="18" hx-get="[^"]*from=4"', html)
    assert "<html" not in html

    # A gold span drawn over places 18 and 24 joins them: 24 is beyond what the page loaded,
    # so the row of the joined place comes, and the next page now starts one place earlier.
    answer = lead.post(
        "/review/documents/1/gold",
        data={"label": "STATE_PROPAGANDA", "token_start": 18, "token_end": 24},
        headers={"X-Places-Through": "18"},
    )
    assert answer.status_code == 201
    html = answer.get_data(as_text=True)
    assert _oob_stretches(html) == [(18, 25, [18])]
    assert "9 places" in html and re.search(r'data-after="18" hx-get="[^"]*from=4"', html)
    nxt = lead.get("/review/documents/1/rows?from=4").get_data(as_text=True)
    assert re.findall(r'<tr class="region[^"]*" data-ts="(\d+)"', nxt)[0] == "30"

    # Without the header the page has every place: no next-page row in the answer.
    html = lead.post(f"/review/documents/1/reject/{anna[0].id}").get_data(as_text=True)
    assert _oob_stretches(html) == [(0, 1, [0])] and "more-places" not in html

    # The label filter the page shows: with only framing ticked, the rows show anna's
    # propaganda spans as hidden.
    gold = next(s for s in list_spans(db, 1, GOLD) if s.token_start == 12)
    html = lead.post(
        f"/review/documents/1/gold/{gold.id}",
        data={"version": gold.version, "note": "Quelle: KCNA", "autosave": "1"},
        headers={"X-Review-Labels": "EDITORIAL_FRAMING"},
    ).get_data(as_text=True)
    (row,) = re.findall(r'<tr class="region.*?</tr>', html, re.S)
    assert "hidden: State propaganda quote" in row and 'id="editor-version"' in html
    assert "10 of 22 spans shown" in html  # ben's ten framing spans of all

    # Marking adjudicated changes no row: no rows in the answer.
    html = lead.post("/review/documents/1/gold-status", data={"status": "in_progress"}).get_data(
        as_text=True
    )
    assert "placeRows" not in html


def test_a_bad_places_header_changes_nothing(db, client):
    _setup(db)
    lead = log_in_with_csrf(client, "lea")
    span = list_spans(db, 1, "anna")[0]
    for bad in ("x", "-1", "1.5", "²", "9" * 40):
        answer = lead.post(
            f"/review/documents/1/accept/{span.id}", headers={"X-Places-Through": bad}
        )
        assert answer.status_code == 400, bad
        assert "X-Places-Through" in answer.get_data(as_text=True)
    assert list_spans(db, 1, GOLD) == []
    # Unknown labels in the filter header are ignored, not an error.
    answer = lead.post(
        f"/review/documents/1/accept/{span.id}", headers={"X-Review-Labels": "NOPE,,<b>"}
    )
    assert answer.status_code == 201 and _oob_stretches(answer.get_data(as_text=True)) == [
        (span.token_start, span.token_end, [])
    ]


def test_every_place_once_over_the_pages_after_changes(db, client, monkeypatch):
    """The next-page row of the answer picks up exactly where the loaded places end."""
    from annotator.web.review import adjudication as view

    monkeypatch.setattr(view, "PLACES_PER_PAGE", 3)
    _setup(db)
    lead = log_in_with_csrf(client, "lea")
    anna = {s.token_start: s for s in list_spans(db, 1, "anna")}
    lead.post(f"/review/documents/1/accept/{anna[6].id}", headers={"X-Places-Through": "12"})
    # Join places 12 and 18 (the loaded end and the first not loaded).
    html = lead.post(
        "/review/documents/1/gold",
        data={"label": "EDITORIAL_FRAMING", "token_start": 13, "token_end": 18},
        headers={"X-Places-Through": "12"},
    ).get_data(as_text=True)
    more = re.search(r'id="more-places" data-after="12" hx-get="([^"]*)"', html)[1]
    seen = [0, 6, 12]
    while more:
        fragment = lead.get(more.replace("&amp;", "&")).get_data(as_text=True)
        seen += [int(t) for t in re.findall(r'<tr class="region[^"]*" data-ts="(\d+)"', fragment)]
        found = re.search(r'id="more-places"[^>]*hx-get="([^"]*)"', fragment)
        more = found and found[1]
    monkeypatch.setattr(view, "PLACES_PER_PAGE", 1000)
    whole = lead.get("/review/documents/1").get_data(as_text=True)
    every = [int(t) for t in re.findall(r'<tr class="region[^"]*" data-ts="(\d+)"', whole)]
    assert seen == every and len(every) == 9  # ten places, two of them joined
    assert bisect_right(seen, 12) == 3
