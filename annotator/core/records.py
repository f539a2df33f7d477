"""The plain records every layer shares: documents, spans, users, tokens (no flask, no SQL).

The store returns these; services and the web take and render them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from annotator.core.origin import manual_origin


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
    origin: dict[str, Any] | None = None  # core.origin; None where the source does not say


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


ROLES = ("annotator", "lead")
GOLD = "gold"  # the pseudo-annotator that holds adjudicated spans


@dataclass(frozen=True, slots=True)
class Document:
    id: int
    external_id: str
    title: str
    text: str
    text_sha256: str
    lang: str
    meta: dict[str, Any]
    created: str


@dataclass(slots=True)
class Span:
    id: str
    document_id: int
    annotator: str
    label: str
    start: int
    end: int
    token_start: int
    token_end: int
    attributes: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    version: int = 1
    created: str = ""
    updated: str = ""
    origin: dict[str, Any] = field(default_factory=manual_origin)  # core.origin
    suggestion_id: int | None = None  # the suggestion it was accepted from, if any

    def api(self) -> dict[str, Any]:
        """The span as the JSON API returns it (DESIGN section 6)."""
        return {
            "id": self.id,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "token_start": self.token_start,
            "token_end": self.token_end,
            "attributes": self.attributes,
            "note": self.note,
            "version": self.version,
            "annotator": self.annotator,
            "origin": dict(self.origin),
        }

    def record(self) -> dict[str, Any]:
        """Every field, for the audit log."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    role: str
    password_hash: str | None
    disabled: bool
    session_epoch: int
    created: str

    def public(self) -> dict:
        """The user as it may be shown (no hash)."""
        return {"name": self.name, "role": self.role, "disabled": self.disabled}
