"""The JSON API of issue 15: feedback releases and feedback, question threads, active time.

- `POST /api/documents/<id>/release` (lead; optional `{"note"}`): 409 unless adjudicated.
- `GET /api/documents/<id>/feedback` (annotator): 404 before release, then own spans vs gold.
- `GET|POST /api/spans/<id>/comments`, `GET|POST /api/documents/<id>/comments` (`{"text"}`;
  a lead names the layer of a document thread with `"annotator"` or `?annotator=`), and
  `POST .../comments/resolve`.
- `PUT /api/documents/<id>/time` (annotator): `{"active_ms"}` increments.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from annotator.services import comments, feedback, timing
from annotator.web.api.annotations import json_body
from annotator.web.auth import lead_required, login_required
from annotator.web.db import get_db, labels

bp = Blueprint("feedback_api", __name__, url_prefix="/api")


def _optional_body(allowed: tuple[str, ...]) -> dict:
    """The JSON body, or {} when the request has none (a bare POST)."""
    return json_body(allowed) if request.get_data(cache=True) else {}


@bp.post("/documents/<int:document_id>/release")
@lead_required
def release(document_id: int):
    """Release an adjudicated document's feedback to its annotators."""
    body = _optional_body(("note",))
    done = feedback.release_document(get_db(), g.user, document_id, body.get("note"))
    return jsonify(document_id=document_id, released=done.released, note=done.note)


@bp.get("/documents/<int:document_id>/feedback")
@login_required
def document_feedback(document_id: int):
    """The caller's spans against gold on a released document (404 before release)."""
    return jsonify(feedback.feedback_for(get_db(), labels(), g.user, document_id).api())


@bp.get("/spans/<span_id>/comments")
@login_required
def span_comments(span_id: str):
    """The thread on a span the caller may read."""
    return jsonify([c.api() for c in comments.span_thread(get_db(), g.user, span_id)])


@bp.post("/spans/<span_id>/comments")
@login_required
def add_span_comment(span_id: str):
    """Ask or answer on a span's thread."""
    body = json_body(("text",))
    comment = comments.comment_on_span(get_db(), g.user, span_id, body.get("text"))
    return jsonify(comment.api()), 201


@bp.post("/spans/<span_id>/comments/resolve")
@login_required
def resolve_span_comments(span_id: str):
    """Resolve a span's thread."""
    count = comments.resolve_span_thread(get_db(), g.user, span_id)
    return jsonify(resolved=count)


@bp.get("/documents/<int:document_id>/comments")
@login_required
def document_comments(document_id: int):
    """The document threads the caller may read (a lead: `?annotator=NAME` or all)."""
    found = comments.document_thread(get_db(), g.user, document_id, request.args.get("annotator"))
    return jsonify([c.api() for c in found])


@bp.post("/documents/<int:document_id>/comments")
@login_required
def add_document_comment(document_id: int):
    """Ask or answer on a document thread."""
    body = json_body(("text", "annotator"))
    comment = comments.comment_on_document(
        get_db(), g.user, document_id, body.get("text"), body.get("annotator")
    )
    return jsonify(comment.api()), 201


@bp.post("/documents/<int:document_id>/comments/resolve")
@login_required
def resolve_document_comments(document_id: int):
    """Resolve a document thread."""
    body = _optional_body(("annotator",))
    count = comments.resolve_document_thread(get_db(), g.user, document_id, body.get("annotator"))
    return jsonify(resolved=count)


@bp.put("/documents/<int:document_id>/time")
@login_required
def document_time(document_id: int):
    """Add an active-time increment to the caller's layer of the document."""
    body = json_body(("active_ms",))
    return jsonify(timing.add_time(get_db(), g.user, document_id, body.get("active_ms")))
