"""Snapping character ranges and token ranges to whole, non-whitespace tokens (DESIGN section 3)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import NamedTuple

import numpy as np


class SnapError(ValueError):
    """A range that cannot become a span (out of the text, empty, whitespace only)."""


class Snapped(NamedTuple):
    """A snapped range (immutable; a named tuple: an import makes one per span, and a frozen
    dataclass costs several times as much to build)."""

    start: int
    end: int
    token_start: int
    token_end: int  # inclusive


def snap_to_tokens(
    starts: np.ndarray | list[int],
    ends: np.ndarray | list[int],
    space: np.ndarray | list[bool],
    text_length: int,
    start: int,
    end: int,
) -> Snapped:
    """Widen [start, end) to the non-whitespace tokens it touches."""
    if not 0 <= start < end <= text_length:
        if start < 0 or end < 0:
            raise SnapError(f"offsets must not be negative (start {start}, end {end})")
        if end > text_length or start > text_length:
            raise SnapError(f"offsets run past the end of the text ({text_length} characters)")
        raise SnapError(f"start must be less than end (start {start}, end {end})")
    # First token ending after start, last token starting before end. Lists (an import
    # converts each document's columns once) are searched with bisect: numpy's searchsorted
    # costs more per call than the search itself on a few hundred tokens.
    if isinstance(starts, list):
        first = bisect_right(ends, start)
        last = bisect_left(starts, end) - 1
    else:
        first = int(np.searchsorted(ends, start, side="right"))
        last = int(np.searchsorted(starts, end, side="left")) - 1
    return _trim(starts, ends, space, first, last)


def snap_token_range(
    starts: np.ndarray, ends: np.ndarray, space: np.ndarray, token_start: int, token_end: int
) -> Snapped:
    """The span covering tokens token_start..token_end (inclusive), whitespace trimmed."""
    n = len(starts)
    if 0 <= token_end < token_start < n:
        raise SnapError(
            f"token range {token_start}..{token_end} is reversed: the first token comes after "
            "the last"
        )
    if not 0 <= token_start <= token_end < n:
        raise SnapError(f"token range {token_start}..{token_end} is outside 0..{n - 1}")
    return _trim(starts, ends, space, token_start, token_end)


def _trim(starts, ends, space, first: int, last: int) -> Snapped:
    while first <= last and space[first]:
        first += 1
    while last >= first and space[last]:
        last -= 1
    if first > last:
        raise SnapError("the range holds only whitespace")
    return Snapped(int(starts[first]), int(ends[last]), first, last)
