"""Undo of the last page action, per document, kept in the session.

The session holds only ids and versions (cookies are small); what to restore is read back from
the audit log, which keeps every record before and after each change.
"""

from __future__ import annotations

from typing import Any

from flask import session

from annotator.core.errors import AppError
from annotator.core.records import Span
from annotator.services.annotations import (
    delete_span_by_id,
    restore_span,
    update_span_fields,
)
from annotator.store.events import list_events
from annotator.store.spans import get_span

MAX_ENTRIES = 12


def _stack() -> list[dict[str, Any]]:
    return list(session.get("undo", []))


def push_undo(db, op: str, span: Span, merged: list[str] | tuple[str, ...] = ()) -> None:
    """Remember a create, update or delete of `span` (and the spans it absorbed)."""
    stack = _stack()
    events = list_events(db, "span", span.id)
    stack.append(
        {
            "op": op,
            "doc": span.document_id,
            "id": span.id,
            "v": span.version,  # the version expected now (follows later undos)
            "e": events[-1].id if events else None,  # the audit event of this action
            "m": list(merged),
        }
    )
    session["undo"] = stack[-MAX_ENTRIES:]


def can_undo(document_id: int) -> bool:
    """Whether the session has an action on this document to undo."""
    return any(entry["doc"] == document_id for entry in _stack())


def undo_last(db, scheme, user, document_id: int) -> str:
    """Reverse the last action on this document; a short description of what was undone."""
    stack = _stack()
    position = next(
        (i for i in range(len(stack) - 1, -1, -1) if stack[i]["doc"] == document_id), None
    )
    if position is None:
        raise AppError("nothing to undo")
    entry = stack.pop(position)
    # Dropped even when the undo fails (the span changed elsewhere): the message says why.
    session["undo"] = stack
    op = entry["op"]
    if op == "create":
        delete_span_by_id(db, user, entry["id"], entry["v"])
        done = "creation undone"
    elif op == "delete":
        restore_span(db, scheme, user, _last_record(db, entry["id"], "delete"))
        done = "deletion undone"
    elif op == "update":
        before = _before_update(db, entry["id"], entry["e"])
        update_span_fields(
            db,
            scheme,
            user,
            entry["id"],
            {
                "version": entry["v"],
                "label": before["label"],
                "token_start": before["token_start"],
                "token_end": before["token_end"],
                "attributes": before["attributes"],
                "note": before["note"],
            },
        )
        done = "change undone"
    else:  # pragma: no cover - only our own entries are in the session
        raise AppError("nothing to undo")
    for merged_id in entry.get("m", []):
        restore_span(db, scheme, user, _last_record(db, merged_id, "merge"))
    # The span is back to its earlier content but under a new version number: the entry below
    # expects the version its own action left, so it learns the current one.
    for span_id in [entry["id"], *entry.get("m", [])]:
        span = get_span(db, span_id)
        below = next((e for e in reversed(stack) if e["id"] == span_id), None)
        if span is not None and below is not None:
            below["v"] = span.version
    session["undo"] = stack
    return done


def _last_record(db, span_id: str, action: str) -> dict[str, Any]:
    for event in reversed(list_events(db, "span", span_id)):
        if event.action == action and event.before:
            return event.before
    raise AppError("the record to restore is gone", 409)


def _before_update(db, span_id: str, event_id: int | None) -> dict[str, Any]:
    for event in reversed(list_events(db, "span", span_id)):
        if event.id == event_id and event.action == "update":
            return event.before
    raise AppError("the change to undo is not in the log", 409)
