"""Failed logins per user name and per client address, for the login lockout."""

from __future__ import annotations

import sqlite_utils

from annotator.store.db import write_transaction

MAX_KEY = 128  # longer names/addresses are cut: an attacker cannot fill the disk with one row


def record_failure(
    db: sqlite_utils.Database, username: str, address: str, at: float, window: float
) -> None:
    """Record a failed login at `at` (epoch seconds); rows older than `window` are dropped."""
    with write_transaction(db):
        db.conn.execute("DELETE FROM login_failure WHERE at < ?", [at - window])
        db.conn.execute(
            "INSERT INTO login_failure (username, address, at) VALUES (?, ?, ?)",
            [username[:MAX_KEY], address[:MAX_KEY], at],
        )


def failure_times(
    db: sqlite_utils.Database,
    *,
    username: str | None = None,
    address: str | None = None,
    since: float,
) -> list[float]:
    """Times (oldest first) of failures since `since` for one user name or one address."""
    if (username is None) == (address is None):
        raise ValueError("give exactly one of username and address")
    column, key = ("username", username) if username is not None else ("address", address)
    rows = db.conn.execute(
        f"SELECT at FROM login_failure WHERE {column} = ? AND at >= ? ORDER BY at",
        [key[:MAX_KEY], since],
    ).fetchall()
    return [row[0] for row in rows]


def clear_user(db: sqlite_utils.Database, username: str) -> None:
    """Forget a user name's failures (after a successful login)."""
    with write_transaction(db):
        db.conn.execute("DELETE FROM login_failure WHERE username = ?", [username[:MAX_KEY]])
