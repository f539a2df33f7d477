"""Accounts: name rules, password hashing, API tokens, and logging in with its lockout rule."""

from __future__ import annotations

import functools
import hashlib
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from annotator import store
from annotator.core.errors import AppError
from annotator.core.records import GOLD, User
from annotator.store import logins
from annotator.store import users as user_store

# Matched with fullmatch: "$" also matches before a final "\n", which let "gold\n" through.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
# The most common passwords of at least 8 characters (from the published breach top lists,
# NCSC's 100,000 and SecLists' top 10,000): refused whatever else they satisfy.
COMMON_PASSWORDS = frozenset(
    """password password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword
    12345678 123456789 1234567890 12345678910 87654321 11111111 00000000 88888888 12341234
    11223344 123123123 qwertyui qwertyuiop qwerty123 qwerty12 1q2w3e4r 1q2w3e4r5t 1qaz2wsx
    zaq12wsx asdfghjk asdfghjkl iloveyou iloveyou1 sunshine princess football baseball
    welcome1 welcome123 letmein1 abcd1234 abc12345 abcdefgh trustno1 superman starwars
    whatever michelle jennifer computer internet passwort passwort1 hallo123 schatz123
    geheim123 changeme changeme1 administrator admin123 admin1234 secret123 monkey123
    dragon123 master123 liverpool chocolate""".split()
)


@functools.cache
def _dummy_hash() -> str:
    """Checked when the user does not exist, so a wrong name costs as much as a wrong password.

    Made on first use, not at import: an scrypt hash costs ~80 ms, which every CLI command and
    worker start would otherwise pay.
    """
    return generate_password_hash("not a password of anyone", method="scrypt")


def validate_name(name: str) -> str:
    """A user name: 1-64 of letters, digits, `_.-`, not the reserved `gold`."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise AppError("a user name is 1 to 64 letters, digits, '_', '.' or '-'")
    if name_key(name) == GOLD:
        raise AppError("the name 'gold' is reserved for the adjudicated layer")
    return name


def name_key(name: str) -> str:
    """What two names that look alike share: NFKC normalised and case-folded."""
    return unicodedata.normalize("NFKC", name).casefold()


def check_new_name(db, name: str) -> str:
    """`name` if valid and not a look-alike of an existing user (differing only by case or
    Unicode normalisation); AppError (409) naming the existing one otherwise."""
    validate_name(name)
    key = name_key(name)
    for existing in user_store.user_names(db):
        if existing != name and name_key(existing) == key:
            raise AppError(f"{name!r} is too like the existing user {existing!r}", 409)
    return name


def password_problem(password: str, name: str | None = None) -> str | None:
    """Why `password` is refused, or None: shorter than MIN_PASSWORD or longer than
    MAX_PASSWORD characters, whitespace only, the user's own name, or a common password."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        return f"a password has at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        # scrypt hashes any length, but a 100,000-character password is a way to burn CPU
        return f"a password has at most {MAX_PASSWORD} characters"
    if not password.strip():
        return "a password must not be only whitespace"
    folded = name_key(password.strip())
    if name is not None and name_key(name) in (folded, folded[::-1]):
        return "a password must not be the user's name"
    if folded in COMMON_PASSWORDS:
        return "that password is among the most common ones; choose another"
    return None


def hash_password(password: str, name: str | None = None) -> str:
    """A scrypt hash of `password`, if password_problem finds none (else AppError)."""
    problem = password_problem(password, name)
    if problem:
        raise AppError(problem)
    return generate_password_hash(password, method="scrypt")


def create_user(db, name: str, role: str, password: str | None, actor: str = "cli") -> User:
    """Add a user with an optional password (no password: API tokens or imports only)."""
    hashed = hash_password(password, name) if password is not None else None
    with store.write_transaction(db):
        return user_store.add_user(db, check_new_name(db, name), role, hashed, actor)


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
    """A new API token for `name` (an enabled user); only its hash is stored: shown once."""
    token = "ann_" + secrets.token_urlsafe(32)
    user_store.add_api_token(db, name, token_digest(token), actor)
    return token


def list_api_tokens(db, name: str) -> list[user_store.ApiToken]:
    """The API tokens of `name` (id, created, last used), never the tokens themselves."""
    return user_store.list_api_tokens(db, name)


def revoke_api_token(db, token_id: int, actor: str = "cli") -> user_store.ApiToken:
    """End one API token by its id (from list_api_tokens)."""
    return user_store.revoke_api_token(db, token_id, actor)


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
