"""A proposed span: what every suggestion source returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Proposal:
    """A span a source proposes: character offsets into the text, half-open [start, end)."""

    label: str
    start: int
    end: int
    score: float
    source: str
    rule: str | None = None  # the pattern id (patterns only): which rule fired


def keep_longest_per_label(proposals: list[Proposal]) -> list[Proposal]:
    """Overlapping proposals of one label reduced to the longest (then highest-scoring) ones."""
    ordered = sorted(proposals, key=lambda p: (-(p.end - p.start), -p.score, p.start))
    kept: list[Proposal] = []
    for proposal in ordered:
        if not any(
            k.label == proposal.label and k.start < proposal.end and proposal.start < k.end
            for k in kept
        ):
            kept.append(proposal)
    return sorted(kept, key=lambda p: (p.start, p.end, p.label))
