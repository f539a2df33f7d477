"""Every status in one place: an annotator's status per document, and a document's gold status.

An annotator's layer is `in_progress` or `done` (no row: not started; a done layer with no spans
is data). The gold layer is `not_started`, `in_progress` or `adjudicated`.
"""

from __future__ import annotations

import sqlite_utils

from annotator.store.db import now
from annotator.store.scheme_versions import CURRENT_VERSION_SQL

STATUSES = ("in_progress", "done")  # what an annotator sets; imports may also set REJECTED
REJECTED = "rejected"  # a Prodigy `reject`: the annotator judged the task and rejected it
GOLD_STATUSES = ("not_started", "in_progress", "adjudicated")


def get_status(db: sqlite_utils.Database, document_id: int, annotator: str) -> str | None:
    """'in_progress', 'done' or None (not started) for one document and annotator."""
    row = db.conn.execute(
        "SELECT status FROM document_status WHERE document_id = ? AND annotator = ?",
        [document_id, annotator],
    ).fetchone()
    return row[0] if row else None


def set_status(db: sqlite_utils.Database, document_id: int, annotator: str, status: str) -> None:
    """Record an annotator's status on a document."""
    db.conn.execute(
        "INSERT INTO document_status (document_id, annotator, status, updated, scheme_version) "
        f"VALUES (?, ?, ?, ?, {CURRENT_VERSION_SQL}) "
        "ON CONFLICT (document_id, annotator) DO UPDATE SET status = excluded.status, "
        "updated = excluded.updated, scheme_version = excluded.scheme_version",
        [document_id, annotator, status, now()],
    )


def statuses(db: sqlite_utils.Database) -> dict[tuple[int, str], str]:
    """Every (document_id, annotator) -> status."""
    rows = db.conn.execute("SELECT document_id, annotator, status FROM document_status")
    return {(d, a): s for d, a, s in rows.fetchall()}


def document_statuses(db: sqlite_utils.Database, document_id: int) -> dict[str, str]:
    """annotator -> status on one document, for the annotators who started it."""
    rows = db.conn.execute(
        "SELECT annotator, status FROM document_status WHERE document_id = ?", [document_id]
    )
    return dict(rows.fetchall())


def done_annotators(db: sqlite_utils.Database, document_id: int) -> list[str]:
    """The annotators who marked the document done, by name."""
    rows = db.conn.execute(
        "SELECT annotator FROM document_status WHERE document_id = ? AND status = 'done' "
        "ORDER BY annotator",
        [document_id],
    )
    return [r[0] for r in rows.fetchall()]


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
