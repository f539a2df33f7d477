"""Feedback releases: which adjudicated documents a lead has opened to their annotators."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from annotator.store.db import now


@dataclass(frozen=True, slots=True)
class Release:
    document_id: int
    released_by: str
    note: str
    released: str


def get_release(db: sqlite_utils.Database, document_id: int) -> Release | None:
    """The document's release, if a lead released it and its gold is still adjudicated."""
    row = db.conn.execute(
        "SELECT r.document_id, r.released_by, r.note, r.released FROM feedback_release r "
        "JOIN gold_status g ON g.document_id = r.document_id AND g.status = 'adjudicated' "
        "WHERE r.document_id = ?",
        [document_id],
    ).fetchone()
    return Release(*row) if row else None


def set_release(db: sqlite_utils.Database, document_id: int, lead: str, note: str) -> None:
    """Release (or release again, with a new note) one document's feedback."""
    db.conn.execute(
        "INSERT INTO feedback_release (document_id, released_by, note, released) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (document_id) DO UPDATE SET "
        "released_by = excluded.released_by, note = excluded.note, released = excluded.released",
        [document_id, lead, note, now()],
    )


def released_ids(db: sqlite_utils.Database) -> set[int]:
    """Every released document whose gold is still adjudicated."""
    rows = db.conn.execute(
        "SELECT r.document_id FROM feedback_release r JOIN gold_status g "
        "ON g.document_id = r.document_id AND g.status = 'adjudicated'"
    )
    return {r[0] for r in rows.fetchall()}


def unreleased_adjudicated(db: sqlite_utils.Database) -> list[int]:
    """Adjudicated documents not released yet, by id."""
    rows = db.conn.execute(
        "SELECT document_id FROM gold_status WHERE status = 'adjudicated' "
        "AND document_id NOT IN (SELECT document_id FROM feedback_release) ORDER BY document_id"
    )
    return [r[0] for r in rows.fetchall()]
