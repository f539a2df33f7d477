"""The lead's progress grid at /review: documents x annotators, totals, and assignment."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from annotator.core.errors import NeedsConfirmation
from annotator.services import assignments
from annotator.store.active_time import all_active_ms
from annotator.store.agreement_data import annotator_names
from annotator.store.assignments import documents_with_statuses
from annotator.store.comments import open_threads
from annotator.store.documents import count_waiting, document_facets
from annotator.store.gold import all_assignments, span_counts
from annotator.store.statuses import gold_statuses, statuses
from annotator.web.auth import lead_required
from annotator.web.db import get_db
from annotator.web.filters import document_filter
from annotator.web.messages import shown_message
from annotator.web.responses import fragment_with_trigger, int_field
from annotator.web.review import loop

bp = Blueprint("review", __name__, url_prefix="/review")

ASSIGNMENTS_CHANGED = "assignmentsChanged"


def progress_context(db) -> dict:
    """The progress grid (for the request's outlet, month and language filter), per-annotator
    totals and the assignment controls."""
    names = annotator_names(db)
    chosen = document_filter(request.args)
    shown = documents_with_statuses(db, chosen)
    documents = [(d.id, d.external_id, d.title) for d in shown]
    rows, totals = assignments.progress_table(
        documents, names, statuses(db), span_counts(db), all_assignments(db), gold_statuses(db)
    )
    return {
        "rows": rows,
        "totals": totals,
        "annotators": names,
        "articles": {d.id: d for d in shown},
        "doc_filter": chosen,
        "facets": document_facets(db),
        "waiting": count_waiting(db),
        "active_minutes": {key: ms / 60_000 for key, ms in all_active_ms(db).items()},
        "open_questions": open_threads(db),
        "todo": assignments.lead_todo(rows, totals),
    }


def _confirmed() -> bool:
    return request.form.get("confirmed") == "1"


def _ask(question: NeedsConfirmation):
    """The question in place of the grid: what would be hidden, to confirm or cancel."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k != "confirmed"]
    return render_template(
        "review/_assign_confirm.html",
        question=shown_message(question.message),
        fields=fields,
        action=request.full_path.rstrip("?"),  # the grid's document filter goes along
    )


@bp.get("")
@lead_required
def progress():
    """Documents x annotators: status, spans, minutes, questions, progress bars, assignment."""
    db = get_db()
    return render_template("review/progress.html", **progress_context(db), **loop.loop_context(db))


@bp.get("/progress")
@lead_required
def progress_fragment():
    """The progress grid alone (refreshes on assignmentsChanged)."""
    return render_template("review/_progress.html", **progress_context(get_db()))


@bp.get("/todo")
@lead_required
def todo_fragment():
    """What needs the lead alone (refreshes on assignmentsChanged)."""
    return render_template("review/_todo.html", **progress_context(get_db()))


@bp.get("/totals")
@lead_required
def totals_fragment():
    """The per-annotator progress bars alone (refreshes on assignmentsChanged)."""
    return render_template("review/_totals.html", **progress_context(get_db()))


@bp.post("/assignments/<int:document_id>")
@lead_required
def assign_document(document_id: int):
    """Assign one document to the checked annotators (`everyone=1`: to everyone)."""
    db = get_db()
    chosen = None if request.form.get("everyone") else request.form.getlist("annotator")
    try:
        assignments.assign_document(db, g.user, document_id, chosen, _confirmed())
    except NeedsConfirmation as question:
        return _ask(question)
    return fragment_with_trigger(
        "review/_progress.html", ASSIGNMENTS_CHANGED, **progress_context(db)
    )


@bp.post("/assignments")
@lead_required
def assign_all():
    """Everyone sees every document (`mode=everyone`), or `n` annotators per document in turn."""
    db = get_db()
    everyone = request.form.get("mode") == "everyone"
    per_document = None if everyone else int_field(request.form.get("n"), "n")
    try:
        assignments.assign_all(db, g.user, per_document, _confirmed())
    except NeedsConfirmation as question:
        return _ask(question)
    return fragment_with_trigger(
        "review/_progress.html", ASSIGNMENTS_CHANGED, **progress_context(db)
    )
