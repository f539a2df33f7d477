"""alpha_U continua of a large corpus built from span columns instead of Unit objects.

`alpha_u.corpus_continuum` walks every span of every included document in Python, once per
continuum (each coverage group, the all-annotators variant, every pair): on a corpus of
millions of spans that is most of the report. Here the spans are read into columns once;
a continuum (documents in order, a group of annotators) is then an offset per document
(the cumulative document lengths), a selection of rows and one sort that merges the
overlapping units of each annotator and category. The per-category disagreements then go
through `alpha_u.rater_disagreements` with the very arrays `category_disagreements` builds,
so D_o and D_e are the same floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator.core.records import AgreementDocument
from annotator.core.span_columns import StoredSpans, stored_columns

__all__ = ["ColumnContinuum", "SpanTable"]


@dataclass(slots=True)
class ColumnContinuum:
    """Merged units of a continuum: per label, per annotator of the group (in order), the
    sorted integer starts and ends; its length and number of documents."""

    raters: list[list[tuple[np.ndarray, np.ndarray]]]
    counts: list[int]  # units per label
    length: int
    documents: int


class SpanTable:
    """The spans of a corpus as columns (document row, annotator, label, start, end), with
    each document's length on the continuum (`alpha_u.document_length`)."""

    def __init__(
        self,
        documents: Sequence[AgreementDocument],
        annotators: Sequence[str],
        labels: Sequence[str],
    ) -> None:
        stored = stored_columns(documents)
        if stored is not None:
            doc, owner, label, start, end, lengths = _from_stored(
                stored, documents, annotators, labels
            )
        else:
            doc, owner, label, start, end, lengths = _from_objects(documents, annotators, labels)
        self.n_labels, self.n_docs = len(labels), len(documents)
        self.doc_length = np.array(lengths, dtype=np.int64)
        columns = [np.asarray(c, dtype=np.int64) for c in (doc, owner, label, start, end)]
        order = np.argsort(columns[0], kind="stable")
        self.doc, self.owner, self.label, self.start, self.end = (c[order] for c in columns)
        self.rows_of = np.searchsorted(self.doc, np.arange(self.n_docs + 1))

    def continuum(self, rows: np.ndarray, group: Sequence[int]) -> ColumnContinuum:
        """The continuum of the documents `rows` (in this order) and the annotators `group`."""
        rows = np.asarray(rows, dtype=np.int64)
        offset = np.zeros(self.n_docs, dtype=np.int64)
        ends = np.cumsum(self.doc_length[rows])
        offset[rows] = ends - self.doc_length[rows]
        length = int(ends[-1]) if len(rows) else 0
        sizes = self.rows_of[rows + 1] - self.rows_of[rows]
        picked = np.repeat(self.rows_of[rows] - np.cumsum(sizes) + sizes, sizes) + np.arange(
            int(sizes.sum())
        )
        rank = np.full(int(self.owner.max(initial=-1)) + 1, -1, dtype=np.int64)
        rank[np.asarray(group, dtype=np.int64)] = np.arange(len(group))
        member = rank[self.owner[picked]]
        picked, member = picked[member >= 0], member[member >= 0]
        shift = offset[self.doc[picked]]
        start, end = self.start[picked] + shift, self.end[picked] + shift
        label = self.label[picked]
        # One stretch of the line per (label, annotator): a running maximum of the ends then
        # never carries from one group into the next.
        lane = label * len(group) + member
        lane_start, lane_end = start + lane * (length + 1), end + lane * (length + 1)
        order = np.lexsort((lane_end, lane_start))
        lane_start, lane_end = lane_start[order], lane_end[order]
        start, end, lane = start[order], end[order], lane[order]
        reach = np.maximum.accumulate(lane_end) if len(lane_end) else lane_end
        new_run = np.ones(len(start), dtype=bool)
        new_run[1:] = lane_start[1:] >= reach[:-1]  # touching units stay two units
        first = np.flatnonzero(new_run)
        merged_start = start[first]
        merged_end = np.maximum.reduceat(end, first) if len(first) else end[:0]
        merged_lane = lane[first]
        bounds = np.searchsorted(merged_lane, np.arange(self.n_labels * len(group) + 1))
        raters = [
            [
                (merged_start[bounds[k] : bounds[k + 1]], merged_end[bounds[k] : bounds[k + 1]])
                for k in range(lab * len(group), (lab + 1) * len(group))
            ]
            for lab in range(self.n_labels)
        ]
        counts = [
            int(bounds[(lab + 1) * len(group)] - bounds[lab * len(group)])
            for lab in range(self.n_labels)
        ]
        return ColumnContinuum(raters, counts, length, len(rows))


def _from_objects(documents, annotators, labels) -> tuple:
    """Span columns and document lengths from the span objects."""
    owner_of = {name: i for i, name in enumerate(annotators)}
    label_of = {label: i for i, label in enumerate(labels)}
    doc, owner, label, start, end = [], [], [], [], []
    lengths = []
    for d, document in enumerate(documents):
        last = int(document.tokens[-1][1]) if len(document.tokens) else 0
        for name, spans in document.spans.items():
            o = owner_of.get(name)
            for span in spans:
                if span.end > last:
                    last = span.end
                lab = label_of.get(span.label)
                if o is None or lab is None or span.end <= span.start:
                    continue
                doc.append(d)
                owner.append(o)
                label.append(lab)
                start.append(span.start)
                end.append(span.end)
        lengths.append(last)
    return doc, owner, label, start, end, lengths


def _from_stored(stored: StoredSpans, documents, annotators, labels) -> tuple:
    """The same columns and lengths from the store's span columns."""
    owner_of = {name: i for i, name in enumerate(annotators)}
    label_of = {label: i for i, label in enumerate(labels)}
    owner = np.array([owner_of.get(n, -1) for n in stored.annotators] + [-1])[stored.annotator]
    label = np.array([label_of.get(x, -1) for x in stored.labels] + [-1])[stored.label]
    lengths = np.array(
        [int(d.tokens[-1][1]) if len(d.tokens) else 0 for d in documents], dtype=np.int64
    )
    np.maximum.at(lengths, stored.doc, stored.end)  # a span may end past the last token
    keep = (owner >= 0) & (label >= 0) & (stored.end > stored.start)
    return (
        stored.doc[keep],
        owner[keep],
        label[keep],
        stored.start[keep],
        stored.end[keep],
        lengths,
    )
