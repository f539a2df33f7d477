"""Who annotates what: the progress grid and assignment of documents to annotators.

Every change of assignment is audited; assigning the whole corpus is one transaction, so a
failure midway leaves every document as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotator import store
from annotator.core.errors import AppError, NeedsConfirmation
from annotator.core.records import GOLD, User
from annotator.store.agreement_data import annotator_names
from annotator.store.assignments import assign, assignees, unassign
from annotator.store.documents import get_document, list_documents
from annotator.store.events import record_event
from annotator.store.gold import span_counts
from annotator.store.statuses import statuses


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


@dataclass(frozen=True, slots=True)
class HiddenWork:
    """A done layer that a reassignment would take out of its annotator's queue."""

    document_id: int
    document: str
    annotator: str
    spans: int

    def describe(self) -> str:
        """`document 1 (a.txt) from ben (6 spans)`."""
        spans = f"{self.spans} span{'' if self.spans == 1 else 's'}"
        return f"document {self.document_id} ({self.document}) from {self.annotator} ({spans})"


def hidden_done_work(db, plan: dict[int, Sequence[str] | None]) -> list[HiddenWork]:
    """The done layers that assigning as `plan` says (None: everyone) would hide."""
    everyone = annotator_names(db)
    status = statuses(db)
    counts = span_counts(db)
    hidden = []
    for document_id, names in plan.items():
        now = assignees(db, document_id) or everyone
        after = everyone if names is None else names
        for name in sorted(set(now) - set(after)):
            if status.get((document_id, name)) == "done":
                external_id = get_document(db, document_id).external_id
                hidden.append(
                    HiddenWork(document_id, external_id, name, counts.get((document_id, name), 0))
                )
    return hidden


def refuse_unconfirmed(hidden: list[HiddenWork], confirmed: bool) -> None:
    """Ask first (NeedsConfirmation naming each done layer) unless the lead confirmed."""
    if hidden and not confirmed:
        shown = "; ".join(h.describe() for h in hidden[:10])
        more = f"; and {len(hidden) - 10} more" if len(hidden) > 10 else ""
        raise NeedsConfirmation(
            f"This hides finished work from its annotators: {shown}{more}. Their spans stay "
            "stored, but the documents leave their queues."
        )


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


def assign_document(
    db,
    user: User,
    document_id: int,
    annotators: Sequence[str] | None,
    confirmed: bool = False,
) -> bool:
    """Assign one document to the named annotators (None: everyone), each checked to exist;
    taking it from an annotator who finished it needs `confirmed`."""
    if annotators is not None:
        if not annotators:
            raise AppError("choose at least one annotator, or everyone")
        unknown = sorted(set(annotators) - set(annotator_names(db)))
        if unknown:
            raise AppError(f"unknown annotator {unknown[0]!r}")
    with store.write_transaction(db):
        store.get_document(db, document_id)
        refuse_unconfirmed(hidden_done_work(db, {document_id: annotators}), confirmed)
        return set_assignment(db, user, document_id, annotators)


def assign_all(db, user: User, per_document: int | None, confirmed: bool = False) -> int:
    """Every document to everyone (`per_document` None) or to that many annotators in turn, in
    one transaction; how many documents changed. A plan that takes documents from annotators
    who finished them needs `confirmed`."""
    with store.write_transaction(db):
        ids = [d.id for d in list_documents(db)]
        if per_document is None:
            plan = dict.fromkeys(ids)
        else:
            plan = round_robin(ids, annotator_names(db), per_document)
        refuse_unconfirmed(hidden_done_work(db, plan), confirmed)
        return sum(
            set_assignment(db, user, document_id, names) for document_id, names in plan.items()
        )


@dataclass(frozen=True, slots=True)
class LeadTodo:
    """What needs the lead now: documents ready to adjudicate, annotators behind the others."""

    ready: list[ProgressRow]  # two or more annotators done, gold not adjudicated
    behind: list[AnnotatorProgress]  # fewer done than the annotator furthest ahead


def lead_todo(rows: list[ProgressRow], totals: list[AnnotatorProgress]) -> LeadTodo:
    """The lead's home list, from the progress grid."""
    ready = [
        r
        for r in rows
        if sum(c.status == "done" for c in r.cells.values()) >= 2 and r.gold_status != "adjudicated"
    ]
    ahead = max((t.done for t in totals), default=0)
    behind = sorted((t for t in totals if t.done < ahead), key=lambda t: t.done)
    return LeadTodo(ready, behind)
