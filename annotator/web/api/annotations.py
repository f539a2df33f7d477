"""The JSON API (DESIGN section 6): the same domain functions as the pages.

Beyond the table of section 6: `GET /api/spans/<id>` (read one span, same rules as the list) and
`DELETE /api/spans/<id>?version=N` (delete only if unchanged since version N).

`GET /api/documents` answers annotators with their own status ("new" before they start, then
"in_progress" or "done"); leads get every document with `"status": null` and `"statuses"`, a map
annotator -> status of the annotators who started it.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from annotator.core.errors import AppError
from annotator.services import annotations
from annotator.store import assignments
from annotator.store.documents import get_tokens
from annotator.web.auth import login_required
from annotator.web.db import get_db, labels
from annotator.web.params import query_int

bp = Blueprint("api", __name__, url_prefix="/api")

CREATE_FIELDS = ("id", "label", "start", "end", "token_start", "token_end", "attributes", "note")
UPDATE_FIELDS = ("version", *CREATE_FIELDS[1:])
STATUS_FIELDS = ("status",)
NEW = "new"  # an annotator's status before their first span or status change


def json_body(allowed: tuple[str, ...]) -> dict[str, Any]:
    """The request's JSON object with only `allowed` keys; AppError 400 otherwise."""
    if request.mimetype != "application/json":
        raise AppError(
            f"Content-Type must be application/json, not {request.mimetype or 'none'!r}", 400
        )
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413 from werkzeug
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # bad UTF-8, bad JSON, absurd nesting
        raise AppError(f"malformed JSON body ({_short(exc)})") from exc
    if not isinstance(body, dict):
        raise AppError(f"the body must be a JSON object, not {_json_type(body)}")
    try:
        # JSON may spell lone surrogates (\ud800) that no UTF-8 column can store.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise AppError("the body holds text that is not valid Unicode (a lone surrogate)") from exc
    except RecursionError as exc:
        raise AppError("the body is nested too deeply") from exc
    for key in body:
        if key not in allowed:
            raise AppError(f"unknown field {_short(key)!r} (allowed: {', '.join(allowed)})")
    return body


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string" if isinstance(value, str) else "an array"


def _short(value: Any, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."


@bp.get("/me")
@login_required
def me():
    """Who the session or token belongs to."""
    return jsonify(name=g.user.name, role=g.user.role)


@bp.get("/documents")
@login_required
def documents():
    """The documents the user may open, with status (see the module docstring)."""
    db = get_db()
    if g.user.role == "lead":
        return jsonify(
            [
                {
                    "id": d.id,
                    "external_id": d.external_id,
                    "title": d.title,
                    "status": None,
                    "statuses": d.statuses,
                }
                for d in assignments.documents_with_statuses(db)
            ]
        )
    return jsonify(
        [
            {
                "id": d.id,
                "external_id": d.external_id,
                "title": d.title,
                "status": d.status or "new",
            }
            for d in assignments.documents_for_annotator(db, g.user.name)
        ]
    )


@bp.get("/documents/<int:document_id>")
@login_required
def document(document_id: int):
    """One document with its text and token offsets."""
    db = get_db()
    doc = annotations.reachable_document(db, g.user, document_id)
    return jsonify(
        id=doc.id,
        external_id=doc.external_id,
        title=doc.title,
        text=doc.text,
        tokens=get_tokens(db, doc.id).pairs(),
    )


@bp.get("/documents/<int:document_id>/spans")
@login_required
def document_spans(document_id: int):
    """Own spans (annotators) or any layer (leads, `?annotator=NAME` or all)."""
    spans = annotations.spans_for(get_db(), g.user, document_id, request.args.get("annotator"))
    return jsonify([s.api() for s in spans])


@bp.post("/documents/<int:document_id>/spans")
@login_required
def create_span(document_id: int):
    """201 with the stored, snapped span; 200 with the stored span for a known id."""
    body = json_body(CREATE_FIELDS)
    if "label" not in body and "id" not in body:
        raise AppError("field 'label' is required")
    data = annotations.SpanInput(**{"label": None, **body})
    span, created = annotations.create_span(
        get_db(), labels(), g.user, document_id, data, extent=annotations.CHOSEN_EXTENT
    )
    return jsonify(span.api()), 201 if created else 200


@bp.get("/spans/<span_id>")
@login_required
def span(span_id: str):
    """One span: the owner's, or any for leads (someone else's is 404 to an annotator)."""
    return jsonify(annotations.readable_span(get_db(), g.user, span_id).api())


@bp.patch("/spans/<span_id>")
@login_required
def update_span(span_id: str):
    """Change fields of an own span; `version` must be the stored one (else 409)."""
    body = json_body(UPDATE_FIELDS)
    span = annotations.update_span_fields(get_db(), labels(), g.user, span_id, body)
    return jsonify(span.api())


@bp.delete("/spans/<span_id>")
@login_required
def delete_span(span_id: str):
    """204; with `?version=N` only if the span is still at version N (else 409)."""
    version = query_int("version")
    annotations.delete_span_by_id(get_db(), g.user, span_id, version)
    return Response(status=204)


@bp.put("/documents/<int:document_id>/status")
@login_required
def document_status(document_id: int):
    """Mark the document in_progress or done for the calling annotator."""
    body = json_body(STATUS_FIELDS)
    if "status" not in body:
        raise AppError("field 'status' is required ('in_progress' or 'done')")
    status = annotations.set_document_status(get_db(), g.user, document_id, body["status"])
    return jsonify(id=document_id, status=status)
