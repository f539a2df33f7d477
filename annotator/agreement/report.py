"""The agreement report of DESIGN section 8: token-level alpha and kappas, pairwise span F1,
per-document figures and bootstrap intervals, computed from plain documents (no flask, no SQL).

Token units are (document, token, label) with value 1 when an annotator's span of that label
covers the token. After same-label overlaps are merged (DESIGN section 3), every figure follows
from a few sums per document and label:

- k(t): how many annotators cover token t; sum k and sum k^2 per document give the alpha
  coincidences (o_01 = sum k (m - k) / (m - 1) with m annotators done) and Fleiss' tables;
- per annotator, the tokens covered (sum of span lengths); per pair, the tokens both cover (sum of
  the intersections of overlapping spans), which give Cohen's 2x2 tables.

So the cost is one pass over the spans and one cumulative sum over labels x tokens; the bootstrap
resamples per-document sums instead of tokens.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np

from annotator.agreement.coefficients import (
    binary_alpha,
    binary_cohen,
    binary_fleiss,
    binary_fleiss_varying,
)
from annotator.agreement.pair_summary import crowd_mode, summarise_table
from annotator.agreement.pair_table import OverlapEdges, PairTable, overlap_edges, pair_table
from annotator.agreement.span_matching import (
    SpanColumns,
    collect_spans,
    matched_f1,
    merge_overlapping,
    pair_span_counts,
    partial_f1,
    precision_recall_f1,
    stored_spans_columns,
)
from annotator.core.records import AgreementDocument, SpanData
from annotator.core.span_columns import stored_columns

__all__ = ["SubsetFigures", "agreement_report", "score_against_gold"]


def _number(x: float | None) -> float | None:
    """A plain float for JSON; NaN (undefined) becomes None."""
    if x is None:
        return None
    x = float(x)
    return None if np.isnan(x) else x


class _Corpus:
    """Token layout, done matrix and merged spans of the selected annotators and labels."""

    def __init__(
        self,
        documents: Sequence[AgreementDocument],
        annotators: Sequence[str],
        labels: Sequence[str],
    ) -> None:
        if len(set(annotators)) != len(annotators) or len(set(labels)) != len(labels):
            raise ValueError("annotators and labels must not repeat")
        self.documents = documents
        self.annotators = list(annotators)
        self.labels = list(labels)
        self.label_index = {label: i for i, label in enumerate(labels)}
        self.n_tokens = np.array([len(d.tokens) for d in documents], dtype=np.int64)
        self.doc_offset = np.concatenate([[0], np.cumsum(self.n_tokens)]).astype(np.int64)
        self.total_tokens = int(self.doc_offset[-1])
        self.done = np.array(
            [[name in d.spans for d in documents] for name in annotators], dtype=bool
        ).reshape(len(annotators), len(documents))
        stored = stored_columns(documents)
        if stored is not None:  # read in bulk by the store: no pass over span objects
            raw = stored_spans_columns(stored, self.annotators, self.label_index, documents)
        else:
            entries = [
                (a, d, doc.tokens, doc.spans[name])
                for a, name in enumerate(annotators)
                for d, doc in enumerate(documents)
                if name in doc.spans
            ]
            raw = collect_spans(entries, self.label_index)
        self.spans = self.merged(raw)
        self._edges: OverlapEdges | None = None
        # Row indices of each owner's spans: a pair reads its two owners' rows, not all rows.
        order = np.argsort(self.spans.owner, kind="stable")
        bounds = np.searchsorted(self.spans.owner[order], np.arange(len(annotators) + 1))
        self.by_owner = [order[bounds[a] : bounds[a + 1]] for a in range(len(annotators))]

    def merged(self, spans: SpanColumns) -> SpanColumns:
        """Spans with same-owner, same-label overlaps merged."""
        return merge_overlapping(spans, self.doc_offset, self.total_tokens)

    @property
    def edges(self) -> OverlapEdges:
        """The overlap edges of the merged spans (computed once)."""
        if self._edges is None:
            self._edges = overlap_edges(self.spans, self.doc_offset)
        return self._edges

    def coverage_sums(self) -> tuple[np.ndarray, np.ndarray]:
        """Per document and label: sum over tokens of k and of k^2 (k = annotators covering).

        Sum k is the spans' lengths; k^2 = k + 2 (k choose 2), and the pairs of annotators
        covering a token are the overlap edges through it, so sum k^2 = sum k + 2 x the edges'
        widths: integers, with no array per token.
        """
        n_labels, n_docs = len(self.labels), len(self.documents)
        spans, edges = self.spans, self.edges
        size = n_docs * n_labels
        lengths = spans.token_end - spans.token_start + 1
        cell = spans.doc * n_labels + spans.label
        sum_k = np.bincount(cell, weights=lengths, minlength=size).astype(np.int64)
        pairs = np.bincount(cell[edges.i], weights=edges.width, minlength=size).astype(np.int64)
        return sum_k.reshape(n_docs, n_labels), (sum_k + 2 * pairs).reshape(n_docs, n_labels)

    def owner_spans(self, a: int, docs: np.ndarray) -> SpanColumns:
        """Spans of annotator a restricted to the documents in the mask `docs`."""
        rows = self.by_owner[a]
        return self.spans.take(rows[docs[self.spans.doc[rows]]])


def _bootstrap_alpha(
    disagreement: np.ndarray,
    ones: np.ndarray,
    values: np.ndarray,
    resamples: int,
    seed: int,
) -> np.ndarray:
    """Alpha per label (columns) and pooled (last column) for `resamples` document resamples.

    Rows of the inputs are documents; a resample is a vector of how often each document was
    drawn, so every resample's sums are one matrix product.
    """
    n_docs, n_labels = disagreement.shape
    stats = np.concatenate([disagreement, ones, values[:, None]], axis=1)
    out = []
    for weights in _resample_weights(n_docs, resamples, seed):
        sums = weights @ stats
        d, o, n = sums[:, :n_labels], sums[:, n_labels : 2 * n_labels], sums[:, -1]
        per_label = binary_alpha(d, o, n[:, None])
        pooled = binary_alpha(d.sum(axis=1), o.sum(axis=1), n * n_labels)
        out.append(np.concatenate([per_label, pooled[:, None]], axis=1))
    return np.concatenate(out, axis=0)


_BLOCK = 4_000_000  # resample weights held at a time (resamples x documents)


def _resample_weights(n_docs: int, resamples: int, seed: int) -> Iterator[np.ndarray]:
    """How often each document is drawn, per resample, in blocks of resamples (rows)."""
    if n_docs * resamples <= _BLOCK:  # one small block: the same for every batch of this size
        yield _small_weights(n_docs, resamples, seed)
        return
    rng = np.random.default_rng(seed)
    block = max(1, min(resamples, _BLOCK // max(n_docs, 1)))
    for first in range(0, resamples, block):
        yield _draw(rng, min(block, resamples - first), n_docs)


def _draw(rng: np.random.Generator, size: int, n_docs: int) -> np.ndarray:
    draws = rng.integers(0, n_docs, size=(size, n_docs))
    rows = np.repeat(np.arange(size), n_docs) * n_docs
    counts = np.bincount(rows + draws.ravel(), minlength=size * n_docs)
    return counts.reshape(size, n_docs).astype(np.float64)


@lru_cache(maxsize=16)
def _small_weights(n_docs: int, resamples: int, seed: int) -> np.ndarray:
    """The weights of a single block (cached: a report per batch draws the same ones)."""
    weights = _draw(np.random.default_rng(seed), resamples, n_docs)
    weights.flags.writeable = False
    return weights


def _interval(samples: np.ndarray, point: float | None) -> list[float] | None:
    """95% percentile interval of the defined resample values; None when alpha is undefined."""
    samples = samples[~np.isnan(samples)]
    if point is None or len(samples) == 0:
        return None
    lo, hi = np.percentile(samples, [2.5, 97.5])
    return [float(lo), float(hi)]


def agreement_report(
    documents: Sequence[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str],
    *,
    bootstrap: int = 1000,
    seed: int = 20241,
    all_pairs: bool = False,
) -> dict:
    """The agreement report of DESIGN section 8 as plain JSON-ready data.

    Past CROWD_ANNOTATORS annotators (crowd mode) `pairs` is empty and `pair_summary` sums
    the pairs up, unless `all_pairs` asks for every pair.
    """
    corpus = _Corpus(documents, annotators, labels)
    n_ann, n_labels = len(corpus.annotators), len(corpus.labels)
    n_tokens = corpus.n_tokens
    done_count = corpus.done.sum(axis=0)
    sum_k, sum_k2 = corpus.coverage_sums()

    # Krippendorff's alpha over documents with at least two done annotators.
    multi = done_count >= 2
    m = done_count[multi].astype(np.float64)
    disagreement = (m[:, None] * sum_k[multi] - sum_k2[multi]) / (m - 1)[:, None]
    ones = sum_k[multi].astype(np.float64)
    values = m * n_tokens[multi]
    units = int(n_tokens[multi].sum())
    label_alpha = binary_alpha(disagreement.sum(axis=0), ones.sum(axis=0), values.sum())
    pooled_alpha = _number(binary_alpha(disagreement.sum(), ones.sum(), values.sum() * n_labels))
    # Resampling one document only ever redraws that document: the "interval" would be the
    # point itself and look like certainty. It takes at least two documents to say anything.
    if bootstrap > 0 and multi.sum() >= 2:
        samples = _bootstrap_alpha(disagreement, ones, values, bootstrap, seed)
    else:
        samples = None

    def ci(column: int, point: float | None) -> list[float] | None:
        return None if samples is None else _interval(samples[:, column], point)

    alpha = {
        "pooled": {
            "value": pooled_alpha,
            "ci95": ci(n_labels, pooled_alpha),
            "units": units * n_labels,
        },
        "by_label": {
            label: {
                "value": _number(label_alpha[i]),
                "ci95": ci(i, _number(label_alpha[i])),
                "units": units,
            }
            for i, label in enumerate(corpus.labels)
        },
    }

    fleiss = _fleiss_block(corpus, done_count, sum_k, sum_k2)

    crowd = crowd_mode(n_ann, all_pairs)
    table = pair_table(
        corpus.spans,
        corpus.done,
        n_tokens,
        corpus.doc_offset,
        n_labels,
        all_pairs=not crowd,
        edges=corpus.edges,
    )
    # Per-document overlap F1 of each pair that finished it, where defined, for the means.
    defined = table.triple_spans > 0
    f1_doc = table.triple_doc[defined]
    f1_sum = np.bincount(
        f1_doc,
        weights=2.0 * table.triple_overlap[defined] / table.triple_spans[defined],
        minlength=len(documents),
    )
    f1_pairs = np.bincount(f1_doc, minlength=len(documents))

    doc_alpha = (
        binary_alpha(disagreement.sum(axis=1), ones.sum(axis=1), values * n_labels)
        if multi.any()
        else np.zeros(0)
    )
    by_document = []
    for row, d in enumerate(np.flatnonzero(multi)):
        doc = documents[d]
        by_document.append(
            {
                "document_id": doc.id,
                "external_id": doc.external_id,
                "alpha": _number(doc_alpha[row]),
                "f1_overlap_mean": float(f1_sum[d] / f1_pairs[d]) if f1_pairs[d] else None,
            }
        )

    report = {
        "annotators": corpus.annotators,
        "labels": corpus.labels,
        "documents": int(multi.sum()),
        "krippendorff_alpha": alpha,
        "fleiss_kappa": fleiss,
        "pairs": [] if crowd else _pair_entries(corpus, table),
        "by_document": by_document,
    }
    if crowd:
        report["pair_summary"] = summarise_table(
            corpus.annotators,
            table.first,
            table.second,
            table.documents,
            _micro_figures(table, n_labels),
            "f1_overlap",
            lambda r: _pair_entry(corpus, table, r),
        )
    return report


# The pair figures a crowd summary describes.
PAIR_FIGURES = ("cohen_kappa", "f1_exact", "f1_overlap", "f1_partial")


def _micro_figures(table: PairTable, n_labels: int) -> dict[str, np.ndarray]:
    """Per pair the pooled kappa and the micro F1s (NaN where undefined), each computed as in
    the pair's entry (same scalar functions, so the summary and the entries agree exactly)."""
    figures = {key: np.full(len(table), np.nan) for key in PAIR_FIGURES}
    shared, cover_a, cover_b = (
        table.shared_tokens.sum(axis=1),
        table.cover_a.sum(axis=1),
        table.cover_b.sum(axis=1),
    )
    pp, pr = table.partial_precision, table.partial_recall
    for r in range(len(table)):
        na, nb = table.a_spans[r].sum(), table.b_spans[r].sum()
        values = (
            binary_cohen(shared[r], cover_a[r], cover_b[r], table.items[r] * n_labels),
            matched_f1(table.exact[r].sum(), na, nb),
            matched_f1(table.overlap[r].sum(), na, nb),
            partial_f1(pp[r].sum(), pr[r].sum(), int(na), int(nb)),
        )
        for key, value in zip(PAIR_FIGURES, values, strict=True):
            if value is not None:
                figures[key][r] = value
    return figures


def _fleiss_figures(
    sum_k: np.ndarray, sum_k2: np.ndarray, tokens: np.ndarray, raters: np.ndarray
) -> tuple[float | None, np.ndarray]:
    """Pooled and per-label Fleiss' kappa of the given documents (rows), each with its own
    number of raters (the varying-raters form; Fleiss' own when all counts are equal)."""
    n_labels = sum_k.shape[1]
    pooled = binary_fleiss_varying(sum_k.sum(axis=1), sum_k2.sum(axis=1), tokens * n_labels, raters)
    by_label = [
        binary_fleiss_varying(sum_k[:, i], sum_k2[:, i], tokens, raters) for i in range(n_labels)
    ]
    return pooled, by_label


def _fleiss_block(
    corpus: _Corpus, done_count: np.ndarray, sum_k: np.ndarray, sum_k2: np.ndarray
) -> dict:
    """Fleiss' kappa: `pooled`/`by_label` over the documents every selected annotator marked
    done (Fleiss 1971 needs the same number of raters per item), and under `done` over every
    document with at least two done annotators, each with the annotators who finished it."""
    n_ann, labels = len(corpus.annotators), corpus.labels
    complete = (done_count == n_ann) & (n_ann >= 2)
    subjects = int(corpus.n_tokens[complete].sum())
    fk, fk2 = sum_k[complete].sum(axis=0), sum_k2[complete].sum(axis=0)
    n_complete = int(complete.sum())
    multi = done_count >= 2
    pooled, by_label = _fleiss_figures(
        sum_k[multi], sum_k2[multi], corpus.n_tokens[multi], done_count[multi]
    )
    n_multi = int(multi.sum())
    raters = sorted({int(m) for m in done_count[multi]})
    return {
        "variant": "all_annotators",
        "documents": n_complete,
        "annotators": n_ann if n_complete else 0,
        "pooled": {
            "value": binary_fleiss(fk.sum(), fk2.sum(), subjects * len(labels), n_ann),
            "documents": n_complete,
        },
        "by_label": {
            label: {"value": binary_fleiss(fk[i], fk2[i], subjects, n_ann), "documents": n_complete}
            for i, label in enumerate(labels)
        },
        "done": {
            "variant": "done",
            "documents": n_multi,
            "annotators": int(corpus.done[:, multi].any(axis=1).sum()),
            "raters_per_document": raters,
            "pooled": {"value": pooled, "documents": n_multi},
            "by_label": {
                label: {"value": by_label[i], "documents": n_multi}
                for i, label in enumerate(labels)
            },
        },
    }


def _pair_entries(corpus: _Corpus, table: PairTable) -> list[dict]:
    """Every pair's entry; the pairs that share no document (most of a sparse crowd's, with
    --all-pairs) share one template of undefined figures."""
    entries, empty = [], None
    names = corpus.annotators
    for r in range(len(table)):
        if table.documents[r]:
            entries.append(_pair_entry(corpus, table, r))
            continue
        if empty is None:
            empty = _pair_entry(corpus, table, r)
        entries.append({**empty, "a": names[table.first[r]], "b": names[table.second[r]]})
    return entries


def _pair_entry(corpus: _Corpus, table: PairTable, r: int) -> dict:
    """The report entry of the pair in row r of the table (the documents both marked done)."""
    n_labels, labels = len(corpus.labels), corpus.labels
    items = int(table.items[r])
    shared, cover_a, cover_b = table.shared_tokens[r], table.cover_a[r], table.cover_b[r]
    a_spans, b_spans = table.a_spans[r], table.b_spans[r]
    pp, pr = table.partial_precision[r], table.partial_recall[r]
    na, nb = int(a_spans.sum()), int(b_spans.sum())
    return {
        "a": corpus.annotators[table.first[r]],
        "b": corpus.annotators[table.second[r]],
        "documents": int(table.documents[r]),
        "cohen_kappa": {
            "pooled": binary_cohen(shared.sum(), cover_a.sum(), cover_b.sum(), items * n_labels),
            "by_label": {
                label: binary_cohen(shared[i], cover_a[i], cover_b[i], items)
                for i, label in enumerate(labels)
            },
        },
        "f1_exact": _f1_block(table.exact[r], a_spans, b_spans, labels),
        "f1_overlap": _f1_block(table.overlap[r], a_spans, b_spans, labels),
        "f1_partial": {
            "micro": partial_f1(pp.sum(), pr.sum(), na, nb),
            "by_label": {
                label: partial_f1(pp[i], pr[i], int(a_spans[i]), int(b_spans[i]))
                for i, label in enumerate(labels)
            },
        },
    }


def _f1_block(
    matched: np.ndarray, a_spans: np.ndarray, b_spans: np.ndarray, labels: list[str]
) -> dict:
    """Micro and per-label F1 = 2m / (|A| + |B|) of one matching."""
    return {
        "micro": matched_f1(matched.sum(), a_spans.sum(), b_spans.sum()),
        "by_label": {
            label: matched_f1(matched[i], a_spans[i], b_spans[i]) for i, label in enumerate(labels)
        },
    }


class SubsetFigures:
    """What a report per batch (or per scheme version) shows of a subset of the documents:
    how many, alpha pooled with its interval, the mean of the pairs' overlap F1. Computed from
    per-document sums taken once from the whole corpus, each figure exactly as
    `agreement_report` computes it on the subset (same arrays, same order of sums)."""

    def __init__(
        self,
        documents: Sequence[AgreementDocument],
        annotators: Sequence[str],
        labels: Sequence[str],
    ) -> None:
        corpus = _Corpus(documents, annotators, labels)
        self.n_labels = len(corpus.labels)
        self.row = {doc.id: d for d, doc in enumerate(documents)}
        self.done_count = corpus.done.sum(axis=0)
        self.sum_k, self.sum_k2 = corpus.coverage_sums()
        self.n_tokens = corpus.n_tokens
        # The mean pair F1 is over the pairs that share a document: a crowd's table holds only
        # those (listing all n (n - 1) / 2 would add pairs that count for nothing)
        table = pair_table(
            corpus.spans,
            corpus.done,
            corpus.n_tokens,
            corpus.doc_offset,
            self.n_labels,
            all_pairs=not crowd_mode(len(corpus.annotators), False),
            edges=corpus.edges,
        )
        self.n_pairs = len(table)
        by_doc = np.argsort(table.triple_doc, kind="stable")
        self.triples_of = np.searchsorted(table.triple_doc[by_doc], np.arange(len(documents) + 1))
        self.by_doc = by_doc
        self.triple_pair, self.triple_overlap = table.triple_pair, table.triple_overlap
        self.triple_spans = table.triple_spans

    def figures(self, ids: Sequence[int], *, bootstrap: int, seed: int) -> dict:
        """`{"documents", "krippendorff_alpha", "ci95", "f1_overlap"}` of the documents `ids`
        (in this order), as `agreement_report(those documents)` gives them."""
        rows = np.array([self.row[i] for i in ids], dtype=np.int64)
        multi_rows = rows[self.done_count[rows] >= 2]
        m = self.done_count[multi_rows].astype(np.float64)
        sum_k, sum_k2 = self.sum_k[multi_rows], self.sum_k2[multi_rows]
        disagreement = (m[:, None] * sum_k - sum_k2) / (m - 1)[:, None]
        ones = sum_k.astype(np.float64)
        values = m * self.n_tokens[multi_rows]
        pooled = _number(binary_alpha(disagreement.sum(), ones.sum(), values.sum() * self.n_labels))
        ci = None
        if bootstrap > 0 and len(multi_rows) >= 2:
            samples = _bootstrap_alpha(disagreement, ones, values, bootstrap, seed)
            ci = _interval(samples[:, self.n_labels], pooled)
        return {
            "documents": len(multi_rows),
            "krippendorff_alpha": pooled,
            "ci95": ci,
            "f1_overlap": self._mean_overlap_f1(rows),
        }

    def _mean_overlap_f1(self, rows: np.ndarray) -> float | None:
        """Mean over the pairs (in order) of their micro overlap F1 on these documents."""
        parts = [self.by_doc[self.triples_of[r] : self.triples_of[r + 1]] for r in rows.tolist()]
        chosen = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        pair = self.triple_pair[chosen]
        matched = np.bincount(pair, weights=self.triple_overlap[chosen], minlength=self.n_pairs)
        spans = np.bincount(pair, weights=self.triple_spans[chosen], minlength=self.n_pairs)
        f1 = [
            matched_f1(m, 0, total)
            for m, total in zip(matched.tolist(), spans.tolist(), strict=True)
            if total
        ]
        return sum(f1) / len(f1) if f1 else None


def score_against_gold(
    documents: Sequence[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str],
    gold_spans: dict[int, list[SpanData]],
) -> dict:
    """Precision, recall and F1 (exact and overlap) of each annotator against the gold spans."""
    corpus = _Corpus(documents, annotators, labels)
    n_labels, n_docs = len(corpus.labels), len(documents)
    has_gold = np.array([doc.id in gold_spans for doc in documents], dtype=bool)
    gold_owner = len(corpus.annotators)
    gold = corpus.merged(
        collect_spans(
            (
                (gold_owner, d, doc.tokens, gold_spans[doc.id])
                for d, doc in enumerate(documents)
                if has_gold[d]
            ),
            corpus.label_index,
        )
    )
    result = []
    for a, name in enumerate(corpus.annotators):
        docs = corpus.done[a] & has_gold
        mine = corpus.owner_spans(a, docs)
        theirs = gold.take(docs[gold.doc])
        counts = pair_span_counts(
            mine, theirs, n_labels, n_docs, corpus.doc_offset, corpus.total_tokens
        )
        entry: dict = {"annotator": name, "documents": int(docs.sum())}
        for key, matched in (("exact", counts.exact), ("overlap", counts.overlap)):
            entry[key] = {
                "micro": precision_recall_f1(
                    int(matched.sum()), int(counts.a_spans.sum()), int(counts.b_spans.sum())
                ),
                "by_label": {
                    label: precision_recall_f1(
                        int(matched[i]), int(counts.a_spans[i]), int(counts.b_spans[i])
                    )
                    for i, label in enumerate(corpus.labels)
                },
            }
        result.append(entry)
    return {
        "annotators": corpus.annotators,
        "labels": corpus.labels,
        "documents_with_gold": int(has_gold.sum()),
        "by_annotator": result,
    }
