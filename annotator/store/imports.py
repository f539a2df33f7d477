"""Bulk writes of imported spans and statuses, with their audit events (the import's fast path)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlite_utils

from annotator.store.db import now
from annotator.store.spans import Span
from annotator.store.users import GOLD

_SPAN_COLUMNS = (
    'id, document_id, annotator, label, start, "end", token_start, token_end, attributes, note, '
    "version, created, updated"
)


def layer_has_data(db: sqlite_utils.Database, document_id: int, annotator: str) -> bool:
    """Whether `annotator` (or gold) already has spans or a status on the document."""
    if annotator == GOLD:
        status_sql = "SELECT 1 FROM gold_status WHERE document_id = ? AND status != 'not_started'"
        args: list = [document_id]
    else:
        status_sql = "SELECT 1 FROM document_status WHERE document_id = ? AND annotator = ?"
        args = [document_id, annotator]
    row = db.conn.execute(
        f"SELECT EXISTS (SELECT 1 FROM span WHERE document_id = ? AND annotator = ?) "
        f"OR EXISTS ({status_sql})",
        [document_id, annotator, *args],
    ).fetchone()
    return bool(row[0])


def insert_spans(db: sqlite_utils.Database, spans: Sequence[Span], actor: str) -> None:
    """Insert snapped, merged spans with one `create` event each (the caller's transaction)."""
    if not spans:
        return
    stamp = now()
    for span in spans:
        span.created = span.created or stamp
        span.updated = span.updated or stamp
    db.conn.executemany(
        f"INSERT INTO span ({_SPAN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                s.id,
                s.document_id,
                s.annotator,
                s.label,
                s.start,
                s.end,
                s.token_start,
                s.token_end,
                json.dumps(s.attributes, ensure_ascii=False),
                s.note,
                s.version,
                s.created,
                s.updated,
            )
            for s in spans
        ],
    )
    db.conn.executemany(
        "INSERT INTO event (at, actor, action, entity, entity_id, document_id, before, after) "
        "VALUES (?, ?, 'create', 'span', ?, ?, NULL, ?)",
        [
            (stamp, actor, s.id, s.document_id, json.dumps(s.record(), ensure_ascii=False))
            for s in spans
        ],
    )
