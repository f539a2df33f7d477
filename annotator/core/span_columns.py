"""Agreement documents that also carry their spans as columns, as the store read them in bulk.

The agreement engine turns spans into numpy columns before it computes anything; from a list
of `AgreementDocument` that is a Python pass over every span object, once per figure. The
store, which reads the rows in bulk anyway, hands the same spans over as columns too, and the
engine takes those when it gets an `AgreementDocuments` (any copy, slice or filtered list is a
plain list again, and goes the object way).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from annotator.core.records import AgreementDocument

__all__ = ["AgreementDocuments", "StoredSpans"]


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
