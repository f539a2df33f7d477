"""Bulk writes of imported spans and statuses, with their audit events (the import's fast path)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

from annotator.store import spans as span_store
from annotator.store.events import record_events
from annotator.store.spans import Span
from annotator.store.users import GOLD


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
    span_store.insert_spans(db, spans)
    record_events(
        db,
        [
            (s.created, actor, "create", "span", s.id, s.document_id, None, s.record())
            for s in spans
        ],
    )
