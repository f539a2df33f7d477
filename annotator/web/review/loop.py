"""The lead's side of the loop: releasing feedback (one document or all adjudicated ones),
answering and resolving question threads in the disagreement view, and reopening documents done
under an older label scheme version."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask_babel import gettext, ngettext

from annotator.core.records import Document
from annotator.services import comments, feedback, scheme_versions
from annotator.store.documents import get_document
from annotator.store.releases import get_release, unreleased_adjudicated
from annotator.store.scheme_versions import current_scheme_version
from annotator.store.spans import list_spans
from annotator.store.statuses import get_gold_status
from annotator.web.auth import lead_required
from annotator.web.db import get_db, labels
from annotator.web.html.text import excerpt
from annotator.web.responses import fragment_with_trigger

bp = Blueprint("review_loop", __name__, url_prefix="/review")

QUESTIONS_CHANGED = "questionsChanged"
LOOP_CHANGED = "loopChanged"


def release_context(db, document: Document, message: str = "") -> dict:
    """The release box of the disagreement view."""
    return {
        "document": document,
        "gold_status": get_gold_status(db, document.id),
        "release": get_release(db, document.id),
        "release_message": message,
    }


def threads_context(db, document: Document, badges: bool = False) -> dict:
    """Every question thread on the document, by layer and span, for the lead to answer; with
    `badges`, the thread badges of the disagreement rows' spans too (out of band)."""
    threads = comments.threads_on(db, g.user, document.id)
    spans_by_id = {s.id: s for s in list_spans(db, document.id)}
    return {
        "document": document,
        "threads": threads,
        "open_count": sum(1 for cs in threads.values() if not all(c.resolved for c in cs)),
        "spans_by_id": spans_by_id,
        "badges": [spans_by_id[i] for _, i in threads if i in spans_by_id] if badges else [],
        "thread_excerpt": lambda s, e: excerpt(document.text, s, e),
        "scheme": labels(),
        "label_index": labels().index,
    }


def loop_context(db, message: str = "") -> dict:
    """The progress page's loop box: releasable documents, outdated layers, scheme version."""
    return {
        "unreleased": unreleased_adjudicated(db),
        "outdated": scheme_versions.outdated_layers(db),
        "scheme_version": current_scheme_version(db),
        "loop_message": message,
    }


@bp.get("/documents/<int:document_id>/release")
@lead_required
def release_box(document_id: int):
    """The release box alone (refreshes on goldChanged)."""
    db = get_db()
    return render_template(
        "review/_release.html", **release_context(db, get_document(db, document_id))
    )


@bp.post("/documents/<int:document_id>/release")
@lead_required
def release(document_id: int):
    """Release the document's feedback to its annotators, with an optional decision note."""
    db = get_db()
    document = get_document(db, document_id)
    feedback.release_document(db, g.user, document_id, request.form.get("note", ""))
    return fragment_with_trigger(
        "review/_release.html",
        LOOP_CHANGED,
        **release_context(db, document, gettext("feedback released to the annotators")),
    )


@bp.post("/release-all")
@lead_required
def release_all():
    """Release every adjudicated document not released yet."""
    db = get_db()
    ids = feedback.release_all(db, g.user)
    message = ngettext(
        "released feedback on %(num)d document", "released feedback on %(num)d documents", len(ids)
    )
    return fragment_with_trigger("review/_loop.html", LOOP_CHANGED, **loop_context(db, message))


@bp.post("/reopen-outdated")
@lead_required
def reopen_outdated():
    """Reopen, for re-annotation, every layer done under an older scheme version."""
    db = get_db()
    layers = scheme_versions.reopen_outdated(db, g.user)
    documents = len({d for d, _ in layers})
    message = " ".join(
        [
            ngettext("reopened %(num)d layer", "reopened %(num)d layers", len(layers)),
            ngettext("on %(num)d document", "on %(num)d documents", documents),
        ]
    )
    return fragment_with_trigger("review/_loop.html", LOOP_CHANGED, **loop_context(db, message))


@bp.get("/documents/<int:document_id>/threads")
@lead_required
def threads(document_id: int):
    """The question threads of the document alone (refreshes on questionsChanged)."""
    db = get_db()
    return render_template(
        "review/_threads.html", **threads_context(db, get_document(db, document_id))
    )


@bp.post("/documents/<int:document_id>/threads")
@lead_required
def answer(document_id: int):
    """Answer on a span thread (`span_id`) or an annotator's document thread (`annotator`)."""
    db = get_db()
    document = get_document(db, document_id)
    span_id = request.form.get("span_id")
    text = request.form.get("text")
    if span_id:
        comments.comment_on_span(db, g.user, span_id, text)
    else:
        comments.comment_on_document(db, g.user, document_id, text, request.form.get("annotator"))
    return fragment_with_trigger(
        "review/_threads.html", QUESTIONS_CHANGED, **threads_context(db, document, badges=True)
    )


@bp.post("/documents/<int:document_id>/threads/resolve")
@lead_required
def resolve(document_id: int):
    """Resolve a span thread (`span_id`) or an annotator's document thread (`annotator`)."""
    db = get_db()
    document = get_document(db, document_id)
    span_id = request.form.get("span_id")
    if span_id:
        comments.resolve_span_thread(db, g.user, span_id)
    else:
        comments.resolve_document_thread(db, g.user, document_id, request.form.get("annotator"))
    return fragment_with_trigger(
        "review/_threads.html", QUESTIONS_CHANGED, **threads_context(db, document, badges=True)
    )
