"""The agreement report from the database: what `annotator agreement` and /api/agreement return."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotator.agreement.alpha_u import unitizing_report
from annotator.agreement.gamma import gamma_report
from annotator.agreement.over_time import (
    DEFAULT_BATCH_SIZE,
    DocumentHistory,
    agreement_by_batch,
    agreement_by_scheme_version,
    batch_drops,
)
from annotator.agreement.report import agreement_report, score_against_gold
from annotator.core.errors import AppError
from annotator.core.labels import LabelScheme
from annotator.core.records import AgreementDocument
from annotator.store.agreement_data import (
    agreement_documents,
    annotator_names,
    done_history,
    gold_spans,
)


def build_agreement_report(
    db,
    scheme: LabelScheme,
    annotators: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    *,
    bootstrap: int = 1000,
    gamma: bool = False,
    gamma_samples: int = 30,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> dict:
    """DESIGN section 8's report over the annotators' done documents, with `alpha_u` (and
    `gamma` when asked: it costs seconds on a large corpus), `by_batch` and `by_scheme_version`."""
    chosen, chosen_labels = _checked(db, scheme, annotators, labels)
    documents = agreement_documents(db, chosen)
    report = _report(documents, chosen, chosen_labels, bootstrap, gamma, gamma_samples)
    _add_history(db, report, documents, chosen, chosen_labels, bootstrap, batch_size)
    return report


def _add_history(db, report, documents, chosen, chosen_labels, bootstrap, batch_size) -> None:
    """The report's figures over time: per batch of finished documents, per scheme version."""
    if not isinstance(batch_size, int) or not 1 <= batch_size <= 100_000:
        raise AppError("batch size must be an integer from 1 to 100000")
    history = {
        d: DocumentHistory(finished, version)
        for d, (finished, version) in done_history(db, chosen).items()
    }
    args = (documents, chosen, chosen_labels, history)
    report["batch_size"] = batch_size
    report["by_batch"] = agreement_by_batch(*args, batch_size=batch_size, bootstrap=bootstrap)
    report["batch_drops"] = batch_drops(report["by_batch"])
    report["by_scheme_version"] = agreement_by_scheme_version(*args, bootstrap=bootstrap)


@dataclass(frozen=True, slots=True)
class DashboardFigures:
    """The report, the documents it was computed on, and the annotators scored against gold."""

    report: dict
    documents: list[AgreementDocument]
    gold_scores: dict


def dashboard_figures(
    db,
    scheme: LabelScheme,
    annotators: Sequence[str],
    labels: Sequence[str],
    *,
    bootstrap: int,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> DashboardFigures:
    """What the lead's dashboard shows for a filter, from one read of the corpus."""
    chosen, chosen_labels = _checked(db, scheme, annotators, labels)
    documents = agreement_documents(db, chosen)
    report = _report(documents, chosen, chosen_labels, bootstrap, False, 0)
    _add_history(db, report, documents, chosen, chosen_labels, bootstrap, batch_size)
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
