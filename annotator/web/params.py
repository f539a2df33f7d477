"""Parameters every route parses the same way: bounded integers, flags, choices and lists of
names from the query, and the span-extent guard from a page's form."""

from __future__ import annotations

from flask import current_app, request

from annotator.core.errors import AppError
from annotator.services.annotations import ExtentCheck

SQLITE_INTEGER_MAX = 2**63 - 1  # row ids, versions and token indexes are SQLite integers


def query_int(
    name: str, default: int | None = None, *, low: int = 0, high: int = SQLITE_INTEGER_MAX
) -> int | None:
    """`?name=` as an integer from `low` to `high` (ASCII digits only: `isdigit` also accepts
    "²", which int() refuses), `default` when absent; AppError (400) naming it otherwise."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(high))):
        raise AppError(f"query parameter {name!r} must be an integer from {low} to {high}")
    value = int(raw)
    if not low <= value <= high:
        raise AppError(f"query parameter {name!r} must be an integer from {low} to {high}")
    return value


def unique(values) -> list[str]:
    """`values` without repeats, in their first order (a name given twice counts once)."""
    return list(dict.fromkeys(values))


def query_flag(name: str) -> bool:
    """`?name=1` (or true) / `?name=0` (or false) as a bool, False when absent; AppError (400)
    naming it for anything else (a typo must not silently mean "no")."""
    raw = request.args.get(name)
    if raw is None:
        return False
    if raw.lower() in ("1", "true"):
        return True
    if raw.lower() in ("0", "false"):
        return False
    raise AppError(f"query parameter {name!r} must be 1 or 0")


def query_choice(name: str, choices: tuple[str, ...]) -> str | None:
    """`?name=` as one of `choices`, None when absent; AppError (400) naming it otherwise."""
    raw = request.args.get(name)
    if raw is None or raw in choices:
        return raw
    raise AppError(f"query parameter {name!r} must be one of {', '.join(choices)}")


def only_known_params(known: tuple[str, ...]) -> None:
    """AppError (400) naming the first query parameter that is not in `known`."""
    unknown = next((name for name in request.args if name not in known), None)
    if unknown is not None:
        raise AppError(f"unknown query parameter {unknown!r} (known: {', '.join(known)})")


def page_extent_check() -> ExtentCheck:
    """The overshoot guard with the configured limit (SPAN_CONFIRM_TOKENS) and the form's
    `confirmed=1`."""
    return ExtentCheck(
        current_app.config["SPAN_CONFIRM_TOKENS"], request.form.get("confirmed") == "1"
    )
