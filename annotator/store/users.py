"""Users, roles and hashed API tokens."""

from __future__ import annotations

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
        db.conn.execute(
            "INSERT INTO api_token (user_id, token_sha256, created) VALUES (?, ?, ?)",
            [user.id, token_sha256, now()],
        )
        record_event(db, actor, "token", "user", name, None, {"token": "created"})


def user_by_token(db: sqlite_utils.Database, token_sha256: str) -> User | None:
    """The user an API token hash belongs to, if any."""
    row = db.conn.execute(
        f"SELECT {', '.join('u.' + c.strip() for c in _COLUMNS.split(','))} "
        "FROM api_token t JOIN user u ON u.id = t.user_id WHERE t.token_sha256 = ?",
        [token_sha256],
    ).fetchone()
    return _user(row) if row else None


def _require(db: sqlite_utils.Database, name: str) -> User:
    user = get_user(db, name)
    if user is None or user.role == GOLD:
        raise StoreError(f"no user called {name!r}", 404)
    return user
