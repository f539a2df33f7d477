"""The lead's suggestions page (issue 17): sources on or off for annotators, a run of the
patterns, each source scored against gold, and agreement with and without accepted
suggestions."""

from __future__ import annotations

import os

from flask import Blueprint, g, render_template, request

from annotator.core.errors import AppError
from annotator.services import reports, suggestions
from annotator.store.agreement_data import annotator_names
from annotator.web.auth import lead_required
from annotator.web.db import get_db, labels
from annotator.web.responses import fragment_with_trigger

bp = Blueprint("suggestion_review", __name__, url_prefix="/review")

SOURCES_CHANGED = "suggestionSourcesChanged"


def sources_context(db) -> dict:
    """The sources table: on/off, counts and the gold scores of each source."""
    scheme = labels()
    return {
        "sources": suggestions.source_rows(db),
        "gold_scores": reports.source_gold_scores(db, scheme.keys()),
        "label_keys": scheme.keys(),
    }


@bp.get("/suggestions")
@lead_required
def page():
    """Sources, their scores against gold, and honest agreement."""
    db = get_db()
    names = annotator_names(db)
    figures = reports.suggestion_figures(db, names, labels().keys(), bootstrap=0)
    full = reports.build_agreement_report(db, labels(), bootstrap=0)
    return render_template(
        "review/suggestions.html",
        figures=figures,
        all_alpha=full["krippendorff_alpha"],
        **sources_context(db),
    )


@bp.post("/suggestions/switch")
@lead_required
def switch():
    """Switch one source on or off for the annotators (form fields `source`, `on`)."""
    db = get_db()
    on = request.form.get("on")
    if on not in ("0", "1"):
        raise AppError("field 'on' must be 0 or 1")
    suggestions.switch_source(db, g.user, request.form.get("source", ""), on == "1")
    return fragment_with_trigger("review/_sources.html", SOURCES_CHANGED, **sources_context(db))


@bp.post("/suggestions/run-patterns")
@lead_required
def run_patterns():
    """Run the pattern file over every document and store its suggestions."""
    from annotator.suggest.patterns import PatternFileError, load_patterns, suggest_with_patterns

    db = get_db()
    scheme = labels()
    try:
        pattern_set = load_patterns(os.environ.get("ANNOTATOR_PATTERNS"), scheme.keys())
    except PatternFileError as exc:
        raise AppError(str(exc)) from exc
    suggestions.run_source(
        db, scheme, suggestions.PATTERNS, lambda texts: suggest_with_patterns(texts, pattern_set)
    )
    return fragment_with_trigger("review/_sources.html", SOURCES_CHANGED, **sources_context(db))
