"""Active time per (document, annotator) and the clock that keeps several tabs from adding up."""

from __future__ import annotations

import sqlite_utils


def last_report(db: sqlite_utils.Database, annotator: str) -> float | None:
    """When (seconds since the epoch) the annotator's last time report was credited."""
    row = db.conn.execute(
        "SELECT last_report FROM active_clock WHERE annotator = ?", [annotator]
    ).fetchone()
    return row[0] if row else None


def add_active_time(
    db: sqlite_utils.Database, document_id: int, annotator: str, ms: int, at: float
) -> int:
    """Add `ms` to the layer's time and move the annotator's clock to `at`; the new total."""
    db.conn.execute(
        "INSERT INTO active_clock (annotator, last_report) VALUES (?, ?) "
        "ON CONFLICT (annotator) DO UPDATE SET last_report = excluded.last_report",
        [annotator, at],
    )
    db.conn.execute(
        "INSERT INTO active_time (document_id, annotator, active_ms) VALUES (?, ?, ?) "
        "ON CONFLICT (document_id, annotator) DO UPDATE SET "
        "active_ms = active_ms + excluded.active_ms",
        [document_id, annotator, ms],
    )
    return active_ms(db, document_id, annotator)


def active_ms(db: sqlite_utils.Database, document_id: int, annotator: str) -> int:
    """The layer's active time in milliseconds (0 before any report)."""
    row = db.conn.execute(
        "SELECT active_ms FROM active_time WHERE document_id = ? AND annotator = ?",
        [document_id, annotator],
    ).fetchone()
    return row[0] if row else 0


def all_active_ms(db: sqlite_utils.Database) -> dict[tuple[int, str], int]:
    """(document_id, annotator) -> active milliseconds, for every layer with time."""
    rows = db.conn.execute("SELECT document_id, annotator, active_ms FROM active_time")
    return {(d, a): ms for d, a, ms in rows.fetchall()}
