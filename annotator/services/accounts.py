"""Accounts: name rules, password hashing, API tokens."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from annotator.core.errors import AppError
from annotator.core.records import GOLD, User
from annotator.store import users as user_store

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_PASSWORD = 8


@functools.cache
def _dummy_hash() -> str:
    """Checked when the user does not exist, so a wrong name costs as much as a wrong password.

    Made on first use, not at import: an scrypt hash costs ~80 ms, which every CLI command and
    worker start would otherwise pay.
    """
    return generate_password_hash("not a password of anyone", method="scrypt")


def validate_name(name: str) -> str:
    """A user name: 1-64 of letters, digits, `_.-`, not the reserved `gold`."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise AppError("a user name is 1 to 64 letters, digits, '_', '.' or '-'")
    if name.lower() == GOLD:
        raise AppError("the name 'gold' is reserved for the adjudicated layer")
    return name


def hash_password(password: str) -> str:
    """A scrypt hash of `password` (at least MIN_PASSWORD characters)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AppError(f"a password has at least {MIN_PASSWORD} characters")
    return generate_password_hash(password, method="scrypt")


def create_user(db, name: str, role: str, password: str | None, actor: str = "cli") -> User:
    """Add a user with an optional password (no password: API tokens or imports only)."""
    hashed = hash_password(password) if password is not None else None
    return user_store.add_user(db, validate_name(name), role, hashed, actor)


def authenticate(db, name: str, password: str) -> User | None:
    """The enabled user with this name and password, else None (same cost either way)."""
    user = user_store.get_user(db, name) if isinstance(name, str) else None
    stored = user.password_hash if user and user.password_hash else _dummy_hash()
    ok = check_password_hash(stored, password if isinstance(password, str) else "")
    if not ok or user is None or user.disabled or user.role == GOLD or not user.password_hash:
        return None
    return user


def new_password() -> str:
    """A random password that is easy to type."""
    return secrets.token_urlsafe(12)


def token_digest(token: str) -> str:
    """The stored form of an API token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(db, name: str, actor: str = "cli") -> str:
    """A new API token for `name`; only its hash is stored, so it is shown once."""
    token = "ann_" + secrets.token_urlsafe(32)
    user_store.add_api_token(db, name, token_digest(token), actor)
    return token


def user_for_token(db, token: str) -> User | None:
    """The enabled user an API token belongs to, if any."""
    if not isinstance(token, str) or not token.startswith("ann_") or len(token) > 200:
        return None
    user = user_store.user_by_token(db, token_digest(token))
    # Looked up by its SHA-256 digest: lookup timing says nothing about the token itself.
    if user is None or user.disabled:
        return None
    return user
