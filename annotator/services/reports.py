"""The agreement report from the database: what `annotator agreement` and /api/agreement return."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotator.agreement.alpha_u import unitizing_report
from annotator.agreement.over_time import (
    DEFAULT_BATCH_SIZE,
    DocumentHistory,
    agreement_by_batch,
    agreement_by_scheme_version,
    batch_drops,
)
from annotator.agreement.report import SubsetFigures, agreement_report, score_against_gold
from annotator.core.errors import AppError
from annotator.core.labels import LabelScheme
from annotator.core.records import STRATA, AgreementDocument, DocumentFilter, SpanData
from annotator.store.agreement_data import (
    agreement_documents,
    annotator_names,
    done_history,
    gold_documents,
    gold_spans,
    has_untouched_suggestions,
)
from annotator.store.documents import document_strata, filtered_document_ids
from annotator.store.suggestions import decision_counts, source_names, source_spans


def build_agreement_report(
    db,
    scheme: LabelScheme,
    annotators: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    *,
    bootstrap: int = 1000,
    gamma: bool = False,
    gamma_samples: int = 30,
    by: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    all_pairs: bool = False,
    gamma_workers: int = 1,
) -> dict:
    """DESIGN section 8's report over the annotators' done documents, with `alpha_u` (and
    `gamma` when asked: it costs seconds on a large corpus), `by_batch` and `by_scheme_version`,
    and `by_stratum` when `by` names a stratum (outlet, month, lang); past CROWD_ANNOTATORS
    annotators the pairs are summarised under `pair_summary` unless `all_pairs`. gamma's
    samples are aligned in `gamma_workers` forked processes (only from a single-threaded
    caller such as the CLI)."""
    chosen, chosen_labels = _checked(db, scheme, annotators, labels)
    documents = agreement_documents(db, chosen)
    report = _report(
        documents, chosen, chosen_labels, bootstrap, gamma, gamma_samples, all_pairs, gamma_workers
    )
    _add_history(db, report, documents, chosen, chosen_labels, bootstrap, batch_size)
    if by is not None:
        report["by_stratum"] = stratum_report(db, documents, by, chosen, chosen_labels, bootstrap)
    report["suggestions"] = suggestion_figures(
        db, chosen, chosen_labels, bootstrap=bootstrap, report=None if all_pairs else report
    )
    return report


def stratum_report(
    db,
    documents: Sequence[AgreementDocument],
    by: str,
    annotators: Sequence[str],
    labels: Sequence[str],
    bootstrap: int,
) -> dict:
    """Alpha (with its interval) and overlap F1 per value of the stratum `by` (outlet, month,
    lang), each over that value's documents: `{"by", "strata": [{"value", "documents", ...}]}`.
    A document whose value is unknown falls in the stratum of value None (listed last)."""
    if by not in STRATA:
        raise AppError(f"unknown stratum {by!r} (choose one of {', '.join(STRATA)})")
    value_of = document_strata(db, by)
    groups: dict[str | None, list[AgreementDocument]] = {}
    for document in documents:
        groups.setdefault(value_of.get(document.id), []).append(document)
    strata = []
    for value in sorted(groups, key=lambda v: (v is None, v or "")):
        subset = groups[value]
        report = agreement_report(subset, annotators, labels, bootstrap=bootstrap)
        if "pair_summary" in report:  # a crowd: its pairs are summarised, not listed
            overlap = report["pair_summary"]["distribution"]["f1_overlap"]
            mean, pairs = overlap["mean"], overlap["count"]
        else:
            pair_f1 = [p["f1_overlap"]["micro"] for p in report["pairs"] if p["documents"]]
            defined = [f for f in pair_f1 if f is not None]
            mean, pairs = (sum(defined) / len(defined) if defined else None), len(defined)
        strata.append(
            {
                "value": value,
                "documents": report["documents"],  # with at least two done annotators
                "documents_done": len(subset),  # with at least one
                "krippendorff_alpha": report["krippendorff_alpha"]["pooled"],
                "f1_overlap": {"mean": mean, "pairs": pairs},
            }
        )
    return {"by": by, "strata": strata}


def _add_history(db, report, documents, chosen, chosen_labels, bootstrap, batch_size) -> None:
    """The report's figures over time: per batch of finished documents, per scheme version."""
    if not isinstance(batch_size, int) or not 1 <= batch_size <= 100_000:
        raise AppError("batch size must be an integer from 1 to 100000")
    history = {
        d: DocumentHistory(finished, version)
        for d, (finished, version) in done_history(db, chosen).items()
    }
    args = (documents, chosen, chosen_labels, history)
    figures = SubsetFigures(documents, chosen, chosen_labels)  # one pass serves every batch
    report["batch_size"] = batch_size
    report["by_batch"] = agreement_by_batch(
        *args, batch_size=batch_size, bootstrap=bootstrap, figures=figures
    )
    report["batch_drops"] = batch_drops(report["by_batch"])
    report["by_scheme_version"] = agreement_by_scheme_version(
        *args, bootstrap=bootstrap, figures=figures
    )


def suggestion_figures(
    db,
    annotators: Sequence[str],
    labels: Sequence[str],
    *,
    bootstrap: int,
    report: dict | None = None,
) -> dict:
    """The report's `suggestions`: per annotator shown, accepted, edited, rejected, and the
    agreement (alpha, pairs) on spans typed by hand or edited after acceptance only. `report`,
    the agreement report of all spans (same annotators, labels and bootstrap, pairs not
    forced), is that agreement when no span was accepted untouched: nothing to recompute."""
    counts = decision_counts(db)
    empty = {"shown": 0, "accepted": 0, "edited": 0, "rejected": 0}
    by_annotator = {name: counts.get(name, dict(empty)) for name in annotators}
    if report is not None and not has_untouched_suggestions(db, annotators):
        manual = report
    else:
        typed = agreement_documents(db, annotators, typed_by_hand_only=True)
        manual = agreement_report(typed, annotators, labels, bootstrap=bootstrap)
    return {
        "by_annotator": by_annotator,
        "manual_only": {
            "krippendorff_alpha": manual["krippendorff_alpha"],
            "pairs": manual["pairs"],
        },
    }


def source_gold_scores(db, labels: Sequence[str]) -> dict[str, dict]:
    """Each suggestion source scored against adjudicated gold (exact and overlap P/R/F1 per
    label), on the adjudicated documents the source made suggestions for."""
    gold = gold_spans(db)
    if not gold:
        return {}
    scores = {}
    for source in source_names(db):
        by_document = source_spans(db, source)
        documents = [
            AgreementDocument(
                id=doc.id,
                external_id=doc.external_id,
                tokens=doc.tokens,
                spans={source: [SpanData(*row) for row in by_document.get(doc.id, [])]},
            )
            for doc in gold_documents(db, [d for d in gold if d in by_document])
        ]
        if documents:
            scores[source] = score_against_gold(documents, [source], labels, gold)["by_annotator"][
                0
            ]
    return scores


@dataclass(frozen=True, slots=True)
class DashboardFigures:
    """The report, the documents it was computed on, and the annotators scored against gold."""

    report: dict
    documents: list[AgreementDocument]
    gold_scores: dict
    strata: dict  # the report by stratum (stratum_report)


def dashboard_figures(
    db,
    scheme: LabelScheme,
    annotators: Sequence[str],
    labels: Sequence[str],
    *,
    bootstrap: int,
    chosen: DocumentFilter | None = None,
    by: str = "outlet",
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> DashboardFigures:
    """What the lead's dashboard shows for a filter (annotators, labels, documents by outlet,
    month and language), from one read of the corpus."""
    names, chosen_labels = _checked(db, scheme, annotators, labels)
    documents = agreement_documents(db, names)
    if chosen is not None and chosen.active:
        admitted = filtered_document_ids(db, chosen)
        documents = [d for d in documents if d.id in admitted]
    report = _report(documents, names, chosen_labels, bootstrap, False, 0)
    _add_history(db, report, documents, names, chosen_labels, bootstrap, batch_size)
    unfiltered = chosen is None or not chosen.active
    report["suggestions"] = suggestion_figures(
        db, names, chosen_labels, bootstrap=bootstrap, report=report if unfiltered else None
    )
    gold = score_against_gold(documents, names, chosen_labels, gold_spans(db))
    strata = stratum_report(db, documents, by, names, chosen_labels, bootstrap)
    return DashboardFigures(report, documents, gold, strata)


def _checked(db, scheme: LabelScheme, annotators, labels) -> tuple[list[str], list[str]]:
    """The chosen annotators and labels, each known (AppError naming the first that is not)."""
    known = annotator_names(db)
    # dict.fromkeys: a name (or label) given twice counts once; twice it broke the pair table
    chosen = list(dict.fromkeys(annotators)) if annotators else known
    unknown = [a for a in chosen if a not in known]
    if unknown:
        raise AppError(f"unknown annotator {unknown[0]!r} (annotators: {', '.join(known)})")
    chosen_labels = list(dict.fromkeys(labels)) if labels else scheme.keys()
    bad = [label for label in chosen_labels if scheme.get(label) is None]
    if bad:
        raise AppError(f"unknown label {bad[0]!r} (labels: {', '.join(scheme.keys())})")
    return chosen, chosen_labels


def _report(
    documents, chosen, chosen_labels, bootstrap, gamma, gamma_samples, all_pairs=False, workers=1
) -> dict:
    report = agreement_report(
        documents, chosen, chosen_labels, bootstrap=bootstrap, all_pairs=all_pairs
    )
    report["alpha_u"] = unitizing_report(documents, chosen, chosen_labels, all_pairs=all_pairs)
    if gamma:
        # scipy.optimize (the exact alignment) loads only when gamma is asked for.
        from annotator.agreement.gamma import gamma_report

        report["gamma"] = gamma_report(
            documents, chosen, chosen_labels, samples=gamma_samples, workers=workers
        )
    return report
