"""Slow reports computed in the background: one row per key, shared by every worker process.

The row is also the lock: a job runs only for the request whose claim (one UPSERT) changed it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from annotator.store.db import now, write_transaction

RUNNING, DONE, ERROR = "running", "done", "error"


@dataclass(frozen=True, slots=True)
class CachedReport:
    """A report_cache row; `computed` is when the status was set (the start while running)."""

    key: str
    computed: str
    status: str
    result: Any
    error: str | None

    def started_before(self, seconds: float) -> bool:
        """True when the row's status is older than `seconds` (a running job presumed dead)."""
        return self.computed < _ago(seconds)


def _ago(seconds: float) -> str:
    # Same format as now(), so ISO strings compare in time order.
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat(timespec="microseconds")


def _row(row) -> CachedReport:
    key, computed, status, result, error = row
    return CachedReport(
        key, computed, status, None if result is None else json.loads(result), error
    )


def data_fingerprint(db: sqlite_utils.Database) -> str:
    """What changes whenever agreement input may change: the last event id and done statuses."""
    last_event = db.conn.execute("SELECT COALESCE(MAX(id), 0) FROM event").fetchone()[0]
    done = db.conn.execute("SELECT COUNT(*) FROM document_status WHERE status = 'done'").fetchone()[
        0
    ]
    return f"e{last_event}-d{done}"


def get_cached_report(db: sqlite_utils.Database, key: str) -> CachedReport | None:
    """The row of `key`, or None."""
    row = db.conn.execute(
        "SELECT key, computed, status, result, error FROM report_cache WHERE key = ?", [key]
    ).fetchone()
    return _row(row) if row else None


def latest_report(db: sqlite_utils.Database, prefix: str) -> CachedReport | None:
    """The most recently computed finished result whose key starts with `prefix`."""
    row = db.conn.execute(
        "SELECT key, computed, status, result, error FROM report_cache "
        "WHERE substr(key, 1, ?) = ? AND status = ? ORDER BY computed DESC LIMIT 1",
        [len(prefix), prefix, DONE],
    ).fetchone()
    return _row(row) if row else None


def claim_report(
    db: sqlite_utils.Database, key: str, *, stale_after: float, force: bool = False
) -> bool:
    """Mark `key` running; True if this call claimed it (the caller then runs the job).

    Refused while another job on the key runs and started less than `stale_after` seconds ago;
    a finished row (done or error) is replaced only when `force` (the recompute button).
    """
    # The UPSERT's WHERE decides atomically: two workers claiming at once cannot both win.
    with write_transaction(db):
        cursor = db.conn.execute(
            "INSERT INTO report_cache (key, computed, status) VALUES (?, ?, 'running') "
            "ON CONFLICT (key) DO UPDATE SET computed = excluded.computed, status = 'running', "
            "result = NULL, error = NULL "
            "WHERE (report_cache.status = 'running' AND report_cache.computed < ?) "
            "OR (report_cache.status != 'running' AND ?)",
            [key, now(), _ago(stale_after), int(force)],
        )
        return cursor.rowcount == 1


def finish_report(db: sqlite_utils.Database, key: str, result: Any, prefix: str = "") -> None:
    """Store the result of `key`; finished rows of other keys with `prefix` are dropped."""
    with write_transaction(db):
        db.conn.execute(
            "INSERT INTO report_cache (key, computed, status, result, error) "
            "VALUES (?, ?, 'done', ?, NULL) ON CONFLICT (key) DO UPDATE SET "
            "computed = excluded.computed, status = 'done', result = excluded.result, error = NULL",
            [key, now(), json.dumps(result)],
        )
        if prefix:
            # Results for older data of the same filter are never shown again but the newest.
            db.conn.execute(
                "DELETE FROM report_cache WHERE substr(key, 1, ?) = ? AND key != ? "
                "AND status != 'running'",
                [len(prefix), prefix, key],
            )


def fail_report(db: sqlite_utils.Database, key: str, error: str) -> None:
    """Store why the job of `key` failed (shown instead of the result; recompute retries)."""
    with write_transaction(db):
        db.conn.execute(
            "INSERT INTO report_cache (key, computed, status, result, error) "
            "VALUES (?, ?, 'error', NULL, ?) ON CONFLICT (key) DO UPDATE SET "
            "computed = excluded.computed, status = 'error', result = NULL, error = excluded.error",
            [key, now(), error],
        )


def fail_claim(db: sqlite_utils.Database, key: str, claimed: str, error: str) -> bool:
    """Store `error` for `key` only if it still holds the claim made at `claimed` (the row's
    `computed` while running): a job that died without a result, not a newer claim. True if
    stored."""
    with write_transaction(db):
        cursor = db.conn.execute(
            "UPDATE report_cache SET computed = ?, status = 'error', result = NULL, error = ? "
            "WHERE key = ? AND status = 'running' AND computed = ?",
            [now(), error, key, claimed],
        )
        return cursor.rowcount == 1
