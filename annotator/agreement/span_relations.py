"""How a span relates to another layer: the vocabulary of the lead's disagreement view and of an
annotator's feedback against gold (pure: spans in, classes out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotator.core.records import Span

SAME, BOUNDARY, LABEL, MISSING = "same", "boundary", "label", "missing"
# An annotator's span against gold, in the words of the feedback view.
FEEDBACK_CLASS = {SAME: "matched", BOUNDARY: "boundary", LABEL: "label", MISSING: "extra"}
FEEDBACK_NAMES = {
    "matched": "matched: gold has the same label and tokens",
    "boundary": "boundary differs: gold has this label with other boundaries",
    "label": "label differs: gold marks this text with another label",
    "extra": "extra: gold has nothing here",
    "missed": "missed: gold marks this and you have nothing there",
}


def overlaps(a: Span, b: Span) -> bool:
    """Whether two spans share a token."""
    return a.token_start <= b.token_end and b.token_start <= a.token_end


def same_place(a: Span, b: Span) -> bool:
    """Same label and the same tokens."""
    return (a.label, a.token_start, a.token_end) == (b.label, b.token_start, b.token_end)


def relation(span: Span, others: Sequence[Span]) -> str:
    """same, boundary (same label overlapping), label (other label overlapping) or missing."""
    if any(same_place(span, o) for o in others):
        return SAME
    if any(o.label == span.label and overlaps(span, o) for o in others):
        return BOUNDARY
    if any(overlaps(span, o) for o in others):
        return LABEL
    return MISSING


@dataclass(frozen=True, slots=True)
class FeedbackSpan:
    """One of the annotator's spans with its class against gold, and the gold spans it meets."""

    span: Span
    cls: str  # matched | boundary | label | extra
    gold: tuple[Span, ...]


def classify_against_gold(
    own: Sequence[Span], gold: Sequence[Span]
) -> tuple[list[FeedbackSpan], list[Span]]:
    """Each own span classed against gold, and the gold spans no own span touches (missed)."""
    classified = [
        FeedbackSpan(s, FEEDBACK_CLASS[relation(s, gold)], tuple(g for g in gold if overlaps(s, g)))
        for s in own
    ]
    missed = [g for g in gold if relation(g, own) == MISSING]
    return classified, missed
