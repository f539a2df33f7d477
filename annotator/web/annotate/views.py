"""What the annotation pages show, built for the templates: the queue rows, the text regions,
the span list, the toolbar and the editor. Shared by the page routes (`pages`) and the action
routes (`actions`); no routes here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request, session
from flask_babel import gettext, ngettext
from markupsafe import Markup

from annotator.core.errors import AppError
from annotator.core.records import Document, Span
from annotator.services.annotations import layer_of, reachable_document
from annotator.services.suggestions import page_suggestions
from annotator.services.undo import can_undo
from annotator.store.assignments import documents_for_annotator
from annotator.store.db import database_identity
from annotator.store.documents import get_tokens, list_documents
from annotator.store.gold import span_counts
from annotator.store.spans import list_spans
from annotator.store.statuses import get_status
from annotator.web.db import labels
from annotator.web.html.text import (
    SpanRange,
    SuggestionRange,
    TextLayout,
    blocks_touching,
    cached_text_layout,
    excerpt,
    render_blocks,
    render_text,
)
from annotator.web.params import query_int


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    title: str
    external_id: str
    length: int
    status: str  # new | in_progress | done
    spans: int
    outlet: str | None = None
    published: str | None = None
    author: str | None = None
    url: str | None = None
    lang: str | None = None


def queue_rows(db, annotator: str) -> list[QueueRow]:
    """The documents assigned to the annotator (or to everyone), with their status and span
    count, in queue order."""
    length = {d.id: d.length for d in list_documents(db)}
    counts = span_counts(db)
    return [
        QueueRow(
            d.id,
            d.title,
            d.external_id,
            length[d.id],
            d.status or "new",
            counts.get((d.id, annotator), 0),
            d.outlet,
            d.published,
            d.author,
            d.url,
            d.lang,
        )
        for d in documents_for_annotator(db, annotator)
    ]


def next_undone(rows: list[QueueRow], after: int | None) -> QueueRow | None:
    """The first document not done after `after` in queue order, wrapping round."""
    undone = [r for r in rows if r.status != "done"]
    if not undone:
        return None
    if after is not None:
        later = [r for r in undone if r.id > after]
        if later:
            return later[0]
    return undone[0]


def open_document(db, document_id: int) -> Document:
    """A document the user may open: leads every one, annotators those assigned to them
    (404 otherwise, as the API answers)."""
    return reachable_document(db, g.user, document_id)


def visible_spans(db, document_id: int) -> list[Span]:
    """The spans of the user's own layer (gold for leads): annotators never see others'.

    Only for a document the request already opened (open_document checked that the user may).
    """
    return list_spans(db, document_id, layer_of(g.user))


def layout_of(db, document: Document) -> TextLayout:
    """The document's cached rendering layout (pieces and blocks)."""
    tokens = get_tokens(db, document.id)
    key = (database_identity(db), document.id)
    return cached_text_layout(key, document.text, tokens.starts, tokens.ends, tokens.sentences)


def _ranges(spans: list[Span]) -> list[SpanRange]:
    return [SpanRange(s.label, s.token_start, s.token_end) for s in spans]


def suggestion_ranges(db, document: Document) -> list[SuggestionRange]:
    """The suggestions the page draws for the user (none while every source is off)."""
    known = labels()
    return [
        SuggestionRange(s.id, s.label, s.token_start, s.token_end, s.score)
        for s in page_suggestions(db, g.user, document.id)
        if known.get(s.label) is not None
    ]


def text_html(
    db, document: Document, spans: list[Span], suggestions: list[SuggestionRange] | None = None
):
    """The rendered text block of a document with its spans and the user's suggestions."""
    scheme = labels()
    layout = layout_of(db, document)
    if suggestions is None:
        suggestions = suggestion_ranges(db, document)
    if not suggestions:
        return render_text(layout, _ranges(spans), scheme.keys(), scheme_names(scheme))
    blocks = range(len(layout.block_starts))
    return Markup(
        "".join(
            render_blocks(
                layout,
                _ranges(spans),
                scheme.keys(),
                scheme_names(scheme),
                blocks,
                suggestions=suggestions,
            )
        )
    )


def scheme_names(scheme) -> list[str]:
    """The labels' display names in scheme order."""
    return [label.name for label in scheme.labels]


def changed_blocks_html(
    db,
    document: Document,
    before: list[Span],
    after: list[Span],
    also: list[tuple[int, int]] | None = None,
) -> list:
    """Out-of-band HTML of the text blocks whose highlighting differs between before and after
    (and of the blocks holding the token ranges `also`, e.g. a suggestion just decided)."""
    old = {(s.id, s.label, s.token_start, s.token_end) for s in before}
    new = {(s.id, s.label, s.token_start, s.token_end) for s in after}
    layout = layout_of(db, document)
    ranges = [(ts, te) for _, _, ts, te in old ^ new] + list(also or [])
    blocks = blocks_touching(layout, ranges)
    scheme = labels()
    return render_blocks(
        layout,
        _ranges(after),
        scheme.keys(),
        scheme_names(scheme),
        blocks,
        oob=True,
        suggestions=suggestion_ranges(db, document) if blocks else (),
    )


def span_rows(document: Document, spans: list[Span]) -> list[dict]:
    """What the side list shows of each span, in text order."""
    index = labels().index
    return [
        {
            "span": s,
            "k": index[s.label],
            "name": labels().get(s.label).name,
            "excerpt": excerpt(document.text, s.start, s.end),
        }
        for s in spans
    ]


def region_context(db, document: Document, spans: list[Span] | None = None) -> dict:
    """Everything the text, span list and toolbar templates need."""
    spans = visible_spans(db, document.id) if spans is None else spans
    suggestions = suggestion_ranges(db, document)
    return {
        "document": document,
        "spans": spans,
        "rows": span_rows(document, spans),
        "text_html": text_html(db, document, spans, suggestions),
        "suggestion_count": len(suggestions),
        "scheme": labels(),
        "label_index": labels().index,
    }


def toolbar_context(db, document: Document, count: int) -> dict:
    """The toolbar's span count, status and undo state."""
    status = None
    if g.user.role == "annotator":
        status = statuses_for(db, document.id)
    return {
        "document": document,
        "count": count,
        "status": status,
        "undo": can_undo(undo_stack(), document.id),
        "is_lead": g.user.role == "lead",
    }


def statuses_for(db, document_id: int) -> str:
    """The user's status on one document: new, in_progress or done."""
    return get_status(db, document_id, g.user.name) or "new"


def spans_at(spans: list[Span], token: int) -> list[Span]:
    """The spans covering one token."""
    return [s for s in spans if s.token_start <= token <= s.token_end]


def span_from_args(spans: list[Span], kind: str = "span") -> tuple[Span | None, list[Span]]:
    """The span of `?span=ID` (404 if not in `spans`) or the innermost one covering `?token=I`,
    with every span at its place; (None, []) without either argument."""
    span_id = request.args.get("span")
    token = query_int("token")
    if span_id is not None:
        chosen = next((s for s in spans if s.id == span_id), None)
        if chosen is None:
            raise AppError(f"{kind} {span_id} not found", 404)
        return chosen, spans_at(spans, chosen.token_start)
    if token is not None:
        here = spans_at(spans, token)
        return min(here, key=lambda s: s.token_end - s.token_start, default=None), here
    return None, []


def editor_context(document: Document, span: Span | None, here: list[Span] | None = None) -> dict:
    """The editor fragment's data: the span, its label, the other spans at the same place."""
    scheme = labels()
    return {
        "document": document,
        "editing": span,
        "editing_label": scheme.get(span.label) if span else None,
        "editing_excerpt": excerpt(document.text, span.start, span.end, 200) if span else "",
        "others": [s for s in (here or []) if span is None or s.id != span.id],
        "scheme": scheme,
        "label_index": scheme.index,
    }


def undo_stack() -> list[dict]:
    """The session's undo stack (ids, versions and audit event ids of recent actions)."""
    return list(session.get("undo", []))


def spans_count(count: int) -> str:
    """`1 span`, `2 spans` in the interface language."""
    return ngettext("%(num)d span", "%(num)d spans", count)


def change_message(action: str, old_label: str | None, span: Span, merged: int) -> str:
    """What an action did, in words: the label change and the merges, with how to undo."""
    scheme = labels()
    parts = []
    if action == "create":
        parts.append(gettext("added: %(label)s", label=scheme.get(span.label).name))
    elif old_label is not None and old_label != span.label:
        parts.append(
            gettext(
                "relabelled: %(old)s -> %(new)s",
                old=scheme.get(old_label).name,
                new=scheme.get(span.label).name,
            )
        )
    else:
        parts.append(gettext("saved"))
    if merged:
        parts.append(gettext("merged with %(spans)s", spans=spans_count(merged)))
    return " · ".join([*parts, gettext("u to undo")])


def done_message(document: Document, count: int, next_row: QueueRow | None) -> str:
    """What "Mark done" saved and where it goes next."""
    title = document.title or document.external_id
    where = (
        gettext("next: %(title)s", title=next_row.title or next_row.external_id)
        if next_row
        else gettext("all done: your queue")
    )
    return gettext(
        "Marked done: %(title)s with %(spans)s · %(where)s",
        title=title,
        spans=spans_count(count),
        where=where,
    )


def is_quoted(text: str) -> bool:
    """Whether an excerpt already starts and ends with quotation marks (then a <q> adds none)."""
    return len(text) > 1 and text[0] in "„“”\"«»‚‘'" and text[-1] in "“”\"«»‘’'"
