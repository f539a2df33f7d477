"""Span matching between two annotators: exact, overlap (maximum one-to-one matching) and the
partial credit of the SemEval-2020 Task 11 scorer, counted per label and per document.

Spans live as flat numpy columns. Every span gets a global token coordinate
`label * total_tokens + document_offset + token`, so spans of different labels or documents can
never touch, and one bipartite graph (one matching) serves a whole corpus at once: a maximum
matching of a disjoint union is a maximum matching of every part.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from annotator.core.records import AgreementDocument, SpanData
from annotator.core.span_columns import StoredSpans


@dataclass(slots=True)
class SpanColumns:
    """Spans as columns: owner (annotator index), document index, label index and offsets."""

    owner: np.ndarray
    doc: np.ndarray
    label: np.ndarray
    token_start: np.ndarray
    token_end: np.ndarray  # inclusive
    char_start: np.ndarray
    char_end: np.ndarray  # exclusive

    def __len__(self) -> int:
        return len(self.owner)

    def take(self, mask: np.ndarray) -> SpanColumns:
        """The rows selected by a boolean mask or index array."""
        return SpanColumns(*(getattr(self, f)[mask] for f in self.__slots__))


@dataclass(slots=True)
class PairSpanCounts:
    """Match counts of spans A against spans B, per label and per document."""

    a_spans: np.ndarray  # per label
    b_spans: np.ndarray
    exact: np.ndarray
    overlap: np.ndarray
    partial_precision: np.ndarray  # sum of |s & t| / |s| over same-label pairs, per label
    partial_recall: np.ndarray  # sum of |s & t| / |t|
    shared_tokens: np.ndarray  # tokens both cover, per label (spans of one owner are disjoint)
    a_spans_by_doc: np.ndarray
    b_spans_by_doc: np.ndarray
    overlap_by_doc: np.ndarray


def collect_spans(
    entries: Iterable[tuple[int, int, Sequence[tuple[int, int]], Sequence[SpanData]]],
    label_index: dict[str, int],
) -> SpanColumns:
    """Columns of (owner, document index, tokens, spans) entries; unknown labels are left out.

    Token indices are clipped to the document (the character offsets then follow the clipped
    tokens) and empty spans dropped. Overlaps are not merged here: `merge_overlapping` does that.
    """
    rows: list[tuple[int, int, int, int, int, int, int]] = []
    for owner, doc, tokens, spans in entries:
        last = len(tokens) - 1
        for s in spans:
            lab = label_index.get(s.label)
            if lab is None:
                continue
            ts, te = max(s.token_start, 0), min(s.token_end, last)
            if ts > te:
                continue
            start = s.start if ts == s.token_start else tokens[ts][0]
            end = s.end if te == s.token_end else tokens[te][1]
            if end <= start:
                continue
            rows.append((owner, doc, lab, ts, te, start, end))
    data = np.array(rows, dtype=np.int64).reshape(-1, 7)
    return SpanColumns(*(data[:, i].copy() for i in range(7)))


def stored_spans_columns(
    stored: StoredSpans,
    annotators: Sequence[str],
    label_index: dict[str, int],
    documents: Sequence[AgreementDocument],
) -> SpanColumns:
    """`collect_spans` of every span of the selected annotators, from the store's columns:
    the same rows (in another order, which merging does not see), clipped the same way."""
    owner_of = {name: i for i, name in enumerate(annotators)}
    owner_code = np.array([owner_of.get(name, -1) for name in stored.annotators] + [-1])
    label_code = np.array([label_index.get(label, -1) for label in stored.labels] + [-1])
    owner, label = owner_code[stored.annotator], label_code[stored.label]
    n_tokens = np.array([len(doc.tokens) for doc in documents], dtype=np.int64)
    doc = stored.doc
    ts = np.maximum(stored.token_start, 0)
    te = np.minimum(stored.token_end, n_tokens[doc] - 1)
    keep = (owner >= 0) & (label >= 0) & (ts <= te)
    start, end = stored.start.copy(), stored.end.copy()
    # Clipped spans take the offsets of the tokens they were clipped to (rare: a loop).
    for k in np.flatnonzero(keep & ((ts != stored.token_start) | (te != stored.token_end))):
        tokens = documents[doc[k]].tokens
        if ts[k] != stored.token_start[k]:
            start[k] = tokens[ts[k]][0]
        if te[k] != stored.token_end[k]:
            end[k] = tokens[te[k]][1]
    keep &= end > start
    return SpanColumns(
        owner[keep], doc[keep], label[keep], ts[keep], te[keep], start[keep], end[keep]
    )


def global_coordinates(
    spans: SpanColumns, doc_offset: np.ndarray, total_tokens: int
) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (inclusive) of every span on the one line of all (label, document, token)."""
    base = spans.label * total_tokens + doc_offset[spans.doc]
    return base + spans.token_start, base + spans.token_end


def merge_overlapping(spans: SpanColumns, doc_offset: np.ndarray, total_tokens: int) -> SpanColumns:
    """One span per run of overlapping spans of the same owner, document and label."""
    if len(spans) == 0:
        return spans
    start, end = global_coordinates(spans, doc_offset, total_tokens)
    lane = spans.owner * (int(end.max()) + 2)  # owners on separate stretches of the line
    start, end = start + lane, end + lane
    order = np.lexsort((end, start))
    start, end = start[order], end[order]
    s = spans.take(order)
    reach = np.maximum.accumulate(end)
    new_run = np.ones(len(start), dtype=bool)
    new_run[1:] = start[1:] > reach[:-1]
    if new_run.all():
        return s
    first = np.flatnonzero(new_run)
    last_token = np.maximum.reduceat(s.token_end, first)
    first_char = np.minimum.reduceat(s.char_start, first)
    last_char = np.maximum.reduceat(s.char_end, first)
    return SpanColumns(
        s.owner[first],
        s.doc[first],
        s.label[first],
        s.token_start[first],
        last_token,
        first_char,
        last_char,
    )


def overlapping_pairs(
    a_start: np.ndarray, a_end: np.ndarray, b_start: np.ndarray, b_end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """All (i, j) with A's span i and B's span j sharing a coordinate (B sorted by start)."""
    if len(a_start) == 0 or len(b_start) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    longest = int((b_end - b_start).max())
    # Any B span overlapping [s, e] starts in [s - longest, e]: a contiguous run of sorted starts.
    lo = np.searchsorted(b_start, a_start - longest, side="left")
    hi = np.searchsorted(b_start, a_end, side="right")
    sizes = hi - lo
    total = int(sizes.sum())
    i = np.repeat(np.arange(len(a_start)), sizes)
    within = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    j = np.repeat(lo, sizes) + within
    keep = b_end[j] >= a_start[i]
    return i[keep], j[keep]


def _disjoint(start: np.ndarray, end: np.ndarray) -> bool:
    """Whether intervals sorted by start are pairwise disjoint."""
    return len(start) < 2 or bool(np.all(start[1:] > np.maximum.accumulate(end)[:-1]))


def _maximum_matching(
    i: np.ndarray,
    j: np.ndarray,
    a_start: np.ndarray,
    a_end: np.ndarray,
    b_start: np.ndarray,
    b_end: np.ndarray,
    n_a: int,
    n_b: int,
) -> np.ndarray:
    """Which of A's spans a maximum one-to-one matching over the edges (i, j) matches.

    When each side's spans are disjoint on the line (merged spans of one owner: the report's
    case), the overlap graph is a union of paths and matching every A span, in order, to the
    first overlapping B span not yet taken is maximum (the interval exchange argument). Any other
    input goes to scipy's Hopcroft-Karp, imported only then.
    """
    if _disjoint(a_start, a_end) and _disjoint(b_start, b_end):
        matched = np.zeros(n_a, dtype=bool)
        last_a, last_b = -1, -1
        for x, y in zip(i.tolist(), j.tolist(), strict=True):
            if x != last_a and y > last_b:  # edges come by A, then by B, both ascending
                matched[x] = True
                last_a, last_b = x, y
        return matched
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    graph = csr_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n_a, n_b))
    return maximum_bipartite_matching(graph, perm_type="column") >= 0


def pair_span_counts(
    a: SpanColumns,
    b: SpanColumns,
    n_labels: int,
    n_docs: int,
    doc_offset: np.ndarray,
    total_tokens: int,
) -> PairSpanCounts:
    """Exact, overlap and partial-credit match counts of spans A against spans B."""
    a_start, a_end = global_coordinates(a, doc_offset, total_tokens)
    b_start, b_end = global_coordinates(b, doc_offset, total_tokens)
    a_order, b_order = np.argsort(a_start, kind="stable"), np.argsort(b_start, kind="stable")
    a, b = a.take(a_order), b.take(b_order)
    a_start, a_end, b_start, b_end = (
        a_start[a_order],
        a_end[a_order],
        b_start[b_order],
        b_end[b_order],
    )

    i, j = overlapping_pairs(a_start, a_end, b_start, b_end)
    overlap = np.zeros(n_labels, dtype=np.int64)
    overlap_by_doc = np.zeros(n_docs, dtype=np.int64)
    if len(i):
        matched = _maximum_matching(i, j, a_start, a_end, b_start, b_end, len(a), len(b))
        overlap = np.bincount(a.label[matched], minlength=n_labels)
        overlap_by_doc = np.bincount(a.doc[matched], minlength=n_docs)

    # Exact: same document, label and character offsets, counted one-to-one.
    same = (a.char_start[i] == b.char_start[j]) & (a.char_end[i] == b.char_end[j])
    exact_i, exact_j = i[same], j[same]
    _, first_i = np.unique(exact_i, return_index=True)
    exact_i, exact_j = exact_i[first_i], exact_j[first_i]
    _, first_j = np.unique(exact_j, return_index=True)
    exact = np.bincount(a.label[exact_i[first_j]], minlength=n_labels)

    # Partial credit: every same-label pair, weighted by the characters it shares.
    shared = np.minimum(a.char_end[i], b.char_end[j]) - np.maximum(a.char_start[i], b.char_start[j])
    shared = np.maximum(shared, 0).astype(np.float64)
    a_len = (a.char_end - a.char_start).astype(np.float64)
    b_len = (b.char_end - b.char_start).astype(np.float64)
    partial_precision = np.bincount(a.label[i], weights=shared / a_len[i], minlength=n_labels)
    partial_recall = np.bincount(a.label[i], weights=shared / b_len[j], minlength=n_labels)

    width = np.minimum(a_end[i], b_end[j]) - np.maximum(a_start[i], b_start[j]) + 1
    shared_tokens = np.bincount(a.label[i], weights=width, minlength=n_labels).astype(np.int64)

    return PairSpanCounts(
        a_spans=np.bincount(a.label, minlength=n_labels),
        b_spans=np.bincount(b.label, minlength=n_labels),
        exact=exact,
        overlap=overlap,
        partial_precision=partial_precision,
        partial_recall=partial_recall,
        shared_tokens=shared_tokens,
        a_spans_by_doc=np.bincount(a.doc, minlength=n_docs),
        b_spans_by_doc=np.bincount(b.doc, minlength=n_docs),
        overlap_by_doc=overlap_by_doc,
    )


def matched_f1(matched: float, a_spans: float, b_spans: float) -> float | None:
    """F1 = 2m / (|A| + |B|); None when neither side has a span."""
    total = a_spans + b_spans
    return None if total == 0 else 2.0 * float(matched) / float(total)


def partial_f1(
    precision_sum: float, recall_sum: float, a_spans: float, b_spans: float
) -> float | None:
    """SemEval-2020 Task 11 partial-credit F1; None when neither side has a span.

    As in the task's scorer, a side without spans has precision (or recall) 0, so one empty side
    against spans gives F1 0, the same as the exact and overlap F1.
    """
    if a_spans + b_spans == 0:
        return None
    p = float(precision_sum) / float(a_spans) if a_spans else 0.0
    r = float(recall_sum) / float(b_spans) if b_spans else 0.0
    return 0.0 if p + r == 0 else 2.0 * p * r / (p + r)


def precision_recall_f1(matched: int, predicted: int, reference: int) -> dict:
    """Precision, recall and F1 of matched spans with their counts; None where undefined."""
    return {
        "precision": None if predicted == 0 else matched / predicted,
        "recall": None if reference == 0 else matched / reference,
        "f1": matched_f1(matched, predicted, reference),
        "matched": int(matched),
        "annotator_spans": int(predicted),
        "gold_spans": int(reference),
    }
