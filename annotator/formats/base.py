"""The record every import format reader yields, and the error it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ImportFormatError(ValueError):
    """Bad input in an import file; the message names the file and line or field."""


@dataclass(slots=True)
class ImportedSpan:
    """A span as found in a foreign file, before snapping and label validation."""

    start: int
    end: int
    label: str
    attributes: dict[str, Any] | None = None
    note: str | None = None
    origin: dict[str, Any] | None = None  # core.origin, when the file records it
    # The span text the file claims (Label Studio's value.text, brat's text column), if any.
    expected_text: str | None = None
    source: str = ""  # "path:line" of the span, for error messages


@dataclass(slots=True)
class ImportRecord:
    """One document (and optionally one annotator's spans on it) read from a file."""

    text: str
    source: str  # "path" or "path:line", for error messages
    external_id: str | None = None
    title: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    annotator: str | None = None
    spans: list[ImportedSpan] | None = None  # None: the format carries no spans
    done: bool = False
    rejected: bool = False  # a Prodigy `reject`: judged and rejected (kept as such)
