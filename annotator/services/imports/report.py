"""What an import run did: counts, problems and notes, summarised for the terminal."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class ImportReport:
    documents_added: int = 0
    documents_skipped: int = 0  # same text (sha256) already stored or seen in this run
    records: int = 0
    documents_waiting: int = 0  # feed entries stored waiting for their page
    documents_filled: int = 0  # waiting entries given their page's text
    versions_added: int = 0  # changed texts of a stored URL, stored as new versions
    pages_unmatched: int = 0  # saved pages (--pages) that belong to no waiting entry
    annotators_added: list[str] = field(default_factory=list)
    spans_added: int = 0
    spans_snapped: int = 0
    spans_merged: int = 0  # same-label overlaps of one annotator merged into one span
    spans_skipped: int = 0
    layers_done: int = 0
    layers_skipped: int = 0  # (document, annotator) that already held work before this run
    ignored: Counter = field(default_factory=Counter)  # what a format has and we cannot map
    # bad spans, pages, archive records and feed entries skipped (--skip-invalid)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # layers skipped and the like

    def summary(self) -> str:
        """One line for the terminal."""
        parts = [
            f"{self.documents_added} documents added",
            f"{self.documents_skipped} skipped as duplicates",
        ]
        if self.versions_added:
            parts.append(f"{self.versions_added} new versions of stored URLs")
        if self.documents_waiting:
            parts.append(f"{self.documents_waiting} feed entries waiting for their page")
        if self.documents_filled:
            parts.append(f"{self.documents_filled} waiting entries filled from their page")
        if self.pages_unmatched:
            parts.append(f"{self.pages_unmatched} pages matching no waiting entry")
        if self.spans_added or self.spans_skipped or self.layers_done:
            parts.append(
                f"{self.spans_added} spans added ({self.spans_snapped} snapped to tokens,"
                f" {self.spans_merged} merged into overlapping spans of their label,"
                f" {self.spans_skipped} skipped as invalid)"
            )
            parts.append(f"{self.layers_done} (document, annotator) pairs marked done")
        if self.annotators_added:
            parts.append(f"annotators created: {', '.join(self.annotators_added)}")
        if self.layers_skipped:
            parts.append(f"{self.layers_skipped} already annotated, left alone")
        if self.ignored:
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.ignored.items()))
            parts.append(f"not imported (no equivalent here): {kinds}")
        return ", ".join(parts)
