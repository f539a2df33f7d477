"""Who annotates what: the progress grid and assignment of documents to annotators.

Every change of assignment is audited; assigning the whole corpus is one transaction, so a
failure midway leaves every document as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotator import store
from annotator.core.errors import AppError
from annotator.core.records import GOLD, User
from annotator.store.agreement_data import annotator_names
from annotator.store.assignments import assign, assignees, unassign
from annotator.store.documents import list_documents
from annotator.store.events import record_event


@dataclass(frozen=True, slots=True)
class ProgressCell:
    status: str  # new | in_progress | done | unassigned
    spans: int
    assigned: bool


@dataclass(slots=True)
class ProgressRow:
    id: int
    external_id: str
    title: str
    everyone: bool  # no assignment rows: every annotator sees the document
    cells: dict[str, ProgressCell]
    gold_status: str
    gold_spans: int


@dataclass(frozen=True, slots=True)
class AnnotatorProgress:
    name: str
    assigned: int
    in_progress: int
    done: int
    spans: int

    @property
    def percent(self) -> float:
        """Done share of the assigned documents, 0 to 100."""
        return 100.0 * self.done / self.assigned if self.assigned else 0.0


def progress_table(
    documents: Sequence[tuple[int, str, str]],
    annotators: Sequence[str],
    statuses: dict[tuple[int, str], str],
    spans: dict[tuple[int, str], int],
    assignments: dict[int, list[str]],
    gold_statuses: dict[int, str],
) -> tuple[list[ProgressRow], list[AnnotatorProgress]]:
    """Documents x annotators with status and span counts, and the totals per annotator."""
    rows = []
    for document_id, external_id, title in documents:
        chosen = assignments.get(document_id)
        cells = {}
        for name in annotators:
            assigned = chosen is None or name in chosen
            status = statuses.get((document_id, name), "new") if assigned else "unassigned"
            cells[name] = ProgressCell(status, spans.get((document_id, name), 0), assigned)
        rows.append(
            ProgressRow(
                document_id,
                external_id,
                title,
                chosen is None,
                cells,
                gold_statuses.get(document_id, "not_started"),
                spans.get((document_id, GOLD), 0),
            )
        )
    totals = []
    for name in annotators:
        mine = [r.cells[name] for r in rows if r.cells[name].assigned]
        totals.append(
            AnnotatorProgress(
                name,
                len(mine),
                sum(c.status == "in_progress" for c in mine),
                sum(c.status == "done" for c in mine),
                sum(c.spans for c in mine),
            )
        )
    return rows, totals


def round_robin(document_ids: Sequence[int], annotators: Sequence[str], n: int) -> dict:
    """Each document to `n` annotators, taking turns so that the load differs by at most one."""
    if not annotators:
        raise AppError("there are no annotators to assign")
    if not 1 <= n <= len(annotators):
        raise AppError(f"annotators per document must be from 1 to {len(annotators)}")
    result = {}
    for k, document_id in enumerate(document_ids):
        result[document_id] = sorted(annotators[(k * n + j) % len(annotators)] for j in range(n))
    return result


def set_assignment(db, user: User, document_id: int, annotators: Sequence[str] | None) -> bool:
    """Assign a document to exactly `annotators` (None: everyone); audited; whether it changed."""
    with store.write_transaction(db):
        store.get_document(db, document_id)
        before = assignees(db, document_id)
        after = sorted(set(annotators)) if annotators is not None else []
        if before == after:
            return False
        for name in set(before) - set(after):
            unassign(db, document_id, name)
        for name in set(after) - set(before):
            assign(db, document_id, name)
        record_event(
            db,
            user.name,
            "assign",
            "assignment",
            str(document_id),
            {"annotators": before or "everyone"},
            {"annotators": after or "everyone"},
            document_id,
        )
    return True


def assign_document(db, user: User, document_id: int, annotators: Sequence[str] | None) -> bool:
    """Assign one document to the named annotators (None: everyone), each checked to exist."""
    if annotators is not None:
        if not annotators:
            raise AppError("choose at least one annotator, or everyone")
        unknown = sorted(set(annotators) - set(annotator_names(db)))
        if unknown:
            raise AppError(f"unknown annotator {unknown[0]!r}")
    return set_assignment(db, user, document_id, annotators)


def assign_all(db, user: User, per_document: int | None) -> int:
    """Every document to everyone (`per_document` None) or to that many annotators in turn, in
    one transaction; how many documents changed."""
    with store.write_transaction(db):
        ids = [d.id for d in list_documents(db)]
        if per_document is None:
            plan = dict.fromkeys(ids)
        else:
            plan = round_robin(ids, annotator_names(db), per_document)
        return sum(
            set_assignment(db, user, document_id, names) for document_id, names in plan.items()
        )
