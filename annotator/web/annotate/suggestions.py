"""Page actions on suggestions (issue 17): accept (`a`, Enter) and reject (`x`), as htmx.

Accepting is a page action like typing a span: it goes on the session's undo stack, and the
answer re-renders the text blocks it changed.
"""

from __future__ import annotations

from flask import Blueprint, g, session
from flask_babel import gettext

from annotator.core.errors import AppError
from annotator.services.suggestions import accept_suggestion, reject_suggestion
from annotator.services.undo import push_undo
from annotator.store.suggestions import get_suggestion
from annotator.web.annotate.actions import _absorbed, regions_response
from annotator.web.annotate.views import open_document, undo_stack, visible_spans
from annotator.web.auth import login_required
from annotator.web.db import get_db, labels

bp = Blueprint("suggestion_actions", __name__)


def _on_document(db, document_id: int, suggestion_id: int):
    suggestion = get_suggestion(db, suggestion_id)
    if suggestion is None or suggestion.document_id != document_id:
        raise AppError(f"suggestion {suggestion_id} not found", 404)
    return suggestion


@bp.post("/documents/<int:document_id>/suggestions/<int:suggestion_id>/accept")
@login_required
def accept(document_id: int, suggestion_id: int):
    """The suggestion becomes a span of the user's layer (one undoable step)."""
    db = get_db()
    document = open_document(db, document_id)
    suggestion = _on_document(db, document_id, suggestion_id)
    before = visible_spans(db, document_id)
    span = accept_suggestion(db, labels(), g.user, suggestion_id)
    after = visible_spans(db, document_id)
    session["undo"] = push_undo(db, undo_stack(), "create", span, _absorbed(before, after, span))
    return regions_response(
        db,
        document,
        before,
        after,
        span,
        message=gettext("accepted (%(source)s; u to undo)", source=suggestion.source),
        status=201,
        also=[(suggestion.token_start, suggestion.token_end)],
    )


@bp.post("/documents/<int:document_id>/suggestions/<int:suggestion_id>/reject")
@login_required
def reject(document_id: int, suggestion_id: int):
    """The suggestion is recorded as rejected and disappears from the page."""
    db = get_db()
    document = open_document(db, document_id)
    suggestion = _on_document(db, document_id, suggestion_id)
    reject_suggestion(db, g.user, suggestion_id)
    spans = visible_spans(db, document_id)
    return regions_response(
        db,
        document,
        spans,
        spans,
        message=gettext("suggestion rejected"),
        also=[(suggestion.token_start, suggestion.token_end)],
    )
