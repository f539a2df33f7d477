"""A proposed span: what every suggestion source returns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Proposal:
    """A span a source proposes: character offsets into the text, half-open [start, end)."""

    label: str
    start: int
    end: int
    score: float
    source: str
    rule: str | None = None  # the pattern id (patterns only): which rule fired


def non_overlapping(
    items: Sequence[T],
    bounds: Callable[[T], tuple[str, int, int]],
    rank: Callable[[T], Any],
) -> list[T]:
    """Items kept greedily by `rank` (smallest first) so no two of one label overlap.

    `bounds(item)` is (label, start, end), half-open; the result is in (start, end) order.
    """
    kept: dict[str, list[tuple[int, int]]] = {}
    chosen = []
    for item in sorted(items, key=rank):
        label, start, end = bounds(item)
        taken = kept.setdefault(label, [])
        if not any(s < end and start < e for s, e in taken):
            taken.append((start, end))
            chosen.append(item)
    return sorted(chosen, key=lambda item: bounds(item)[1:])


def keep_longest_per_label(proposals: Sequence[Proposal]) -> list[Proposal]:
    """Overlapping proposals of one label reduced to the longest (then highest-scoring) ones."""
    return non_overlapping(
        proposals,
        lambda p: (p.label, p.start, p.end),
        lambda p: (-(p.end - p.start), -p.score, p.start),
    )


def keep_best_per_label(proposals: Sequence[Proposal]) -> list[Proposal]:
    """Overlapping proposals of one label reduced to the highest-scoring (then longest) ones."""
    return non_overlapping(
        proposals,
        lambda p: (p.label, p.start, p.end),
        lambda p: (-p.score, -(p.end - p.start), p.start),
    )
