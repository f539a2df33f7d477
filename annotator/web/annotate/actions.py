"""Page actions that change spans or the document status, answered with htmx fragments.

Each answer carries the text, the span list and the editor as out-of-band swaps (one round trip
from key press to highlight) and an `HX-Trigger` for the regions that refresh themselves.
"""

from __future__ import annotations

from dataclasses import replace

from flask import (
    Blueprint,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext

from annotator.core.errors import AppError
from annotator.core.records import Document, Span
from annotator.services.annotations import (
    SpanInput,
    create_span,
    delete_span_by_id,
    layer_of,
    readable_span,
    set_document_status,
    update_span_fields,
)
from annotator.services.undo import pop_undo, push_undo, undo_entry
from annotator.store.documents import get_tokens
from annotator.web.annotate.views import (
    change_message,
    changed_blocks_html,
    done_message,
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
from annotator.web.html.text import excerpt
from annotator.web.messages import shown_message
from annotator.web.params import page_extent_check
from annotator.web.responses import sent_version

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


def quietly_saved(span: Span):
    """An autosave's answer: the editor stays as it is (the user is typing in it); only its
    version field and the flash change, and the span list refreshes (spansChanged)."""
    body = render_template(
        "_autosaved.html", span=span, message=gettext("note and attributes saved")
    )
    response = make_response(body, 200)
    response.headers["HX-Trigger"] = SPANS_CHANGED
    return response


def _own_span_on(db, document_id: int, span_id: str) -> Span:
    span = readable_span(db, g.user, span_id)
    if span.document_id != document_id:
        raise AppError(f"span {span_id} not found", 404)
    return span


@bp.post("/documents/<int:document_id>/spans")
@login_required
def create(document_id: int):
    """Create a span from the selected token range (label, token_start, token_end; the note
    and `attr.*` fields too when a span gone elsewhere is added again)."""
    db = get_db()
    document = open_document(db, document_id)
    before = visible_spans(db, document_id)
    label = request.form.get("label", "")
    span, _ = create_span(
        db,
        labels(),
        g.user,
        document_id,
        SpanInput(
            label,
            token_start=_int_field("token_start"),
            token_end=_int_field("token_end"),
            attributes=typed_attributes(label) if "attrs" in request.form else None,
            note=request.form.get("note"),
        ),
        extent=page_extent_check(),
    )
    after = visible_spans(db, document_id)
    merged = _absorbed(before, after, span)
    session["undo"] = push_undo(db, undo_stack(), "create", span, merged)
    message = change_message("create", None, span, len(merged))
    return regions_response(db, document, before, after, span, message=message, status=201)


def typed_attributes(label: str) -> dict:
    """The editor's `attr.*` fields that the label has (the editor posts those of the label
    shown; a label change keeps only the new label's)."""
    definition = labels().get(label)
    return {
        name[5:]: value
        for name, value in request.form.items()
        if name.startswith("attr.") and definition and definition.attribute(name[5:])
    }


def typed_span(current: Span) -> Span:
    """`current` with the label, attributes and note the editor form sent."""
    label = request.form.get("label") or current.label
    if labels().get(label) is None:
        label = current.label
    return replace(
        current,
        label=label,
        note=request.form.get("note", current.note),
        attributes=typed_attributes(label) if "attrs" in request.form else current.attributes,
    )


def conflict_response(db, document: Document, span_id: str, error: AppError):
    """The editor in place, holding what the user typed beside the span's stored state (or,
    when it is gone, beside the spans now at its place), and the refusal in the flash."""
    theirs = next((s for s in visible_spans(db, document.id) if s.id == span_id), None)
    spans = visible_spans(db, document.id)
    if theirs is None:
        tokens = get_tokens(db, document.id)
        ts = min(max(_int_field("token_start"), 0), len(tokens) - 1)
        te = min(max(_int_field("token_end"), ts), len(tokens) - 1)
        blank = Span(
            span_id,
            document.id,
            layer_of(g.user),
            "",
            int(tokens.starts[ts]),
            int(tokens.ends[te]),
            ts,
            te,
            {},
            "",
            0,
        )
        mine = typed_span(replace(blank, label=labels().keys()[0]))
        context = editor_context(document, mine, spans_at(spans, ts))
        context["gone"] = True
    else:
        mine = replace(typed_span(theirs), version=theirs.version)
        mine = replace(
            mine, token_start=_int_field("token_start"), token_end=_int_field("token_end")
        )
        context = editor_context(document, mine, [])
        context["theirs"] = theirs
        context["theirs_excerpt"] = excerpt(document.text, theirs.start, theirs.end, 200)
    body = render_template(
        "_conflict.html", message=shown_message(error.message), flash_kind="error", **context
    )
    return make_response(body, 200)


@bp.post("/documents/<int:document_id>/spans/<span_id>")
@login_required
def update(document_id: int, span_id: str):
    """Change a span's label, attributes or note (form fields; `version` required)."""
    db = get_db()
    document = open_document(db, document_id)
    try:
        current = _own_span_on(db, document_id, span_id)
    except AppError as exc:
        if exc.status != 404 or "token_start" not in request.form:
            raise
        return conflict_response(db, document, span_id, exc)
    changes: dict = {"version": _int_field("version")}
    if "label" in request.form:
        changes["label"] = request.form.get("label") or current.label
    if "note" in request.form:
        changes["note"] = request.form["note"]
    if "token_start" in request.form or "token_end" in request.form:
        # new boundaries from the selection (the `b` key)
        changes["token_start"] = _int_field("token_start")
        changes["token_end"] = _int_field("token_end")
    if "attrs" in request.form:
        changes["attributes"] = typed_attributes(changes.get("label", current.label))
    before = visible_spans(db, document_id)
    try:
        span = update_span_fields(db, labels(), g.user, span_id, changes)
    except AppError as exc:
        if exc.status != 409 or "token_start" not in request.form:
            raise
        return conflict_response(db, document, span_id, exc)
    after = visible_spans(db, document_id)
    if request.form.get("autosave"):
        return quietly_saved(span)
    merged = _absorbed(before, after, span)
    session["undo"] = push_undo(db, undo_stack(), "update", span, merged)
    message = change_message("update", current.label, span, len(merged))
    return regions_response(db, document, before, after, span, message=message)


@bp.delete("/documents/<int:document_id>/spans/<span_id>")
@login_required
def delete(document_id: int, span_id: str):
    """Delete a span (the `X-Span-Version` header guards against deleting a newer state)."""
    db = get_db()
    document = open_document(db, document_id)
    _own_span_on(db, document_id, span_id)
    before = visible_spans(db, document_id)
    span = delete_span_by_id(db, g.user, span_id, sent_version())
    session["undo"] = push_undo(db, undo_stack(), "delete", span)
    after = visible_spans(db, document_id)
    return regions_response(db, document, before, after, message=gettext("deleted (u to undo)"))


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
    message = shown_message(message)
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
        flash(done_message(document, len(visible_spans(db, document_id)), row))
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
