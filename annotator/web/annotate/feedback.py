"""The annotator's side of the loop: the feedback view of a released document, and the question
threads of the document page (ask, reply, resolve; own layer only)."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from annotator.core.errors import AppError
from annotator.core.records import GOLD, Document
from annotator.services import comments, feedback
from annotator.store.releases import released_ids
from annotator.store.spans import list_spans
from annotator.web.annotate.views import layout_of, open_document, visible_spans
from annotator.web.auth import login_required
from annotator.web.db import get_db, labels
from annotator.web.html.text import SpanRange, excerpt, label_css, render_text
from annotator.web.responses import fragment_with_trigger
from annotator.web.words import feedback_badges, feedback_names, format_figure

bp = Blueprint("feedback_pages", __name__)

QUESTIONS_CHANGED = "questionsChanged"


def _threads_context(db, document: Document) -> dict:
    threads = comments.threads_on(db, g.user, document.id)
    return {
        "document": document,
        "threads": threads,
        "user_name": g.user.name,
        "open_count": sum(1 for cs in threads.values() if not all(c.resolved for c in cs)),
        "spans_by_id": {s.id: s for s in list_spans(db, document.id)},
        "thread_excerpt": lambda s, e: excerpt(document.text, s, e),
        "scheme": labels(),
        "label_index": labels().index,
    }


def queue_feedback_context(db) -> dict:
    """The queue's loop figures: P/R/F1 per label over released documents, open questions."""
    scores, count = feedback.queue_scores(db, labels(), g.user)
    released = released_ids(db)
    return {
        "feedback_scores": scores,
        "feedback_documents": count,
        "released": released,
        "open_questions": comments.open_questions(db, g.user),
        "fmt": format_figure,
        "label_index": labels().index,
        "scheme": labels(),
    }


def questions_context(db, document: Document) -> dict:
    """The document page's question region: threads about the user's own layer."""
    context = _threads_context(db, document)
    mine = {s.id for s in visible_spans(db, document.id)}
    # Span threads only for the user's own spans (a lead's page shows gold: none of theirs).
    context["spans_by_id"] = {k: v for k, v in context["spans_by_id"].items() if k in mine}
    return context


def _render_text(db, document: Document, spans) -> str:
    scheme = labels()
    return render_text(
        layout_of(db, document),
        [SpanRange(s.label, s.token_start, s.token_end) for s in spans],
        scheme.keys(),
        [label.name for label in scheme.labels],
    )


def places_context(db, document: Document) -> dict:
    """The feedback page's data: classes, missed gold spans, scores and threads."""
    result = feedback.feedback_for(db, labels(), g.user, document.id)
    context = _threads_context(db, document)
    context.update(
        feedback=result,
        release=result.release,
        class_names=feedback_names(),
        badge_names=feedback_badges(),
        fmt=format_figure,
    )
    return context


@bp.get("/documents/<int:document_id>/feedback")
@login_required
def feedback_page(document_id: int):
    """Own spans against gold of a released document (404 before release)."""
    db = get_db()
    document = open_document(db, document_id)
    context = places_context(db, document)
    return render_template(
        "feedback.html",
        own_html=_render_text(db, document, list_spans(db, document_id, g.user.name)),
        gold_html=_render_text(db, document, list_spans(db, document_id, GOLD)),
        # Two texts on one page: the highlight rules go to both blocks instead of the one #text.
        label_style=label_css([label.colour for label in labels().labels]).replace(
            "#text", ".fb-text"
        ),
        **context,
    )


@bp.get("/documents/<int:document_id>/questions")
@login_required
def questions(document_id: int):
    """The question region of the document page alone (refreshes on questionsChanged)."""
    db = get_db()
    return render_template(
        "_questions.html", **questions_context(db, open_document(db, document_id))
    )


def _region(db, document: Document):
    """The region the form asked for, with questionsChanged for the others."""
    if request.form.get("region") == "places":
        return fragment_with_trigger(
            "_feedback_places.html", QUESTIONS_CHANGED, **places_context(db, document)
        )
    return fragment_with_trigger(
        "_questions.html", QUESTIONS_CHANGED, **questions_context(db, document)
    )


@bp.post("/documents/<int:document_id>/questions")
@login_required
def ask(document_id: int):
    """Ask (or reply) on the thread of an own span (`span_id`) or of the document."""
    db = get_db()
    document = open_document(db, document_id)
    if g.user.role != "annotator":
        raise AppError("leads answer on the review page", 403)
    span_id = request.form.get("span_id")
    text = request.form.get("text")
    if span_id:
        comments.comment_on_span(db, g.user, span_id, text)
    else:
        comments.comment_on_document(db, g.user, document_id, text)
    return _region(db, document)


@bp.post("/documents/<int:document_id>/questions/resolve")
@login_required
def resolve(document_id: int):
    """Resolve the thread of an own span (`span_id`) or of the document."""
    db = get_db()
    document = open_document(db, document_id)
    if g.user.role != "annotator":
        raise AppError("leads resolve on the review page", 403)
    span_id = request.form.get("span_id")
    if span_id:
        comments.resolve_span_thread(db, g.user, span_id)
    else:
        comments.resolve_document_thread(db, g.user, document_id)
    return _region(db, document)
