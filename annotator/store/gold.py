"""Gold status per document and the counts the lead's progress view needs."""

from __future__ import annotations

from collections import defaultdict

import sqlite_utils

from annotator.store.db import now

GOLD_STATUSES = ("not_started", "in_progress", "adjudicated")


def get_gold_status(db: sqlite_utils.Database, document_id: int) -> str:
    """not_started, in_progress or adjudicated (not_started when no row exists)."""
    row = db.conn.execute(
        "SELECT status FROM gold_status WHERE document_id = ?", [document_id]
    ).fetchone()
    return row[0] if row else "not_started"


def set_gold_status(db: sqlite_utils.Database, document_id: int, status: str) -> None:
    """Record the gold status of a document."""
    db.conn.execute(
        "INSERT INTO gold_status (document_id, status, updated) VALUES (?, ?, ?) "
        "ON CONFLICT (document_id) DO UPDATE SET status = excluded.status, "
        "updated = excluded.updated",
        [document_id, status, now()],
    )


def gold_statuses(db: sqlite_utils.Database) -> dict[int, str]:
    """Every document with a gold status row -> its status."""
    return dict(db.conn.execute("SELECT document_id, status FROM gold_status").fetchall())


def span_counts(db: sqlite_utils.Database) -> dict[tuple[int, str], int]:
    """(document_id, annotator) -> number of spans, gold included."""
    rows = db.conn.execute(
        "SELECT document_id, annotator, COUNT(*) FROM span GROUP BY document_id, annotator"
    )
    return {(d, a): n for d, a, n in rows.fetchall()}


def all_assignments(db: sqlite_utils.Database) -> dict[int, list[str]]:
    """document_id -> its assigned annotators, for documents with assignment rows."""
    result: dict[int, list[str]] = defaultdict(list)
    for document_id, annotator in db.conn.execute(
        "SELECT document_id, annotator FROM assignment ORDER BY document_id, annotator"
    ):
        result[document_id].append(annotator)
    return dict(result)


def span_decisions(db: sqlite_utils.Database, document_id: int) -> dict[str, str]:
    """The lead's latest decision (accept or reject) on each annotator span of a document."""
    rows = db.conn.execute(
        "SELECT entity_id, action FROM event WHERE document_id = ? AND entity = 'span' "
        "AND action IN ('accept', 'reject') ORDER BY id",
        [document_id],
    )
    return dict(rows.fetchall())
