"""Accounts: name rules, password hashing, API tokens, and logging in with its lockout rule."""

from __future__ import annotations

import functools
import hashlib
import math
import re
import secrets
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from annotator import store
from annotator.core.errors import AppError
from annotator.core.records import GOLD, User
from annotator.store import logins
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


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Failures allowed per user name and per client address within a sliding window.

    The address limit is higher because one institute's NAT may carry a whole class of
    annotators.
    """

    window: int = 15 * 60
    per_name: int = 5
    per_address: int = 20


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """The user on success; otherwise `retry_after` > 0 when locked out (no password checked)."""

    user: User | None
    retry_after: int = 0


def login_retry_after(db, name: str, address: str, now: float, limits: LoginLimits) -> int:
    """Seconds until this user name and address may try again (0: now)."""
    wait = 0.0
    for times, limit in (
        (logins.failure_times(db, username=name, since=now - limits.window), limits.per_name),
        (logins.failure_times(db, address=address, since=now - limits.window), limits.per_address),
    ):
        if len(times) >= limit:
            # Allowed again once so many failures have aged out that fewer than `limit` remain.
            wait = max(wait, times[len(times) - limit] + limits.window - now)
    return math.ceil(wait) if wait > 0 else 0


def attempt_login(
    db, name: str, password: str, address: str, now: float, limits: LoginLimits
) -> LoginAttempt:
    """Check a login against the lockout, then the password.

    The attempt is recorded as a failure in the same transaction as the lockout check, before
    the (slow) password check, so simultaneous attempts cannot all pass the check: at most
    `per_name` passwords are ever tried per window. A success forgets the name's failures.
    The same for names that do not exist.
    """
    with store.write_transaction(db):
        wait = login_retry_after(db, name, address, now, limits)
        if not wait:
            logins.record_failure(db, name, address, now, limits.window)
    if wait:
        return LoginAttempt(None, wait)
    user = authenticate(db, name, password)
    if user is not None:
        logins.clear_user(db, name)
    return LoginAttempt(user)
