"""The document filters of the lead's grid and dashboard (outlet, month, language), read from
the query string and carried along in the htmx requests of those pages."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from annotator.core.records import STRATA, DocumentFilter

_MONTH = re.compile(r"^\d{4}-\d{2}$")
MAX_VALUE = 500  # longer than any outlet name; a longer value admits no document anyway


def document_filter(values: MultiDict) -> DocumentFilter:
    """The filter the request asks for; a blank, over-long or malformed value means any."""

    def value(name: str) -> str | None:
        raw = (values.get(name) or "").strip()
        return raw if raw and len(raw) <= MAX_VALUE else None

    month = value("month")
    return DocumentFilter(
        outlet=value("outlet"),
        month=month if month and _MONTH.match(month) else None,
        lang=value("lang"),
    )


def stratum(values: MultiDict, default: str = "outlet") -> str:
    """The stratum (`by`) the dashboard breaks agreement down by."""
    by = values.get("by")
    return by if by in STRATA else default
