"""Agreement over time: the report's figures per batch of documents in the order they were
finished, and per label scheme version, so that a lead sees whether a guideline change helped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from annotator.agreement.report import SubsetFigures
from annotator.core.records import AgreementDocument

DEFAULT_BATCH_SIZE = 10


@dataclass(frozen=True, slots=True)
class DocumentHistory:
    """When a document was finished (the last done mark of its annotators), under which
    scheme version (the oldest among its done layers: it is all under the new guidelines only
    once every layer is)."""

    finished: str
    scheme_version: int


def _compared(documents: Sequence[AgreementDocument], annotators: Sequence[str]):
    """The documents the alpha counts: at least two of the annotators done."""
    chosen = set(annotators)
    return [d for d in documents if len(chosen & set(d.spans)) >= 2]


def agreement_by_batch(
    documents: Sequence[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str],
    history: Mapping[int, DocumentHistory],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    bootstrap: int = 1000,
    seed: int = 20241,
    figures: SubsetFigures | None = None,
) -> list[dict]:
    """`[{"batch", "documents", "krippendorff_alpha", "ci95", "f1_overlap", "first_finished",
    "last_finished", "document_ids"}]`: consecutive batches of `batch_size` compared documents
    in the order they were finished (the last batch may be smaller). Each batch's figures are
    those of `agreement_report` on the batch; `figures` (of these documents) may be shared."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    ordered = sorted(
        (d for d in _compared(documents, annotators) if d.id in history),
        key=lambda d: (history[d.id].finished, d.id),
    )
    figures = figures or SubsetFigures(documents, annotators, labels)
    batches = []
    for number, first in enumerate(range(0, len(ordered), batch_size), start=1):
        chunk = ordered[first : first + batch_size]
        batches.append(
            {
                "batch": number,
                **figures.figures([d.id for d in chunk], bootstrap=bootstrap, seed=seed),
                "first_finished": history[chunk[0].id].finished,
                "last_finished": history[chunk[-1].id].finished,
                "document_ids": [d.id for d in chunk],
            }
        )
    return batches


def agreement_by_scheme_version(
    documents: Sequence[AgreementDocument],
    annotators: Sequence[str],
    labels: Sequence[str],
    history: Mapping[int, DocumentHistory],
    *,
    bootstrap: int = 1000,
    seed: int = 20241,
    figures: SubsetFigures | None = None,
) -> dict[str, dict]:
    """`{VERSION: {"documents", "krippendorff_alpha", "ci95", "f1_overlap"}}` (keys as strings,
    JSON object keys), oldest version first; `figures` (of these documents) may be shared."""
    groups: dict[int, list[AgreementDocument]] = {}
    for d in _compared(documents, annotators):
        if d.id in history:
            groups.setdefault(history[d.id].scheme_version, []).append(d)
    if not groups:
        return {}
    figures = figures or SubsetFigures(documents, annotators, labels)
    return {
        str(version): figures.figures(
            [d.id for d in groups[version]], bootstrap=bootstrap, seed=seed
        )
        for version in sorted(groups)
    }


def batch_drops(batches: Sequence[dict]) -> list[dict]:
    """Each batch whose alpha fell below the 95% interval of the batch before it."""
    drops = []
    for before, after in zip(batches, batches[1:], strict=False):
        ci, value = before["ci95"], after["krippendorff_alpha"]
        if ci is not None and value is not None and value < ci[0]:
            drops.append(
                {
                    "from_batch": before["batch"],
                    "to_batch": after["batch"],
                    "before": before["krippendorff_alpha"],
                    "ci95": ci,
                    "after": value,
                }
            )
    return drops
