"""The lead's disagreement view and adjudication under /review/documents/<id>.

Actions answer with the flash, the gold editor and the rows they changed (`places`) as
out-of-band fragments and an `HX-Trigger` (`goldChanged`); every other region refreshes itself
on that event.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, g, render_template, request
from flask_babel import gettext, ngettext

from annotator.core.errors import AppError
from annotator.core.records import GOLD, Document, Span
from annotator.services import adjudication as review
from annotator.services.annotations import delete_span_by_id, update_span_fields
from annotator.services.comments import threads_on
from annotator.store.agreement_data import annotator_names
from annotator.store.db import database_identity
from annotator.store.documents import get_document, get_tokens
from annotator.store.gold import span_decisions
from annotator.store.spans import list_spans
from annotator.store.statuses import document_statuses, get_gold_status
from annotator.web.annotate.views import span_from_args
from annotator.web.auth import lead_required
from annotator.web.db import get_db, labels
from annotator.web.html.text import SpanRange, cached_token_pieces, excerpt, label_css, render_text
from annotator.web.params import page_extent_check, query_int, unique
from annotator.web.responses import fragment_with_trigger, int_field, sent_version
from annotator.web.review import loop, places
from annotator.web.words import gold_status_name, kind_names, relation_names

bp = Blueprint("adjudication", __name__, url_prefix="/review")

GOLD_CHANGED = "goldChanged"


# Disagreement view and adjudication ------------------------------------------------------------


def _chosen_labels() -> list[str]:
    """The ticked labels; every label when no filter was sent (a first page load)."""
    keys = labels().keys()
    chosen = unique(k for k in request.values.getlist("label") if k in keys)
    # The filter form sends `filter=1`: with every box unticked it then shows no label, rather
    # than every label under boxes that all look unticked.
    return chosen if chosen or request.values.get("filter") else keys


def _filter_counts(spans: list[Span], chosen: list[str]) -> dict:
    """How many of the spans the label filter shows, out of all."""
    return {"shown": sum(s.label in chosen for s in spans), "total": len(spans)}


# Each kind's symbol in the rows and their legend (never colour alone).
KIND_SYMBOLS = {
    "agree": "✓",
    "boundary": "↔",
    "label": "≠",
    "missing": "∅",
    "unpaired": "·",
    "gold": "★",
    "hidden": "⊘",
}


def rows_context(db, document: Document, chosen: list[str] | None = None) -> dict:
    """The aligned rows: one per run of overlapping spans, one column per annotator and gold;
    of the `chosen` labels (default: the filter's, sent with the request)."""
    names = annotator_names(db)
    status_of = document_statuses(db, document.id)
    layers = {name: list_spans(db, document.id, name) for name in names}
    shown = [n for n in names if n in status_of or layers[n]]
    done = [n for n in shown if status_of.get(n) == "done"]
    gold = list_spans(db, document.id, GOLD)
    classified = review.classify_spans({n: layers[n] for n in shown}, done, gold)
    chosen = _chosen_labels() if chosen is None else chosen
    scheme = labels()
    every_span = [s for n in shown for s in layers[n]] + gold
    tokens = get_tokens(db, document.id)
    return {
        "document": document,
        "layers": shown,
        "done": done,
        "status_of": status_of,
        "regions": review.regions(classified, gold, chosen),
        "span_counts": _filter_counts(every_span, chosen),
        "identical": len(review.identical_spans(classified, done)),
        "chosen_labels": chosen,
        "scheme": scheme,
        "label_index": scheme.index,
        "colour": {label.key: label.colour for label in scheme.labels},
        "excerpt": lambda s, e: excerpt(document.text, s, e, 120),
        "starts": tokens.starts,
        "ends": tokens.ends,
        "kind_names": kind_names(),
        "relation_names": relation_names(),
        "decisions": span_decisions(db, document.id),
        "threads": threads_on(db, g.user, document.id),
        "undecided": len(review.undecided_spans(db, document.id)),
        "page_size": PLACES_PER_PAGE,
        "symbols": KIND_SYMBOLS,
    }


# place rows rendered at once; the rest load as the lead scrolls (the first render of a long
# document then costs one page: bench/bench_review_view.py)
PLACES_PER_PAGE = 60


def gold_context(db, document: Document) -> dict:
    """The gold spans of the chosen labels (list and status); the text adds `gold_text_html`."""
    scheme = labels()
    chosen = _chosen_labels()
    every_gold = list_spans(db, document.id, GOLD)
    gold = [s for s in every_gold if s.label in chosen]
    return {
        "document": document,
        "gold": gold,
        "gold_counts": _filter_counts(every_gold, chosen),
        "gold_status": get_gold_status(db, document.id),
        "scheme": scheme,
        "label_index": scheme.index,
        "gold_excerpt": lambda s, e: excerpt(document.text, s, e),
    }


def gold_text_html(db, document: Document, gold: list[Span]):
    """The text with the given gold spans highlighted (one block: it is swapped whole)."""
    scheme = labels()
    tokens = get_tokens(db, document.id)
    pieces = cached_token_pieces(
        (database_identity(db), document.id), document.text, tokens.starts, tokens.ends
    )
    return render_text(
        pieces,
        [SpanRange(s.label, s.token_start, s.token_end) for s in gold],
        scheme.keys(),
        [label.name for label in scheme.labels],
    )


def editor_context(db, document: Document, span: Span | None) -> dict:
    """The gold editor: label and token boundaries of one gold span."""
    return {
        "document": document,
        "editing": span,
        "editing_excerpt": excerpt(document.text, span.start, span.end, 200) if span else "",
        "editing_label": labels().get(span.label) if span else None,
        "n_tokens": len(get_tokens(db, document.id)),
        "scheme": labels(),
        "label_index": labels().index,
    }


@bp.get("/documents/<int:document_id>")
@lead_required
def document(document_id: int):
    """One document: the gold text, aligned annotator rows, adjudication controls."""
    db = get_db()
    doc = get_document(db, document_id)
    context = rows_context(db, doc)
    context.update(gold_context(db, doc))
    context["text_html"] = gold_text_html(db, doc, context["gold"])
    context.update(editor_context(db, doc, None))
    context.update(loop.release_context(db, doc))
    context.update(loop.threads_context(db, doc))
    return render_template(
        "review/document.html",
        label_style=label_css([label.colour for label in labels().labels]),
        **context,
    )


@bp.get("/documents/<int:document_id>/rows")
@lead_required
def rows_fragment(document_id: int):
    """The aligned rows alone (refreshes on a change of the label filter; a gold change sends
    the rows it changed itself); `?from=K`: the next page of place rows from the K-th place on,
    as the view scrolls."""
    db = get_db()
    first = query_int("from")
    context = rows_context(db, get_document(db, document_id))
    if first is None:
        return render_template("review/_rows.html", **context)
    return render_template("review/_place_rows.html", first=first, **context)


@bp.get("/documents/<int:document_id>/<any(text, gold, status):region>")
@lead_required
def gold_fragment(document_id: int, region: str):
    """The gold text, gold span list or gold status alone (each refreshes on goldChanged)."""
    db = get_db()
    doc = get_document(db, document_id)
    context = gold_context(db, doc)
    if region == "text":
        context["text_html"] = gold_text_html(db, doc, context["gold"])
    elif region == "status":
        context.update(rows_context(db, doc))
    template = {"text": "_text", "gold": "_gold_spans", "status": "_gold_status"}[region]
    return render_template(f"review/{template}.html", **context)


@bp.get("/documents/<int:document_id>/editor")
@lead_required
def editor(document_id: int):
    """The gold editor for `?span=ID` or the innermost gold span at `?token=I` (closed: none)."""
    db = get_db()
    doc = get_document(db, document_id)
    chosen, _ = span_from_args(list_spans(db, document_id, GOLD), "gold span")
    return render_template("review/_gold_editor.html", **editor_context(db, doc, chosen))


def _rows_view() -> places.RowsView:
    return places.rows_view(labels().keys())


def _changed_rows(db, document: Document, view: places.RowsView, changed) -> dict:
    """The rows of the places in the `changed` token ranges, as the page shows the rows."""
    return places.changed_rows(rows_context(db, document, view.labels), view, changed)


def _decided(
    db,
    document: Document,
    message: str,
    editing: Span | None = None,
    status=200,
    *,
    view: places.RowsView | None = None,
    changed: Sequence[tuple[int, int]] = (),
):
    """Flash and gold editor out of band, the rows of the places in the `changed` token ranges
    too (given the page's `view`), and goldChanged for the regions that refresh."""
    context = editor_context(db, document, editing)
    if view is not None:
        context.update(_changed_rows(db, document, view, changed))
    return fragment_with_trigger(
        "review/_decided.html", GOLD_CHANGED, status, message=message, oob=True, **context
    )


def _extent(span: Span) -> tuple[int, int]:
    return (span.token_start, span.token_end)


@bp.post("/documents/<int:document_id>/accept/<span_id>")
@lead_required
def accept(document_id: int, span_id: str):
    """Copy an annotator's span into gold."""
    db = get_db()
    doc = get_document(db, document_id)
    view = _rows_view()
    span, created = review.accept_span(db, labels(), g.user, document_id, span_id)
    message = gettext("accepted into gold") if created else gettext("already in gold")
    return _decided(
        db, doc, message, span, 201 if created else 200, view=view, changed=[_extent(span)]
    )


@bp.post("/documents/<int:document_id>/reject/<span_id>")
@lead_required
def reject(document_id: int, span_id: str):
    """Record that an annotator's span stays out of gold."""
    db = get_db()
    doc = get_document(db, document_id)
    view = _rows_view()
    span = review.reject_span(db, g.user, document_id, span_id)
    message = gettext("rejected %(name)s's span (not taken into gold)", name=span.annotator)
    return _decided(db, doc, message, view=view, changed=[_extent(span)])


@bp.post("/documents/<int:document_id>/accept-identical")
@lead_required
def accept_identical(document_id: int):
    """Accept every span all done annotators marked identically."""
    db = get_db()
    doc = get_document(db, document_id)
    view = _rows_view()
    accepted = review.accept_all_identical(db, labels(), g.user, document_id)
    return _decided(
        db,
        doc,
        ngettext(
            "accepted %(num)d identical span into gold",
            "accepted %(num)d identical spans into gold",
            len(accepted),
        ),
        view=view,
        changed=[_extent(s) for s in accepted],
    )


@bp.post("/documents/<int:document_id>/gold")
@lead_required
def draw(document_id: int):
    """Draw a gold span from the selected tokens (the annotation page's keys)."""
    db = get_db()
    doc = get_document(db, document_id)
    view = _rows_view()
    span = review.draw_gold_span(
        db,
        labels(),
        g.user,
        document_id,
        request.form.get("label", ""),
        int_field(request.form.get("token_start"), "token_start"),
        int_field(request.form.get("token_end"), "token_end"),
        extent=page_extent_check(),
    )
    return _decided(
        db, doc, gettext("gold span added"), span, 201, view=view, changed=[_extent(span)]
    )


def _gold_span_on(db, document_id: int, span_id: str) -> Span:
    span = next((s for s in list_spans(db, document_id, GOLD) if s.id == span_id), None)
    if span is None:
        raise AppError(f"gold span {span_id} not found", 404)
    return span


@bp.post("/documents/<int:document_id>/gold/<span_id>")
@lead_required
def edit(document_id: int, span_id: str):
    """Change a gold span's label, token boundaries, attributes or note (`version` required);
    an autosave (`autosave=1`, the note and attributes as typed) answers without the editor."""
    db = get_db()
    doc = get_document(db, document_id)
    view = _rows_view()
    current = _gold_span_on(db, document_id, span_id)
    changes: dict = {"version": int_field(request.form.get("version"), "version")}
    if request.form.get("label"):
        changes["label"] = request.form["label"]
    for name in ("token_start", "token_end"):
        if request.form.get(name, "") != "" and int_field(request.form[name], name) != getattr(
            current, name
        ):
            changes[name] = int_field(request.form[name], name)
    if "note" in request.form:
        changes["note"] = request.form["note"]
    if "attrs" in request.form:
        definition = labels().get(changes.get("label", current.label))
        changes["attributes"] = {
            name[5:]: value
            for name, value in request.form.items()
            if name.startswith("attr.") and definition and definition.attribute(name[5:])
        }
    span = update_span_fields(db, labels(), g.user, span_id, changes)
    changed = [_extent(current), _extent(span)]
    if request.form.get("autosave"):
        return fragment_with_trigger(
            "review/_gold_autosaved.html",
            GOLD_CHANGED,
            span=span,
            message=gettext("note and attributes saved"),
            oob=True,
            **_changed_rows(db, doc, view, changed),
        )
    return _decided(db, doc, gettext("gold span saved"), span, view=view, changed=changed)


@bp.delete("/documents/<int:document_id>/gold/<span_id>")
@lead_required
def delete(document_id: int, span_id: str):
    """Delete a gold span (`?version=N` guards against deleting a newer state)."""
    db = get_db()
    doc = get_document(db, document_id)
    view = _rows_view()
    current = _gold_span_on(db, document_id, span_id)
    delete_span_by_id(db, g.user, span_id, sent_version())
    return _decided(db, doc, gettext("gold span deleted"), view=view, changed=[_extent(current)])


@bp.post("/documents/<int:document_id>/gold-status")
@lead_required
def gold_status(document_id: int):
    """Set the document's gold status (not_started, in_progress, adjudicated); adjudicated with
    places undecided answers 409 with X-Needs-Confirmation until `confirmed=1`."""
    db = get_db()
    doc = get_document(db, document_id)
    status = request.form.get("status", "")
    review.change_gold_status(db, g.user, document_id, status, request.form.get("confirmed") == "1")
    return _decided(db, doc, gettext("gold status: %(status)s", status=gold_status_name(status)))
