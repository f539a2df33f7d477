"""Plain data shared by the domain modules (no flask, no SQL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Token:
    """A spaCy token as stored: half-open character offsets and trailing whitespace flag."""

    start: int
    end: int
    ws: bool


@dataclass(frozen=True, slots=True)
class SpanData:
    """A token-snapped span: character offsets [start, end), inclusive token indices."""

    start: int
    end: int
    token_start: int
    token_end: int
    label: str
    attributes: dict[str, Any] | None = None
    note: str | None = None


@dataclass(slots=True)
class AgreementDocument:
    """One document as the agreement engine sees it.

    `spans` holds, for every annotator who marked the document done, that annotator's spans
    (an empty list is data: done, found nothing). Annotators absent from `spans` did not finish
    the document and are missing there, not zero.
    """

    id: int
    external_id: str
    tokens: list[tuple[int, int]]
    spans: dict[str, list[SpanData]] = field(default_factory=dict)
