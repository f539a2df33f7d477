"""The label scheme version the database works under, and the labels it last saw."""

from __future__ import annotations

import sqlite_utils

from annotator.store.db import now

# The version stored spans and statuses get: the recorded scheme's, 1 before any was recorded.
CURRENT_VERSION_SQL = "COALESCE((SELECT version FROM label_scheme_state WHERE id = 1), 1)"


def recorded_scheme(db: sqlite_utils.Database) -> tuple[int, str] | None:
    """(version, labels fingerprint) of the scheme last recorded, or None."""
    row = db.conn.execute("SELECT version, labels FROM label_scheme_state WHERE id = 1").fetchone()
    return (row[0], row[1]) if row else None


def current_scheme_version(db: sqlite_utils.Database) -> int:
    """The scheme version new spans and statuses are recorded under."""
    return db.conn.execute(f"SELECT {CURRENT_VERSION_SQL}").fetchone()[0]


def record_scheme(db: sqlite_utils.Database, version: int, fingerprint: str) -> None:
    """Remember `version` and its labels as the database's current scheme."""
    db.conn.execute(
        "INSERT INTO label_scheme_state (id, version, labels, recorded) VALUES (1, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET version = excluded.version, labels = excluded.labels, "
        "recorded = excluded.recorded",
        [version, fingerprint, now()],
    )


def outdated_done(db: sqlite_utils.Database, version: int) -> list[tuple[int, str]]:
    """(document_id, annotator) of done layers recorded under a version older than `version`."""
    rows = db.conn.execute(
        "SELECT document_id, annotator FROM document_status WHERE status = 'done' "
        "AND scheme_version < ? ORDER BY document_id, annotator",
        [version],
    )
    return [tuple(r) for r in rows.fetchall()]


def status_versions(db: sqlite_utils.Database) -> dict[tuple[int, str], int]:
    """(document_id, annotator) -> scheme version of every done status."""
    rows = db.conn.execute(
        "SELECT document_id, annotator, scheme_version FROM document_status WHERE status = 'done'"
    )
    return {(d, a): v for d, a, v in rows.fetchall()}
