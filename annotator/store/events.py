"""The append-only audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

import sqlite_utils

from annotator.core.records import Span
from annotator.store.bulk import insert_values
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


_INSERT_INTO = (
    "INSERT INTO event (at, actor, action, entity, entity_id, document_id, before, after) VALUES"
)
_INSERT = f"{_INSERT_INTO} (?, ?, ?, ?, ?, ?, ?, ?)"


# json.dumps with a non-default option builds a new encoder on every call; an import writes an
# event per span.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _json(value: Any) -> str | None:
    return None if value is None else _ENCODE(value)


def record_encoded_event_values(db: sqlite_utils.Database, values: list) -> None:
    """Append many events at once, their fields as one flat list, eight a row: at, actor,
    action, entity, entity_id, document_id, before, after, before and after as JSON text
    already (or None) (the caller's transaction)."""
    insert_values(db, _INSERT_INTO, 8, values)


def record_event(
    db: sqlite_utils.Database,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: Any,
    after: Any,
    document_id: int | None = None,
) -> int:
    """Append one event (its id); the caller's transaction makes it atomic with the change."""
    cursor = db.conn.execute(
        _INSERT,
        [now(), actor, action, entity, str(entity_id), document_id, _json(before), _json(after)],
    )
    return cursor.lastrowid


_EVENT_COLUMNS = "id, at, actor, action, entity, entity_id, document_id, before, after"


def _event(row) -> Event:
    return Event(
        *row[:7],
        None if row[7] is None else json.loads(row[7]),
        None if row[8] is None else json.loads(row[8]),
    )


def get_event(db: sqlite_utils.Database, event_id: int) -> Event | None:
    """One event by id."""
    row = db.conn.execute(f"SELECT {_EVENT_COLUMNS} FROM event WHERE id = ?", [event_id])
    found = row.fetchone()
    return _event(found) if found else None


def last_event_id(
    db: sqlite_utils.Database, entity: str, entity_id: str, action: str | None = None
) -> int | None:
    """The id of the latest event of one entity (of one action, if given)."""
    sql = "SELECT MAX(id) FROM event WHERE entity = ? AND entity_id = ?"
    args: list[Any] = [entity, str(entity_id)]
    if action is not None:
        sql += " AND action = ?"
        args.append(action)
    return db.conn.execute(sql, args).fetchone()[0]


def list_events(
    db: sqlite_utils.Database, entity: str | None = None, entity_id: str | None = None
) -> list[Event]:
    """Events in order, optionally of one entity."""
    sql = f"SELECT {_EVENT_COLUMNS} FROM event"
    clauses, args = [], []
    if entity is not None:
        clauses.append("entity = ?")
        args.append(entity)
    if entity_id is not None:
        clauses.append("entity_id = ?")
        args.append(str(entity_id))
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    return [_event(r) for r in db.conn.execute(sql + " ORDER BY id", args).fetchall()]


# The fields that differ from span to span of a layer's `import` event, in its rows' order
# (store.imports.layer_import_event writes them).
LAYER_IMPORT_FIELDS = ("id", "label", "start", "end", "token_start", "token_end")


def layer_import_records(after: dict) -> list[dict]:
    """The span records of a layer `import` event's `after` (parsed), each as Span.record()
    gives it: what a `create` event per span would have held (store.imports writes them)."""
    shared = {k: v for k, v in after.items() if k not in ("fields", "labels", "spans")}
    fields, labels = after["fields"], after["labels"]
    records = []
    for row in after["spans"]:
        own = dict(zip(fields, row, strict=True))
        own["label"] = labels[own["label"]]
        records.append({key: own[key] if key in own else shared[key] for key in _RECORD_KEYS})
    return records


# Span.record()'s keys: the span's fields, in order.
_RECORD_KEYS = tuple(f.name for f in fields(Span))


def span_creations(db: sqlite_utils.Database) -> list[tuple[Event, dict]]:
    """Every span creation in the log, in order: each `create` event of a span with its
    record, and each span record of a layer's `import` event with that event (the whole log,
    read into memory: for audits and tests, not for a request)."""
    created = []
    for event in list_events(db):
        if event.entity == "span" and event.action == "create":
            created.append((event, event.after))
        elif event.entity == "layer" and event.action == "import":
            created += [(event, record) for record in layer_import_records(event.after)]
    return created
