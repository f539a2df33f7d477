"""The append-only audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from annotator.store.db import now


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str
    document_id: int | None
    before: Any
    after: Any


def record_event(
    db: sqlite_utils.Database,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: Any,
    after: Any,
    document_id: int | None = None,
) -> None:
    """Append one event; the caller's transaction makes it atomic with the change."""
    db.conn.execute(
        "INSERT INTO event (at, actor, action, entity, entity_id, document_id, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            now(),
            actor,
            action,
            entity,
            str(entity_id),
            document_id,
            None if before is None else json.dumps(before, ensure_ascii=False),
            None if after is None else json.dumps(after, ensure_ascii=False),
        ],
    )


def list_events(
    db: sqlite_utils.Database, entity: str | None = None, entity_id: str | None = None
) -> list[Event]:
    """Events in order, optionally of one entity."""
    sql = "SELECT id, at, actor, action, entity, entity_id, document_id, before, after FROM event"
    clauses, args = [], []
    if entity is not None:
        clauses.append("entity = ?")
        args.append(entity)
    if entity_id is not None:
        clauses.append("entity_id = ?")
        args.append(str(entity_id))
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    rows = db.conn.execute(sql + " ORDER BY id", args).fetchall()
    return [
        Event(
            *r[:7],
            None if r[7] is None else json.loads(r[7]),
            None if r[8] is None else json.loads(r[8]),
        )
        for r in rows
    ]
