"""The suggestions API (issue 17): list, push, accept and reject suggestions.

`GET /api/documents/<id>/suggestions`: a lead always; an annotator only while a lead has
switched a source on (403 otherwise), and only the suggestions they have not decided on.
`POST /api/documents/<id>/suggestions`: a lead, or a service with an API token, pushes the
proposals of a source it runs itself.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify

from annotator.services import suggestions
from annotator.web.api.annotations import json_body
from annotator.web.auth import login_required
from annotator.web.db import get_db, labels

bp = Blueprint("suggestions_api", __name__, url_prefix="/api")

PUSH_FIELDS = ("source", "spans")


@bp.get("/documents/<int:document_id>/suggestions")
@login_required
def document_suggestions(document_id: int):
    """The suggestions the user may see on the document."""
    found = suggestions.suggestions_for(get_db(), g.user, document_id)
    return jsonify([s.api() for s in found])


@bp.post("/documents/<int:document_id>/suggestions")
@login_required
def push(document_id: int):
    """201 with the stored (snapped) suggestions."""
    body = json_body(PUSH_FIELDS)
    stored = suggestions.push_suggestions(
        get_db(), labels(), g.user, document_id, body, via_token=g.via_token
    )
    return jsonify([s.api() for s in stored]), 201


@bp.post("/suggestions/<int:suggestion_id>/accept")
@login_required
def accept(suggestion_id: int):
    """201 with the new span (origin: the suggestion's source)."""
    span = suggestions.accept_suggestion(get_db(), labels(), g.user, suggestion_id)
    return jsonify(span.api()), 201


@bp.post("/suggestions/<int:suggestion_id>/reject")
@login_required
def reject(suggestion_id: int):
    """204: the rejection is recorded."""
    suggestions.reject_suggestion(get_db(), g.user, suggestion_id)
    return Response(status=204)
