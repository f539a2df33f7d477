"""The annotator's pages: the queue at `/`, the document page and its htmx fragments (GET only).

Actions that change spans or the status are in `actions`; what both show is built in `views`.
"""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from annotator.web.annotate.feedback import questions_context, queue_feedback_context
from annotator.web.annotate.views import (
    editor_context,
    is_quoted,
    next_undone,
    open_document,
    queue_rows,
    region_context,
    span_from_args,
    toolbar_context,
    visible_spans,
)
from annotator.web.assets import HTMX_SRI, HTMX_URL
from annotator.web.auth import login_required
from annotator.web.db import get_db, labels
from annotator.web.html.text import label_css
from annotator.web.review.progress import progress_context

bp = Blueprint("pages", __name__)


@bp.app_context_processor
def _assets() -> dict:
    return {"htmx_url": HTMX_URL, "htmx_sri": HTMX_SRI}


@bp.app_template_test("quoted")
def _quoted(text: str) -> bool:
    return is_quoted(text)


@bp.get("/")
@login_required
def index():
    """The annotator's queue; leads land on the progress grid, which says what needs them."""
    db = get_db()
    if g.user.role == "lead":
        return render_template("review/progress.html", **progress_context(db))
    rows = queue_rows(db, g.user.name)
    done = sum(r.status == "done" for r in rows)
    next_row = next_undone(rows, None)
    return render_template(
        "queue.html", rows=rows, done=done, next_row=next_row, **queue_feedback_context(db)
    )


@bp.get("/next")
@login_required
def next_document():
    """Go to the next undone document (the `n` key), or the queue when all are done."""
    after = request.args.get("after", type=int)
    if g.user.role == "lead":
        return redirect(url_for("pages.index"))
    row = next_undone(queue_rows(get_db(), g.user.name), after)
    return redirect(
        url_for("pages.document", document_id=row.id) if row else url_for("pages.index")
    )


@bp.get("/documents/<int:document_id>")
@login_required
def document(document_id: int):
    """The annotation page of one document."""
    db = get_db()
    doc = open_document(db, document_id)
    context = region_context(db, doc)
    context.update(toolbar_context(db, doc, len(context["spans"])))
    context.update(editor_context(doc, None))
    if g.user.role == "annotator":
        context.update(questions_context(db, doc))
    return render_template(
        "document.html",
        label_style=label_css([label.colour for label in labels().labels]),
        **context,
    )


@bp.get("/documents/<int:document_id>/text")
@login_required
def text_fragment(document_id: int):
    """The text region alone."""
    db = get_db()
    return render_template("_text.html", **region_context(db, open_document(db, document_id)))


@bp.get("/documents/<int:document_id>/spans")
@login_required
def spans_fragment(document_id: int):
    """The side list of spans alone."""
    db = get_db()
    return render_template("_spans.html", **region_context(db, open_document(db, document_id)))


@bp.get("/documents/<int:document_id>/toolbar")
@login_required
def toolbar_fragment(document_id: int):
    """Span count, status, undo and done buttons (refreshes on spansChanged/statusChanged)."""
    db = get_db()
    doc = open_document(db, document_id)
    return render_template(
        "_toolbar.html", **toolbar_context(db, doc, len(visible_spans(db, document_id)))
    )


@bp.get("/documents/<int:document_id>/editor")
@login_required
def editor_fragment(document_id: int):
    """The editor for `?span=ID`, or for the innermost span covering `?token=I`."""
    db = get_db()
    doc = open_document(db, document_id)
    chosen, here = span_from_args(visible_spans(db, document_id))
    return render_template("_editor.html", **editor_context(doc, chosen, here))
