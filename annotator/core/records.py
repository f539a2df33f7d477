"""The plain records every layer shares: documents, spans, users, tokens (no flask, no SQL).

The store returns these; services and the web take and render them."""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
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
    scheme_version: int | None = None  # the guideline version the span was made under
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
    spans: Mapping[str, list[SpanData]] = field(default_factory=dict)  # a dict, or StoredLayers


@dataclass(frozen=True, slots=True)
class DocumentFilter:
    """Which documents a lead's grid or dashboard shows: by outlet, month (YYYY-MM of the
    publication date) and language; None: any."""

    outlet: str | None = None
    month: str | None = None
    lang: str | None = None

    @property
    def active(self) -> bool:
        """Whether any field narrows the documents."""
        return any((self.outlet, self.month, self.lang))

    def query(self) -> dict[str, str]:
        """The set fields as query arguments."""
        return {k: v for k, v in asdict(self).items() if v}


STRATA = ("outlet", "month", "lang")  # what agreement can be broken down by


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
    # The article fields of a news document (issue 16); None: unknown or not news.
    outlet: str | None = None
    published: str | None = None  # YYYY-MM-DD
    author: str | None = None
    url: str | None = None
    version_of: int | None = None  # the earlier document of the same URL, when the text changed
    waiting: bool = False  # a feed entry waiting for its page: empty text, hidden from annotators


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
    scheme_version: int | None = None  # None until stored: the database's current version
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
            "scheme_version": self.scheme_version,
            "origin": dict(self.origin),
        }

    def record(self) -> dict[str, Any]:
        """Every field, for the audit log: `dataclasses.asdict`, built directly (an import
        writes one per span, and asdict's generic deep copy cost more than the insert)."""
        return {
            "id": self.id,
            "document_id": self.document_id,
            "annotator": self.annotator,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "token_start": self.token_start,
            "token_end": self.token_end,
            "attributes": _copied(self.attributes),
            "note": self.note,
            "version": self.version,
            "created": self.created,
            "updated": self.updated,
            "scheme_version": self.scheme_version,
            "origin": _copied(self.origin),
            "suggestion_id": self.suggestion_id,
        }


def _copied(value: Any) -> Any:
    """A copy of plain data (dicts and lists of JSON values), as asdict makes one."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_copied(v) for v in value)
    return deepcopy(value) if not isinstance(value, str | int | float | type(None)) else value


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
