"""The disagreement view's rows after a gold change: only the rows it changed, out of band.

The rows load a page of places at a time as the lead scrolls (`adjudication.rows_fragment`).
Reloading them after each decision brought back the first page only, and a lead deciding place
100 landed at the top. Instead a gold change answers with the rows of the stretches of text it
changed, and review.js swaps them in for the rows there, so the lead stays at the place. The
page says how it shows the rows in two headers (review.js sets them on every action): the ticked
labels, and the start token of the last place it has loaded (absent when it has them all).
No routes here.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from flask import request

from annotator.core.errors import AppError
from annotator.services import adjudication as review
from annotator.web.params import SQLITE_INTEGER_MAX, unique

LABELS_HEADER = "X-Review-Labels"
THROUGH_HEADER = "X-Places-Through"


@dataclass(frozen=True, slots=True)
class RowsView:
    """How the page that sent an action shows the rows: the labels its filter ticks, and the
    start token of its last loaded place (None: it has loaded every place)."""

    labels: list[str]
    through: int | None


def rows_view(keys: Sequence[str]) -> RowsView:
    """The sending page's view of the rows, from its headers (parsed before the action runs, so
    that a bad header changes nothing); without them every label and every place."""
    labels = request.headers.get(LABELS_HEADER)
    through = request.headers.get(THROUGH_HEADER)
    if through is not None and not (
        through.isascii() and through.isdigit() and len(through) <= len(str(SQLITE_INTEGER_MAX))
    ):
        raise AppError(f"header {THROUGH_HEADER} must be a token index (an integer from 0)")
    return RowsView(
        list(keys) if labels is None else unique(k for k in labels.split(",") if k in keys),
        None if through is None else int(through),
    )


def changed_rows(rows: dict, view: RowsView, changed: Sequence[tuple[int, int]]) -> dict:
    """`rows` (the rows' context after a change) for `_changed_places.html`: with the stretches
    the change touched, each cut to the places the page has loaded, and where the page's next
    page of places now begins."""
    places = rows["regions"]
    through = view.through
    loaded = (
        len(places) if through is None else bisect_right([r.token_start for r in places], through)
    )
    stretches = review.changed_stretches(places, changed)
    if through is not None:
        for stretch in stretches:
            stretch.places = [r for r in stretch.places if r.token_start <= through]
    return {**rows, "stretches": stretches, "through": through, "next_first": loaded}
