"""Page actions that change spans or the document status, answered with htmx fragments.

Each answer carries the text, the span list and the editor as out-of-band swaps (one round trip
from key press to highlight) and an `HX-Trigger` for the regions that refresh themselves.
"""

from __future__ import annotations

from flask import Blueprint, g, make_response, redirect, render_template, request, session, url_for

from annotator.core.errors import AppError
from annotator.core.records import Document, Span
from annotator.services.annotations import (
    SpanInput,
    create_span,
    delete_span_by_id,
    readable_span,
    set_document_status,
    update_span_fields,
)
from annotator.services.undo import pop_undo, push_undo, undo_entry
from annotator.web.annotate.views import (
    changed_blocks_html,
    editor_context,
    next_undone,
    open_document,
    queue_rows,
    spans_at,
    toolbar_context,
    undo_stack,
    visible_spans,
)
from annotator.web.auth import login_required
from annotator.web.db import get_db, labels

bp = Blueprint("actions", __name__)

SPANS_CHANGED = "spansChanged"
STATUS_CHANGED = "statusChanged"


def _int_field(name: str, source=None) -> int:
    raw = (source or request.form).get(name, "")
    try:
        return int(raw)
    except ValueError:
        raise AppError(f"field {name!r} must be an integer") from None


def regions_response(
    db,
    document: Document,
    before: list[Span],
    after: list[Span],
    editing: Span | None = None,
    message: str = "",
    status: int = 200,
    also: list[tuple[int, int]] | None = None,
):
    """The changed text blocks, the editor and the flash as out-of-band swaps; spansChanged
    makes the span list and the toolbar refresh themselves."""
    here = spans_at(after, editing.token_start) if editing else []
    body = render_template(
        "_regions.html",
        message=message,
        blocks=changed_blocks_html(db, document, before, after, also),
        **editor_context(document, editing, here),
    )
    response = make_response(body, status)
    response.headers["HX-Trigger"] = SPANS_CHANGED
    return response


def _absorbed(before: list[Span], after: list[Span], span: Span) -> list[str]:
    """Ids of the spans the action merged into `span` (gone from the layer now)."""
    kept = {s.id for s in after}
    return sorted(s.id for s in before if s.id not in kept and s.id != span.id)


def _own_span_on(db, document_id: int, span_id: str) -> Span:
    span = readable_span(db, g.user, span_id)
    if span.document_id != document_id:
        raise AppError(f"span {span_id} not found", 404)
    return span


@bp.post("/documents/<int:document_id>/spans")
@login_required
def create(document_id: int):
    """Create a span from the selected token range (label, token_start, token_end)."""
    db = get_db()
    document = open_document(db, document_id)
    before = visible_spans(db, document_id)
    span, _ = create_span(
        db,
        labels(),
        g.user,
        document_id,
        SpanInput(
            request.form.get("label", ""),
            token_start=_int_field("token_start"),
            token_end=_int_field("token_end"),
        ),
    )
    after = visible_spans(db, document_id)
    session["undo"] = push_undo(db, undo_stack(), "create", span, _absorbed(before, after, span))
    return regions_response(db, document, before, after, span, status=201)


@bp.post("/documents/<int:document_id>/spans/<span_id>")
@login_required
def update(document_id: int, span_id: str):
    """Change a span's label, attributes or note (form fields; `version` required)."""
    db = get_db()
    document = open_document(db, document_id)
    current = _own_span_on(db, document_id, span_id)
    changes: dict = {"version": _int_field("version")}
    label = request.form.get("label") or current.label
    if "label" in request.form:
        changes["label"] = label
    if "note" in request.form:
        changes["note"] = request.form["note"]
    if "token_start" in request.form or "token_end" in request.form:
        # new boundaries from the selection (the `b` key)
        changes["token_start"] = _int_field("token_start")
        changes["token_end"] = _int_field("token_end")
    if "attrs" in request.form:
        # The editor posts every attribute field of the label shown; keep those of the label kept.
        definition = labels().get(label)
        changes["attributes"] = {
            name[5:]: value
            for name, value in request.form.items()
            if name.startswith("attr.") and definition and definition.attribute(name[5:])
        }
    before = visible_spans(db, document_id)
    span = update_span_fields(db, labels(), g.user, span_id, changes)
    after = visible_spans(db, document_id)
    session["undo"] = push_undo(db, undo_stack(), "update", span, _absorbed(before, after, span))
    return regions_response(db, document, before, after, span, message="saved")


@bp.delete("/documents/<int:document_id>/spans/<span_id>")
@login_required
def delete(document_id: int, span_id: str):
    """Delete a span (`?version=N` guards against deleting a newer state)."""
    db = get_db()
    document = open_document(db, document_id)
    _own_span_on(db, document_id, span_id)
    before = visible_spans(db, document_id)
    version = _int_field("version", request.args) if "version" in request.args else None
    span = delete_span_by_id(db, g.user, span_id, version)
    session["undo"] = push_undo(db, undo_stack(), "delete", span)
    after = visible_spans(db, document_id)
    return regions_response(db, document, before, after, message="deleted (u to undo)")


@bp.post("/documents/<int:document_id>/undo")
@login_required
def undo(document_id: int):
    """Undo the session's last action on this document."""
    db = get_db()
    document = open_document(db, document_id)
    before = visible_spans(db, document_id)
    entry, session["undo"] = pop_undo(undo_stack(), document_id)
    message, session["undo"] = undo_entry(db, labels(), g.user, entry, session["undo"])
    after = visible_spans(db, document_id)
    return regions_response(db, document, before, after, message=message)


@bp.post("/documents/<int:document_id>/status")
@login_required
def status(document_id: int):
    """Mark done (then go on to the next undone document) or reopen."""
    db = get_db()
    document = open_document(db, document_id)
    new_status = set_document_status(db, g.user, document_id, request.form.get("status"))
    if new_status == "done":
        row = next_undone(queue_rows(db, g.user.name), document_id)
        target = url_for("pages.document", document_id=row.id) if row else url_for("pages.index")
        if not request.headers.get("HX-Request"):
            return redirect(target)
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    response = make_response(
        render_template(
            "_toolbar.html", **toolbar_context(db, document, len(visible_spans(db, document_id)))
        )
    )
    response.headers["HX-Trigger"] = STATUS_CHANGED
    return response
