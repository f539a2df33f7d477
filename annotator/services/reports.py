"""The agreement report from the database: what `annotator agreement` and /api/agreement return."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotator.agreement.alpha_u import unitizing_report
from annotator.agreement.gamma import gamma_report
from annotator.agreement.report import agreement_report, score_against_gold
from annotator.core.errors import AppError
from annotator.core.labels import LabelScheme
from annotator.core.records import AgreementDocument, SpanData
from annotator.store.agreement_data import (
    agreement_documents,
    annotator_names,
    gold_documents,
    gold_spans,
)
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
) -> dict:
    """DESIGN section 8's report over the annotators' done documents, with `alpha_u` (and
    `gamma` when asked: it costs seconds on a large corpus)."""
    chosen, chosen_labels = _checked(db, scheme, annotators, labels)
    documents = agreement_documents(db, chosen)
    report = _report(documents, chosen, chosen_labels, bootstrap, gamma, gamma_samples)
    report["suggestions"] = suggestion_figures(db, chosen, chosen_labels, bootstrap=bootstrap)
    return report


def suggestion_figures(
    db, annotators: Sequence[str], labels: Sequence[str], *, bootstrap: int
) -> dict:
    """The report's `suggestions`: per annotator shown, accepted, edited, rejected, and the
    agreement (alpha, pairs) on spans typed by hand or edited after acceptance only."""
    counts = decision_counts(db)
    empty = {"shown": 0, "accepted": 0, "edited": 0, "rejected": 0}
    by_annotator = {name: counts.get(name, dict(empty)) for name in annotators}
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


def dashboard_figures(
    db, scheme: LabelScheme, annotators: Sequence[str], labels: Sequence[str], *, bootstrap: int
) -> DashboardFigures:
    """What the lead's dashboard shows for a filter, from one read of the corpus."""
    chosen, chosen_labels = _checked(db, scheme, annotators, labels)
    documents = agreement_documents(db, chosen)
    report = _report(documents, chosen, chosen_labels, bootstrap, False, 0)
    report["suggestions"] = suggestion_figures(db, chosen, chosen_labels, bootstrap=bootstrap)
    gold = score_against_gold(documents, chosen, chosen_labels, gold_spans(db))
    return DashboardFigures(report, documents, gold)


def _checked(db, scheme: LabelScheme, annotators, labels) -> tuple[list[str], list[str]]:
    """The chosen annotators and labels, each known (AppError naming the first that is not)."""
    known = annotator_names(db)
    chosen = list(annotators) if annotators else known
    unknown = [a for a in chosen if a not in known]
    if unknown:
        raise AppError(f"unknown annotator {unknown[0]!r} (annotators: {', '.join(known)})")
    chosen_labels = list(labels) if labels else scheme.keys()
    bad = [label for label in chosen_labels if scheme.get(label) is None]
    if bad:
        raise AppError(f"unknown label {bad[0]!r} (labels: {', '.join(scheme.keys())})")
    return chosen, chosen_labels


def _report(documents, chosen, chosen_labels, bootstrap, gamma, gamma_samples) -> dict:
    report = agreement_report(documents, chosen, chosen_labels, bootstrap=bootstrap)
    report["alpha_u"] = unitizing_report(documents, chosen, chosen_labels)
    if gamma:
        report["gamma"] = gamma_report(documents, chosen, chosen_labels, samples=gamma_samples)
    return report
