"""Where a span came from: typed by hand, or accepted from a named suggestion source.

The API, the JSONL export, the import and the audit log all carry it as
`{"kind": "manual"}` or `{"kind": "suggestion", "source": NAME, "edited": bool}`.
"""

from __future__ import annotations

from typing import Any

MANUAL = "manual"
SUGGESTION = "suggestion"
MAX_SOURCE = 200


def manual_origin() -> dict[str, Any]:
    """The origin of a span typed by hand."""
    return {"kind": MANUAL}


def suggestion_origin(source: str, edited: bool = False) -> dict[str, Any]:
    """The origin of a span accepted from `source`."""
    return {"kind": SUGGESTION, "source": source, "edited": bool(edited)}


def checked_origin(value: Any, where: str = "origin") -> dict[str, Any]:
    """A valid origin from a client or a file; ValueError naming `where` and the field."""
    if not isinstance(value, dict):
        raise ValueError(f"{where}: must be an object")
    kind = value.get("kind")
    if kind == MANUAL:
        if set(value) != {"kind"}:
            raise ValueError(f"{where}: a manual origin has only 'kind'")
        return manual_origin()
    if kind != SUGGESTION:
        raise ValueError(f"{where}.kind: must be 'manual' or 'suggestion', not {kind!r}")
    unknown = set(value) - {"kind", "source", "edited"}
    if unknown:
        raise ValueError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    source = value.get("source")
    if not isinstance(source, str) or not 1 <= len(source) <= MAX_SOURCE:
        raise ValueError(f"{where}.source: must be a name of 1 to {MAX_SOURCE} characters")
    edited = value.get("edited", False)
    if not isinstance(edited, bool):
        raise ValueError(f"{where}.edited: must be true or false")
    return suggestion_origin(source, edited)


def is_typed_by_hand(origin: dict[str, Any] | None) -> bool:
    """Manual, or accepted and then edited: what the honest agreement counts."""
    return origin is None or origin.get("kind") != SUGGESTION or bool(origin.get("edited"))
