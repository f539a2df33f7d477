"""Agreement documents that also carry their spans as columns, as the store read them in bulk.

The agreement engine turns spans into numpy columns before it computes anything; from a list
of `AgreementDocument` that is a Python pass over every span object, once per figure. The
store, which reads the rows in bulk anyway, hands the same spans over as columns too, and the
engine takes those when it gets an `AgreementDocuments` (any copy, slice or filtered list is a
plain list again, and goes the object way).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from annotator.core.records import AgreementDocument, SpanData

__all__ = ["AgreementDocuments", "StoredLayers", "StoredSpans", "layers_of"]


@dataclass(frozen=True, slots=True)
class StoredSpans:
    """Every span of a document list: the document's position in the list, the annotator
    and label (indices into `annotators`, `labels`), character and inclusive token offsets."""

    doc: np.ndarray
    annotator: np.ndarray
    annotators: tuple[str, ...]
    label: np.ndarray
    labels: tuple[str, ...]
    start: np.ndarray
    end: np.ndarray
    token_start: np.ndarray
    token_end: np.ndarray


class AgreementDocuments(list):
    """A list of `AgreementDocument` whose spans are also in `columns` (read-only: a list
    that is changed after it was made no longer matches its columns)."""

    def __init__(self, documents: Iterable[AgreementDocument], columns: StoredSpans) -> None:
        super().__init__(documents)
        self.columns = columns
        self.made_with = len(self)

    def matching_columns(self) -> StoredSpans | None:
        """The columns, if the list still has the documents it was made with."""
        return self.columns if len(self) == self.made_with else None


def stored_columns(documents) -> StoredSpans | None:
    """The span columns of `documents` when it carries them, else None."""
    if isinstance(documents, AgreementDocuments):
        return documents.matching_columns()
    return None


class _LayerRows:
    """Where each (document, annotator) layer's rows sit in a StoredSpans, in read order."""

    def __init__(self, columns: StoredSpans) -> None:
        self.columns = columns
        self.width = max(len(columns.annotators), 1)
        self.code = {name: i for i, name in enumerate(columns.annotators)}
        keys = columns.doc * self.width + columns.annotator
        self.order = np.argsort(keys, kind="stable")  # a layer's spans keep the order read
        self.keys = keys[self.order]

    def spans(self, doc: int, name: str) -> list[SpanData]:
        key = doc * self.width + self.code[name]
        lo, hi = np.searchsorted(self.keys, [key, key + 1])
        rows = self.order[lo:hi]
        c = self.columns
        labels = c.labels
        return [
            SpanData(start, end, token_start, token_end, labels[label])
            for start, end, token_start, token_end, label in zip(
                c.start[rows].tolist(),
                c.end[rows].tolist(),
                c.token_start[rows].tolist(),
                c.token_end[rows].tolist(),
                c.label[rows].tolist(),
                strict=True,
            )
        ]


class StoredLayers(Mapping):
    """One document's layers, done annotator -> spans, as `AgreementDocument.spans` holds them,
    made from the columns the store read only when a layer is asked for.

    The engine computes from the columns (`stored_columns`), so on a large corpus most layers
    are never built as SpanData at all: building them all was a third of the whole report's
    time on 30,000 documents. A layer built once is kept, so it is the same list each time."""

    __slots__ = ("_rows", "_doc", "_names", "_built")

    def __init__(self, rows: _LayerRows, doc: int, names: tuple[str, ...]) -> None:
        self._rows, self._doc, self._names = rows, doc, names
        self._built: dict[str, list[SpanData]] | None = None

    def __getitem__(self, name: str) -> list[SpanData]:
        built = self._built
        if built is not None and name in built:
            return built[name]
        if name not in self._names:
            raise KeyError(name)
        if built is None:
            built = self._built = {}
        spans = built[name] = self._rows.spans(self._doc, name)
        return spans

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"StoredLayers({dict(self)!r})"


def layers_of(columns: StoredSpans, done: list[tuple[str, ...]]) -> list[StoredLayers]:
    """The StoredLayers of each document of `columns` (position k: the annotators in done[k])."""
    rows = _LayerRows(columns)
    return [StoredLayers(rows, k, names) for k, names in enumerate(done)]
