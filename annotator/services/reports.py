"""The agreement report from the database: what `annotator agreement` and /api/agreement return."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotator.agreement.alpha_u import unitizing_report
from annotator.agreement.report import agreement_report, score_against_gold
from annotator.core.errors import AppError
from annotator.core.labels import LabelScheme
from annotator.core.records import AgreementDocument
from annotator.store.agreement_data import agreement_documents, annotator_names, gold_spans


def build_agreement_report(
    db,
    scheme: LabelScheme,
    annotators: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    *,
    bootstrap: int = 1000,
    gamma: bool = False,
    gamma_samples: int = 30,
    all_pairs: bool = False,
) -> dict:
    """DESIGN section 8's report over the annotators' done documents, with `alpha_u` (and
    `gamma` when asked: it costs seconds on a large corpus); past CROWD_ANNOTATORS annotators
    the pairs are summarised under `pair_summary` unless `all_pairs`."""
    chosen, chosen_labels = _checked(db, scheme, annotators, labels)
    documents = agreement_documents(db, chosen)
    return _report(documents, chosen, chosen_labels, bootstrap, gamma, gamma_samples, all_pairs)


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


def _report(
    documents, chosen, chosen_labels, bootstrap, gamma, gamma_samples, all_pairs=False
) -> dict:
    report = agreement_report(
        documents, chosen, chosen_labels, bootstrap=bootstrap, all_pairs=all_pairs
    )
    report["alpha_u"] = unitizing_report(documents, chosen, chosen_labels, all_pairs=all_pairs)
    if gamma:
        # scipy.optimize (the exact alignment) loads only when gamma is asked for.
        from annotator.agreement.gamma import gamma_report

        report["gamma"] = gamma_report(documents, chosen, chosen_labels, samples=gamma_samples)
    return report
