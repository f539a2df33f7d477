"""The agreement report from the database: what `annotator agreement` and /api/agreement return."""

from __future__ import annotations

from collections.abc import Sequence

from annotator.agreement import agreement_report, score_against_gold
from annotator.errors import AppError
from annotator.labels import LabelScheme
from annotator.store.agreement_data import agreement_documents, annotator_names, gold_spans


def build_agreement_report(
    db,
    scheme: LabelScheme,
    annotators: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    *,
    bootstrap: int = 1000,
) -> dict:
    """DESIGN section 8's report over the annotators' done documents."""
    known = annotator_names(db)
    chosen = list(annotators) if annotators else known
    unknown = [a for a in chosen if a not in known]
    if unknown:
        raise AppError(f"unknown annotator {unknown[0]!r} (annotators: {', '.join(known)})")
    chosen_labels = list(labels) if labels else scheme.keys()
    bad = [label for label in chosen_labels if scheme.get(label) is None]
    if bad:
        raise AppError(f"unknown label {bad[0]!r} (labels: {', '.join(scheme.keys())})")
    documents = agreement_documents(db, chosen)
    return agreement_report(documents, chosen, chosen_labels, bootstrap=bootstrap)


def build_gold_scores(db, scheme: LabelScheme, annotators: Sequence[str] | None = None) -> dict:
    """Each annotator against gold on the adjudicated documents."""
    chosen = list(annotators) if annotators else annotator_names(db)
    documents = agreement_documents(db, chosen)
    return score_against_gold(documents, chosen, scheme.keys(), gold_spans(db))
