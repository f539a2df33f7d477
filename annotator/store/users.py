"""Users, roles and hashed API tokens."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from annotator.core.records import GOLD, ROLES, User  # noqa: F401  (the store returns them)
from annotator.store.db import StoreError, now
from annotator.store.events import record_event

_COLUMNS = "id, name, role, password_hash, disabled, session_epoch, created"


def _user(row) -> User:
    return User(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6])


def get_user(db: sqlite_utils.Database, name: str) -> User | None:
    """The user called `name`, if any (gold included)."""
    row = db.conn.execute(f"SELECT {_COLUMNS} FROM user WHERE name = ?", [name]).fetchone()
    return _user(row) if row else None


def user_names(db: sqlite_utils.Database) -> list[str]:
    """Every user name, gold included."""
    return [row[0] for row in db.conn.execute("SELECT name FROM user").fetchall()]


def get_user_by_id(db: sqlite_utils.Database, user_id: int) -> User | None:
    """The user with this id, if any."""
    row = db.conn.execute(f"SELECT {_COLUMNS} FROM user WHERE id = ?", [user_id]).fetchone()
    return _user(row) if row else None


def list_users(db: sqlite_utils.Database, role: str | None = None) -> list[User]:
    """Real users (not gold), by name, optionally of one role."""
    sql = f"SELECT {_COLUMNS} FROM user WHERE role != 'gold'"
    args: list = []
    if role:
        sql += " AND role = ?"
        args.append(role)
    return [_user(r) for r in db.conn.execute(sql + " ORDER BY name", args).fetchall()]


def add_user(
    db: sqlite_utils.Database, name: str, role: str, password_hash: str | None, actor: str
) -> User:
    """Create a user; StoreError 409 if the name is taken."""
    if role not in ROLES:
        raise StoreError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    with db.atomic():
        if get_user(db, name) is not None:
            raise StoreError(f"user {name!r} already exists", 409)
        db.conn.execute(
            "INSERT INTO user (name, role, password_hash, created) VALUES (?, ?, ?, ?)",
            [name, role, password_hash, now()],
        )
        user = get_user(db, name)
        record_event(db, actor, "create", "user", name, None, user.public())
    return user


def ensure_annotator(db: sqlite_utils.Database, name: str, actor: str) -> User:
    """The user `name`, created as an annotator without password if missing (imports)."""
    user = get_user(db, name)
    return user if user is not None else add_user(db, name, "annotator", None, actor)


def set_password(db: sqlite_utils.Database, name: str, password_hash: str, actor: str) -> None:
    """Replace a user's password hash and end their sessions."""
    with db.atomic():
        before = _require(db, name)
        db.conn.execute(
            "UPDATE user SET password_hash = ?, session_epoch = session_epoch + 1 WHERE name = ?",
            [password_hash, name],
        )
        record_event(db, actor, "password", "user", name, before.public(), before.public())


def set_disabled(db: sqlite_utils.Database, name: str, disabled: bool, actor: str) -> User:
    """Disable (or enable) a user; disabling ends their sessions and API tokens' use."""
    with db.atomic():
        before = _require(db, name)
        db.conn.execute(
            "UPDATE user SET disabled = ?, session_epoch = session_epoch + 1 WHERE name = ?",
            [int(disabled), name],
        )
        after = get_user(db, name)
        record_event(
            db,
            actor,
            "disable" if disabled else "enable",
            "user",
            name,
            before.public(),
            after.public(),
        )
    return after


def bump_session_epoch(db: sqlite_utils.Database, name: str) -> None:
    """Invalidate every session of a user (logout everywhere)."""
    db.conn.execute("UPDATE user SET session_epoch = session_epoch + 1 WHERE name = ?", [name])


def add_api_token(db: sqlite_utils.Database, name: str, token_sha256: str, actor: str) -> None:
    """Store the hash of a new API token for `name`."""
    with db.atomic():
        user = _require(db, name)
        if user.disabled:
            raise StoreError(f"{name} is disabled; enable the user before making a token", 409)
        db.conn.execute(
            "INSERT INTO api_token (user_id, token_sha256, created) VALUES (?, ?, ?)",
            [user.id, token_sha256, now()],
        )
        record_event(db, actor, "token", "user", name, None, {"token": "created"})


def user_by_token(db: sqlite_utils.Database, token_sha256: str) -> User | None:
    """The user an API token hash belongs to, if any; notes the token's use (to the minute)."""
    row = db.conn.execute(
        f"SELECT {', '.join('u.' + c.strip() for c in _COLUMNS.split(','))}, t.id, t.last_used "
        "FROM api_token t JOIN user u ON u.id = t.user_id WHERE t.token_sha256 = ?",
        [token_sha256],
    ).fetchone()
    if row is None:
        return None
    stamp = now()
    # Written at most once a minute per token: a busy API client must not turn reads into writes.
    if row[-1] is None or row[-1][:16] != stamp[:16]:
        db.conn.execute("UPDATE api_token SET last_used = ? WHERE id = ?", [stamp, row[-2]])
    return _user(row[:-2])


@dataclass(frozen=True, slots=True)
class ApiToken:
    """One API token (its hash is never shown): id, owner, when made and last used."""

    id: int
    user: str
    created: str
    last_used: str | None


def list_api_tokens(db: sqlite_utils.Database, name: str) -> list[ApiToken]:
    """The API tokens of user `name`, oldest first; StoreError 404 for no such user."""
    user = _require(db, name)
    rows = db.conn.execute(
        "SELECT id, created, last_used FROM api_token WHERE user_id = ? ORDER BY id", [user.id]
    ).fetchall()
    return [ApiToken(r[0], name, r[1], r[2]) for r in rows]


def revoke_api_token(db: sqlite_utils.Database, token_id: int, actor: str) -> ApiToken:
    """Delete one API token by id (its user's sessions and other tokens stay); 404 if none."""
    with db.atomic():
        row = db.conn.execute(
            "SELECT t.id, u.name, t.created, t.last_used FROM api_token t "
            "JOIN user u ON u.id = t.user_id WHERE t.id = ?",
            [token_id],
        ).fetchone()
        if row is None:
            raise StoreError(f"no API token with id {token_id}", 404)
        db.conn.execute("DELETE FROM api_token WHERE id = ?", [token_id])
        record_event(db, actor, "token", "user", row[1], {"token": token_id}, {"token": "revoked"})
    return ApiToken(*row)


def _require(db: sqlite_utils.Database, name: str) -> User:
    user = get_user(db, name)
    if user is None or user.role == GOLD:
        raise StoreError(f"no user called {name!r}", 404)
    return user
