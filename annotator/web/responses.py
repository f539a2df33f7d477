"""Answers shared by the htmx routes: a fragment with an HX-Trigger, form integers."""

from __future__ import annotations

from flask import make_response, render_template, request

from annotator.core.errors import AppError


def int_field(raw, name: str) -> int:
    """A form or query value as an integer, else a 400 naming the field."""
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise AppError(f"field {name!r} must be an integer") from None


def fragment_with_trigger(template: str, trigger: str, status: int = 200, **context):
    """A rendered fragment whose `HX-Trigger` tells the other regions to refresh."""
    response = make_response(render_template(template, **context), status)
    response.headers["HX-Trigger"] = trigger
    return response


def sent_version() -> int | None:
    """The span version a delete guards with: the `X-Span-Version` header (the page sends it
    there, so that nothing of the span lands in a URL), or `?version=N`; None when neither."""
    raw = request.headers.get("X-Span-Version", request.args.get("version"))
    return None if raw is None else int_field(raw, "version")
