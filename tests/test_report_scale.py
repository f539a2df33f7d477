"""Issue 18, the report at scale: the shortcuts that make it fast give the very figures of the
direct computation (exact equality, not approximate): all pairs from one table against the
per-pair span matching, the crowd summary against the summary of the --all-pairs list, the
per-batch figures against a report on the batch, the store's span columns against the span
objects, the coverage sums against a count per token, and the suggestions' manual-only figures
against a recomputation."""

from __future__ import annotations

from itertools import combinations
from types import SimpleNamespace

import numpy as np
import pytest

from annotator import store
from annotator.agreement import alpha_u as alpha_u_module
from annotator.agreement.alpha_u import unitizing_report
from annotator.agreement.coefficients import binary_cohen
from annotator.agreement.over_time import DocumentHistory, agreement_by_batch
from annotator.agreement.pair_summary import CROWD_ANNOTATORS, summarise_pairs
from annotator.agreement.report import (
    PAIR_FIGURES,
    SubsetFigures,
    _Corpus,
    agreement_report,
)
from annotator.agreement.span_matching import matched_f1, pair_span_counts, partial_f1
from annotator.core.labels import load_label_scheme
from annotator.core.records import AgreementDocument, Span, SpanData
from annotator.core.span_columns import AgreementDocuments
from annotator.services.reports import build_agreement_report, suggestion_figures
from annotator.store.agreement_data import agreement_documents
from annotator.store.spans import insert_spans
from annotator.store.statuses import set_status
from annotator.store.users import add_user

LABELS = load_label_scheme().keys()[:3]


def _corpus(seed: int, n_annotators: int, n_docs: int, p_done: float, spans: int = 8):
    """Random documents: spans of any length, overlapping within and across annotators, some
    reaching past the document's last token (the engine clips them)."""
    rng = np.random.default_rng(seed)
    names = [f"n{(i * 7919) % 1000:03d}" for i in range(n_annotators)]  # not in name order
    docs = []
    for d in range(n_docs):
        length = int(rng.integers(1, 60))
        tokens = [(2 * t, 2 * t + 1) for t in range(length)]
        done = {}
        for name in names:
            if rng.random() > p_done:
                continue
            mine = []
            for _ in range(int(rng.integers(0, spans))):
                s = int(rng.integers(0, length))
                e = s + int(rng.integers(0, 12))  # may pass the last token
                mine.append(SpanData(2 * s, 2 * e + 1, s, e, LABELS[int(rng.integers(0, 3))]))
            done[name] = mine
        docs.append(AgreementDocument(d + 1, f"d{d}", tokens, done))
    return docs, names


def _reference_entry(docs, names, labels, a, b) -> dict:
    """A pair's report entry the per-pair way: its two annotators' merged spans on the
    documents both finished, matched by `pair_span_counts`."""
    corpus = _Corpus(docs, names, labels)
    i, j = names.index(a), names.index(b)
    both = corpus.done[i] & corpus.done[j]
    sa, sb = corpus.owner_spans(i, both), corpus.owner_spans(j, both)
    n_labels = len(labels)
    counts = pair_span_counts(sa, sb, n_labels, len(docs), corpus.doc_offset, corpus.total_tokens)

    def covered(s):
        lengths = s.token_end - s.token_start + 1
        return np.bincount(s.label, weights=lengths, minlength=n_labels).astype(np.int64)

    cover_a, cover_b, shared = covered(sa), covered(sb), counts.shared_tokens
    items = int(corpus.n_tokens[both].sum())

    def f1(matched):
        return {
            "micro": matched_f1(matched.sum(), counts.a_spans.sum(), counts.b_spans.sum()),
            "by_label": {
                label: matched_f1(matched[k], counts.a_spans[k], counts.b_spans[k])
                for k, label in enumerate(labels)
            },
        }

    na, nb = int(counts.a_spans.sum()), int(counts.b_spans.sum())
    return {
        "a": a,
        "b": b,
        "documents": int(both.sum()),
        "cohen_kappa": {
            "pooled": binary_cohen(shared.sum(), cover_a.sum(), cover_b.sum(), items * n_labels),
            "by_label": {
                label: binary_cohen(shared[k], cover_a[k], cover_b[k], items)
                for k, label in enumerate(labels)
            },
        },
        "f1_exact": f1(counts.exact),
        "f1_overlap": f1(counts.overlap),
        "f1_partial": {
            "micro": partial_f1(
                counts.partial_precision.sum(), counts.partial_recall.sum(), na, nb
            ),
            "by_label": {
                label: partial_f1(
                    counts.partial_precision[k],
                    counts.partial_recall[k],
                    int(counts.a_spans[k]),
                    int(counts.b_spans[k]),
                )
                for k, label in enumerate(labels)
            },
        },
    }


@pytest.mark.parametrize("seed", range(6))
def test_every_pair_from_the_table_equals_the_per_pair_matching(seed):
    docs, names = _corpus(seed, [2, 3, 5, 8, 4, 6][seed], 25, 0.75, spans=10)
    report = agreement_report(docs, names, LABELS, bootstrap=0)
    assert len(report["pairs"]) == len(names) * (len(names) - 1) // 2
    for entry in report["pairs"]:
        assert entry == _reference_entry(docs, names, LABELS, entry["a"], entry["b"])


def test_per_document_overlap_f1_mean_is_the_mean_over_the_pairs():
    docs, names = _corpus(11, 4, 20, 0.8)
    report = agreement_report(docs, names, LABELS, bootstrap=0)
    corpus = _Corpus(docs, names, LABELS)
    for row in report["by_document"]:
        d = next(k for k, doc in enumerate(docs) if doc.id == row["document_id"])
        values = []
        for i, j in combinations(range(len(names)), 2):
            if not (corpus.done[i, d] and corpus.done[j, d]):
                continue
            one = np.zeros(len(docs), dtype=bool)
            one[d] = True
            counts = pair_span_counts(
                corpus.owner_spans(i, one),
                corpus.owner_spans(j, one),
                len(LABELS),
                len(docs),
                corpus.doc_offset,
                corpus.total_tokens,
            )
            total = counts.a_spans.sum() + counts.b_spans.sum()
            if total:
                values.append(2.0 * counts.overlap.sum() / total)
        expected = float(np.sum(values) / len(values)) if values else None
        assert row["f1_overlap_mean"] == pytest.approx(expected, rel=1e-12, abs=0)


def test_crowd_summary_equals_the_summary_of_the_all_pairs_list():
    docs, names = _corpus(3, CROWD_ANNOTATORS + 6, 90, 0.08)
    crowd = agreement_report(docs, names, LABELS, bootstrap=0)
    full = agreement_report(docs, names, LABELS, bootstrap=0, all_pairs=True)
    getters = {
        "cohen_kappa": lambda p: p["cohen_kappa"]["pooled"],
        "f1_exact": lambda p: p["f1_exact"]["micro"],
        "f1_overlap": lambda p: p["f1_overlap"]["micro"],
        "f1_partial": lambda p: p["f1_partial"]["micro"],
    }
    assert tuple(getters) == PAIR_FIGURES
    expected = summarise_pairs(names, full["pairs"], getters, "f1_overlap")
    assert crowd["pair_summary"] == expected
    assert expected["pairs_with_shared_documents"] > 50  # a real crowd, not a toy
    assert crowd["pairs"] == []
    for key in ("krippendorff_alpha", "fleiss_kappa", "by_document"):
        assert crowd[key] == full[key]


def test_subset_figures_equal_a_report_on_the_subset():
    for seed, n_annotators in ((1, 3), (2, 5), (4, CROWD_ANNOTATORS + 2)):
        docs, names = _corpus(seed, n_annotators, 60, 0.7 if n_annotators < 30 else 0.1)
        figures = SubsetFigures(docs, names, LABELS)
        rng = np.random.default_rng(seed)
        for size in (1, 2, 5, 17, 60):
            subset = [docs[k] for k in rng.permutation(len(docs))[:size]]
            report = agreement_report(subset, names, LABELS, bootstrap=300, seed=7)
            pooled = report["krippendorff_alpha"]["pooled"]
            # the mean over the pairs, every pair listed (a crowd's report summarises them)
            listed = agreement_report(subset, names, LABELS, bootstrap=0, all_pairs=True)
            f1 = [p["f1_overlap"]["micro"] for p in listed["pairs"]]
            f1 = [v for v in f1 if v is not None]
            expected = {
                "documents": report["documents"],
                "krippendorff_alpha": pooled["value"],
                "ci95": pooled["ci95"],
                "f1_overlap": sum(f1) / len(f1) if f1 else None,
            }
            got = figures.figures([d.id for d in subset], bootstrap=300, seed=7)
            assert got == expected, (seed, size)


def test_batches_through_shared_figures_equal_batches_on_their_own():
    docs, names = _corpus(8, 3, 40, 0.8)
    history = {d.id: DocumentHistory(f"2026-01-{d.id % 28 + 1:02d}", 1) for d in docs}
    shared = SubsetFigures(docs, names, LABELS)
    alone = agreement_by_batch(docs, names, LABELS, history, batch_size=4, bootstrap=100)
    assert alone == agreement_by_batch(
        docs, names, LABELS, history, batch_size=4, bootstrap=100, figures=shared
    )
    for batch in alone:
        subset = [d for d in docs if d.id in set(batch["document_ids"])]
        report = agreement_report(subset, names, LABELS, bootstrap=100)
        assert batch["krippendorff_alpha"] == report["krippendorff_alpha"]["pooled"]["value"]


def test_coverage_sums_equal_a_count_per_token():
    docs, names = _corpus(5, 4, 30, 0.8, spans=12)
    corpus = _Corpus(docs, names, LABELS)
    sum_k, sum_k2 = corpus.coverage_sums()
    spans = corpus.spans
    for d in range(len(docs)):
        for lab in range(len(LABELS)):
            k = np.zeros(len(docs[d].tokens), dtype=np.int64)
            for s in np.flatnonzero((spans.doc == d) & (spans.label == lab)):
                k[spans.token_start[s] : spans.token_end[s] + 1] += 1
            assert (sum_k[d, lab], sum_k2[d, lab]) == (k.sum(), (k * k).sum())


def _write(path, docs, names, suggestion_every: int = 0) -> None:
    """The documents as a real database through the store layer (every `suggestion_every`th
    span accepted from a suggestion and not edited, when given)."""
    db = store.connect(path)
    with store.write_transaction(db):
        for name in names:
            add_user(db, name, "annotator", None, "test")
        for doc in docs:
            tokens = np.asarray(doc.tokens, dtype=np.int32).reshape(-1, 2)
            analysis = SimpleNamespace(
                starts=tokens[:, 0],
                ends=tokens[:, 1],
                ws=np.ones(len(tokens), bool),
                space=np.zeros(len(tokens), bool),
                sentences=np.zeros(1, np.int32),
            )
            text = "x" * (int(tokens[-1, 1]) + 30)
            document_id = store.insert_document(
                db,
                external_id=doc.external_id,
                title=doc.external_id,
                text=text,
                text_sha256=doc.external_id,
                lang="de",
                meta={},
                analysis=analysis,
            )
            rows = []
            for name, spans in doc.spans.items():
                set_status(db, document_id, name, "done")
                for i, s in enumerate(spans):
                    span = Span(
                        f"{document_id}-{name}-{i}",
                        document_id,
                        name,
                        s.label,
                        s.start,
                        s.end,
                        s.token_start,
                        s.token_end,
                    )
                    if suggestion_every and len(rows) % suggestion_every == 0:
                        span.origin = {"kind": "suggestion", "source": "patterns", "edited": False}
                    rows.append(span)
            insert_spans(db, rows)
    db.conn.close()


@pytest.mark.parametrize("columns_from", [0, 10**6])
def test_the_stores_span_columns_give_the_report_of_the_span_objects(
    tmp_path, monkeypatch, columns_from
):
    monkeypatch.setattr(alpha_u_module, "_COLUMNS_FROM", columns_from)
    docs, names = _corpus(21, 4, 70, 0.8, spans=10)
    _write(tmp_path / "a.db", docs, names)
    db = store.connect(tmp_path / "a.db")
    stored = agreement_documents(db)
    db.conn.close()
    assert isinstance(stored, AgreementDocuments) and stored.matching_columns() is not None
    plain = list(stored)  # a plain list: the span objects' way
    assert not isinstance(plain, AgreementDocuments)
    chosen = sorted(names)
    for all_pairs in (False, True):
        fast = agreement_report(stored, chosen, LABELS, bootstrap=100, all_pairs=all_pairs)
        slow = agreement_report(plain, chosen, LABELS, bootstrap=100, all_pairs=all_pairs)
        assert fast == slow
    assert unitizing_report(stored, chosen, LABELS) == unitizing_report(plain, chosen, LABELS)
    # a changed list no longer uses its columns
    stored.pop()
    assert stored.matching_columns() is None


def test_the_stores_layers_are_the_spans_written_built_when_asked_for(tmp_path):
    """agreement_documents' `spans` (StoredLayers): per document, the annotators who finished
    it, each with exactly the spans written (a done layer with none is an empty list), built
    from the columns once, on first use."""
    docs, names = _corpus(5, 4, 60, 0.7, spans=9)
    _write(tmp_path / "a.db", docs, names)
    db = store.connect(tmp_path / "a.db")
    stored = agreement_documents(db)
    db.conn.close()
    written = [d for d in docs if d.spans]
    assert [d.external_id for d in stored] == [d.external_id for d in written]
    assert any(not layer for d in written for layer in d.spans.values())  # done, found nothing

    def key(s):
        return (s.token_start, s.token_end, s.start, s.end, s.label)

    for ours, theirs in zip(stored, written, strict=True):
        assert list(ours.spans) == sorted(theirs.spans) and len(ours.spans) == len(theirs.spans)
        for name in names:
            assert (name in ours.spans) == (name in theirs.spans)
            if name not in theirs.spans:
                with pytest.raises(KeyError):
                    ours.spans[name]
                assert ours.spans.get(name) is None
                continue
            layer = ours.spans[name]
            assert sorted(layer, key=key) == sorted(theirs.spans[name], key=key)
            assert ours.spans[name] is layer  # built once
        assert {n: sorted(v, key=key) for n, v in ours.spans.items()} == {
            n: sorted(v, key=key) for n, v in theirs.spans.items()
        }


def test_manual_only_figures_reuse_the_report_only_without_untouched_suggestions(tmp_path):
    docs, names = _corpus(31, 3, 30, 0.9)
    scheme = load_label_scheme()
    for name, every in (("plain.db", 0), ("suggested.db", 3)):
        _write(tmp_path / name, docs, names, suggestion_every=every)
        db = store.connect(tmp_path / name)
        report = build_agreement_report(db, scheme, bootstrap=50)
        recomputed = suggestion_figures(db, sorted(names), scheme.keys(), bootstrap=50)
        db.conn.close()
        assert report["suggestions"] == recomputed
        manual = report["suggestions"]["manual_only"]["krippendorff_alpha"]
        if every:
            assert manual != report["krippendorff_alpha"]  # the untouched ones left out
        else:
            assert manual == report["krippendorff_alpha"]
