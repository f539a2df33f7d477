"""Undo of the last page action on a document, in one transaction.

The caller keeps the undo stack (the web keeps it in the session: ids, versions and audit event
ids only, cookies are small). Undo restores exactly the audit events its entry recorded, and
only records of the user's own layer: a span id reused by another annotator (ids are chosen by
clients) is never what an undo brings back.
"""

from __future__ import annotations

from typing import Any

from annotator import store
from annotator.core.errors import AppError
from annotator.core.labels import LabelScheme
from annotator.core.records import Span, User
from annotator.services.annotations import (
    delete_span_by_id,
    layer_of,
    restore_span,
    update_span_fields,
)
from annotator.store.events import get_event, last_event_id
from annotator.store.spans import get_span

MAX_ENTRIES = 12

UndoStack = list[dict[str, Any]]


def push_undo(
    db, stack: UndoStack, op: str, span: Span, merged: list[str] | tuple[str, ...] = ()
) -> UndoStack:
    """The stack with a create, update or delete of `span` (and the spans it absorbed) on top."""
    entry = {
        "op": op,
        "doc": span.document_id,
        "id": span.id,
        "v": span.version,  # the version expected now (follows later undos)
        "e": last_event_id(db, "span", span.id),  # the audit event of this action
        "m": [[m, last_event_id(db, "span", m, "merge")] for m in merged],
    }
    return [*stack, entry][-MAX_ENTRIES:]


def can_undo(stack: UndoStack, document_id: int) -> bool:
    """Whether the stack holds an action on this document."""
    return any(entry["doc"] == document_id for entry in stack)


def pop_undo(stack: UndoStack, document_id: int) -> tuple[dict[str, Any], UndoStack]:
    """The last entry of this document and the stack without it (AppError when there is none).

    The caller stores the shorter stack before undoing: an entry whose undo fails (the span
    changed elsewhere) must not be tried again by the next press.
    """
    position = next(
        (i for i in range(len(stack) - 1, -1, -1) if stack[i]["doc"] == document_id), None
    )
    if position is None:
        raise AppError("nothing to undo")
    return stack[position], [*stack[:position], *stack[position + 1 :]]


def undo_entry(
    db, scheme: LabelScheme, user: User, entry: dict[str, Any], stack: UndoStack
) -> tuple[str, UndoStack]:
    """Reverse one popped entry in one transaction: what was undone, and the remaining stack
    with the versions its entries now expect."""
    stack = [dict(e) for e in stack]
    merged = [(m[0], m[1]) for m in entry.get("m", []) if isinstance(m, list)]
    with store.write_transaction(db):
        done = _reverse(db, scheme, user, entry)
        for _, event_id in merged:
            restore_span(db, scheme, user, _recorded(db, user, event_id, "merge"))
        # The span is back to its earlier content but under a new version number: the entry
        # below expects the version its own action left, so it learns the current one.
        for span_id in [entry["id"], *(m for m, _ in merged)]:
            span = get_span(db, span_id)
            below = next((e for e in reversed(stack) if e["id"] == span_id), None)
            if span is not None and below is not None:
                below["v"] = span.version
    return done, stack


def _reverse(db, scheme: LabelScheme, user: User, entry: dict[str, Any]) -> str:
    op = entry["op"]
    if op == "create":
        delete_span_by_id(db, user, entry["id"], entry["v"])
        return "creation undone"
    if op == "delete":
        restore_span(db, scheme, user, _recorded(db, user, entry["e"], "delete"))
        return "deletion undone"
    if op == "update":
        before = _recorded(db, user, entry["e"], "update")
        fields = {k: before[k] for k in ("label", "token_start", "token_end", "attributes", "note")}
        update_span_fields(db, scheme, user, entry["id"], {"version": entry["v"], **fields})
        return "change undone"
    raise AppError("nothing to undo")


def _recorded(db, user: User, event_id: int | None, action: str) -> dict[str, Any]:
    """The record before the audit event `event_id`, if it is that action on the user's layer."""
    event = get_event(db, event_id) if event_id is not None else None
    record = event.before if event is not None and event.action == action else None
    if not isinstance(record, dict) or record.get("annotator") != layer_of(user):
        raise AppError("the record to restore is gone", 409)
    return record
