"""Every annotator pair's span counts at once: the report's kappa and F1 per pair as one table.

The per-pair path (`span_matching.pair_span_counts` once per pair) costs a few numpy calls per
pair, which a crowd of hundreds (thousands of pairs sharing documents) or a report repeated per
batch pays thousands of times. Here the counts of all pairs come from one pass over the corpus:

- pair-document triples (a, b, d) from each document's done annotators, so pairs that share
  nothing are never visited (and `documents`, `items` per pair are bincounts);
- per (annotator, document) and label the spans and covered tokens, summed over the triples;
- the overlapping span pairs of different owners from one sweep over all spans on the line of
  (label, document, token) coordinates; every edge lies in a document both owners finished,
  and it gives the shared tokens, the exact matches and the partial credit of its pair;
- the maximum one-to-one overlap matching per component of the overlap graph: a component of
  one edge is one match (nearly all of them), larger ones run the greedy interval matching.

Sums are accumulated in the order the per-pair path used (pairs in order, spans by position),
so every figure is the same float, not just close.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotator.agreement.span_matching import SpanColumns, global_coordinates

__all__ = ["OverlapEdges", "PairTable", "overlap_edges", "pair_table"]


@dataclass(slots=True)
class OverlapEdges:
    """Every two spans of different owners that share a (label, document, token) coordinate:
    span i of the lower owner, span j of the higher, and the tokens they share."""

    i: np.ndarray
    j: np.ndarray
    width: np.ndarray
    start: np.ndarray  # every span's start and end (inclusive) on the line
    end: np.ndarray
    rank: np.ndarray  # every span's position on the line (by start)


def overlap_edges(spans: SpanColumns, doc_offset: np.ndarray) -> OverlapEdges:
    """The overlap edges of merged spans (one owner's spans of a label are disjoint)."""
    start, end = global_coordinates(spans, doc_offset, int(doc_offset[-1]))
    by_start = np.argsort(start, kind="stable")
    p, q = _overlap_edges(start[by_start], end[by_start])
    p, q = by_start[p], by_start[q]
    keep = spans.owner[p] != spans.owner[q]
    p, q = p[keep], q[keep]
    swap = spans.owner[p] > spans.owner[q]
    i, j = np.where(swap, q, p), np.where(swap, p, q)
    width = np.minimum(end[i], end[j]) - np.maximum(start[i], start[j]) + 1
    rank = np.empty(len(by_start), dtype=np.int64)
    rank[by_start] = np.arange(len(by_start))
    return OverlapEdges(i, j, width, start, end, rank)


@dataclass(slots=True)
class PairTable:
    """Counts per pair (rows, annotator `first` < `second`) and label (columns)."""

    first: np.ndarray
    second: np.ndarray
    documents: np.ndarray  # documents both finished
    items: np.ndarray  # tokens of those documents
    a_spans: np.ndarray
    b_spans: np.ndarray
    cover_a: np.ndarray  # tokens covered per label
    cover_b: np.ndarray
    shared_tokens: np.ndarray
    exact: np.ndarray
    overlap: np.ndarray
    partial_precision: np.ndarray
    partial_recall: np.ndarray
    # per pair-document triple, ordered by pair then document
    triple_pair: np.ndarray
    triple_doc: np.ndarray
    triple_spans: np.ndarray  # spans of both annotators in the document
    triple_overlap: np.ndarray  # overlap matches in the document

    def __len__(self) -> int:
        return len(self.first)


def _triples(done: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, d) for every document d and every two of its done annotators a < b, by d."""
    doc, owner = np.nonzero(done.T)  # by document, then annotator
    bounds = np.searchsorted(doc, np.arange(done.shape[1] + 1))
    group_end = bounds[1:][doc]
    later = group_end - np.arange(len(doc)) - 1
    i = np.repeat(np.arange(len(doc)), later)
    step = np.arange(len(i)) - np.repeat(np.cumsum(later) - later, later) + 1
    j = i + step
    return owner[i], owner[j], doc[i]


def _overlap_edges(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (p, q), p < q, of intervals sorted by start that share a coordinate: q starts
    within p (no candidate is ever discarded, however long a span is)."""
    hi = np.searchsorted(start, end, side="right")
    later = hi - np.arange(len(start)) - 1
    p = np.repeat(np.arange(len(start)), later)
    q = p + 1 + np.arange(len(p)) - np.repeat(np.cumsum(later) - later, later)
    return p, q


def _greedy_matches(component: np.ndarray, x: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    """Matches per component of edges (x, y) ordered by A then B within each component: each
    A span takes the first overlapping B span not yet taken (maximum for disjoint intervals)."""
    sizes = np.bincount(component, minlength=n)
    matches = (sizes > 0).astype(np.int64)  # a one-edge component is one match
    big = np.flatnonzero(sizes[component] > 1)
    last_c, last_a, last_b = -1, -1, -1
    for c, xa, yb in zip(component[big].tolist(), x[big].tolist(), y[big].tolist(), strict=True):
        if c != last_c:
            last_c, last_a, last_b = c, xa, yb  # the first edge of a component is a match
            continue
        if xa != last_a and yb > last_b:
            matches[c] += 1
            last_a, last_b = xa, yb
    return matches


def pair_table(
    spans: SpanColumns,
    done: np.ndarray,
    n_tokens: np.ndarray,
    doc_offset: np.ndarray,
    n_labels: int,
    *,
    all_pairs: bool,
    edges: OverlapEdges | None = None,
) -> PairTable:
    """The counts of every pair (all n (n - 1) / 2 when `all_pairs`, else those sharing a
    document) from merged spans (one owner's spans of a label disjoint), the done matrix and
    the spans' overlap edges (computed here when not given)."""
    n_ann, n_docs = done.shape
    edges = edges or overlap_edges(spans, doc_offset)
    ta, tb, td = _triples(done)
    if all_pairs:
        first, second = np.triu_indices(n_ann, k=1)
    else:
        keys = np.unique(ta * n_ann + tb)
        first, second = keys // n_ann, keys % n_ann
    pair_key = first * n_ann + second
    n_pairs = len(first)
    tp = np.searchsorted(pair_key, ta * n_ann + tb)
    order = np.lexsort((td, tp))
    ta, tb, td, tp = ta[order], tb[order], td[order], tp[order]

    # Per (annotator, document) incidence and label: spans and covered tokens.
    inc_owner, inc_doc = np.nonzero(done)
    inc_key = inc_owner * n_docs + inc_doc
    span_inc = np.searchsorted(inc_key, spans.owner * n_docs + spans.doc)
    n_inc = len(inc_key)
    cell = span_inc * n_labels + spans.label
    span_counts = np.bincount(cell, minlength=n_inc * n_labels).reshape(n_inc, n_labels)
    lengths = spans.token_end - spans.token_start + 1
    covered = np.bincount(cell, weights=lengths, minlength=n_inc * n_labels)
    covered = covered.astype(np.int64).reshape(n_inc, n_labels)
    ka = np.searchsorted(inc_key, ta * n_docs + td)
    kb = np.searchsorted(inc_key, tb * n_docs + td)

    def per_pair(values: np.ndarray) -> np.ndarray:
        out = np.zeros((n_pairs, n_labels), dtype=np.int64)
        np.add.at(out, tp, values)
        return out

    a_spans, b_spans = per_pair(span_counts[ka]), per_pair(span_counts[kb])
    cover_a, cover_b = per_pair(covered[ka]), per_pair(covered[kb])
    documents = np.bincount(tp, minlength=n_pairs)
    items = np.zeros(n_pairs, dtype=np.int64)
    np.add.at(items, tp, n_tokens[td])

    # Overlapping spans of two owners: edges from the lower annotator (A) to the other.
    start = edges.start
    ep = np.searchsorted(pair_key, spans.owner[edges.i] * n_ann + spans.owner[edges.j])
    # The per-pair order: by pair, then A's position on the line, then B's.
    order = np.lexsort((start[edges.j], start[edges.i], ep))
    i, j, ep, width = edges.i[order], edges.j[order], ep[order], edges.width[order]
    label = spans.label[i]
    cell = ep * n_labels + label
    size = n_pairs * n_labels

    def per_cell(weights: np.ndarray) -> np.ndarray:
        return np.bincount(cell, weights=weights, minlength=size).reshape(n_pairs, n_labels)

    shared_tokens = per_cell(width).astype(np.int64)
    shared_chars = np.minimum(spans.char_end[i], spans.char_end[j]) - np.maximum(
        spans.char_start[i], spans.char_start[j]
    )
    shared_chars = np.maximum(shared_chars, 0).astype(np.float64)
    a_len = (spans.char_end[i] - spans.char_start[i]).astype(np.float64)
    b_len = (spans.char_end[j] - spans.char_start[j]).astype(np.float64)
    partial_precision = per_cell(shared_chars / a_len)
    partial_recall = per_cell(shared_chars / b_len)

    # Exact: same characters, one-to-one (first by A, then by B, in the per-pair order).
    same = np.flatnonzero(
        (spans.char_start[i] == spans.char_start[j]) & (spans.char_end[i] == spans.char_end[j])
    )
    _, first_a = np.unique(i[same] * n_ann + spans.owner[j[same]], return_index=True)
    same = np.sort(same[first_a])
    _, first_b = np.unique(j[same] * n_ann + spans.owner[i[same]], return_index=True)
    same = same[first_b]
    exact = np.bincount(cell[same], minlength=size).reshape(n_pairs, n_labels)

    # Overlap matching per component: consecutive edges (in the per-pair order) of one pair
    # that share an A or a B span are one component.
    new = np.ones(len(i), dtype=bool)
    new[1:] = (ep[1:] != ep[:-1]) | ((i[1:] != i[:-1]) & (j[1:] != j[:-1]))
    component = np.cumsum(new) - 1
    heads = np.flatnonzero(new)
    matches = _greedy_matches(component, edges.rank[i], edges.rank[j], len(heads))
    overlap = np.bincount(cell[heads], weights=matches, minlength=size)
    overlap = overlap.astype(np.int64).reshape(n_pairs, n_labels)
    triple_of = np.searchsorted(tp * n_docs + td, ep[heads] * n_docs + spans.doc[i[heads]])
    triple_overlap = np.bincount(triple_of, weights=matches, minlength=len(tp)).astype(np.int64)

    return PairTable(
        first=first,
        second=second,
        documents=documents,
        items=items,
        a_spans=a_spans,
        b_spans=b_spans,
        cover_a=cover_a,
        cover_b=cover_b,
        shared_tokens=shared_tokens,
        exact=exact,
        overlap=overlap,
        partial_precision=partial_precision,
        partial_recall=partial_recall,
        triple_pair=tp,
        triple_doc=td,
        triple_spans=span_counts[ka].sum(axis=1) + span_counts[kb].sum(axis=1),
        triple_overlap=triple_overlap,
    )
