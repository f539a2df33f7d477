"""Suggestions: storing a source's proposals, showing them, accepting and rejecting them.

Suggestions live apart from every layer. A lead always sees them; an annotator sees those of
the sources a lead switched on (none by default: a blind study stays blind). Accepting one
creates a span through annotations.create_span (snapping, merging, versions, audit) with the
source as its origin.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator import store
from annotator.core.errors import AppError
from annotator.core.labels import LabelScheme
from annotator.core.origin import MAX_SOURCE
from annotator.core.records import Span, User
from annotator.core.snapping import SnapError, snap_to_tokens
from annotator.services.annotations import SpanInput, create_span, layer_of, reachable_document
from annotator.store.documents import get_document, get_tokens, list_documents
from annotator.store.events import record_event
from annotator.store.suggestions import (
    NewSuggestion,
    Suggestion,
    delete_source_suggestions,
    get_suggestion,
    insert_suggestions,
    list_suggestions,
    mark_shown,
    not_yet_shown,
    set_decision,
    set_source_on,
    source_names,
    sources_on,
    suggestion_counts,
    suggestions_by_ids,
)

PATTERNS = "patterns"
MAX_SPANS = 5000  # per push


@dataclass(frozen=True, slots=True)
class ProposedSpan:
    """A proposal from any source, before snapping: character offsets [start, end)."""

    label: str
    start: int
    end: int
    score: float | None = None


def visible_sources(db, user: User) -> list[str] | None:
    """The sources whose suggestions the user sees: None (all) for a lead, else those on."""
    return None if user.role == "lead" else sources_on(db)


def suggestions_for(db, user: User, document_id: int, *, record_shown: bool = True) -> list:
    """The suggestions a user may see on a document (an annotator: undecided ones of sources
    that are on, recorded as shown; 403 while every source is off)."""
    reachable_document(db, user, document_id)
    sources = visible_sources(db, user)
    if sources is not None and not sources:
        raise AppError("suggestions are off for annotators", 403)
    if sources is None:
        return list_suggestions(db, document_id)
    return _shown_to(db, user, document_id, sources, record_shown)


def _shown_to(db, user: User, document_id: int, sources: list[str], record_shown: bool) -> list:
    found = list_suggestions(db, document_id, sources, undecided_by=user.name)
    new = not_yet_shown(db, user.name, document_id, [s.id for s in found]) if record_shown else []
    if new:  # a write only the first time: later renders read
        with store.write_transaction(db):
            mark_shown(db, user.name, new)
    return found


def page_suggestions(db, user: User, document_id: int) -> list[Suggestion]:
    """What the annotation page draws: like suggestions_for, but empty instead of 403, and
    for a lead only the suggestions not yet taken into gold."""
    sources = visible_sources(db, user)
    if sources is not None and not sources:
        return []
    if sources is None:
        return list_suggestions(db, document_id, undecided_by=layer_of(user))
    return _shown_to(db, user, document_id, sources, True)  # the page opened the document


def parse_push(body: dict[str, Any]) -> tuple[str, list[ProposedSpan]]:
    """The source name and spans of a push body; AppError naming the first bad field."""
    source = body.get("source")
    if not isinstance(source, str) or not 1 <= len(source.strip()) <= MAX_SOURCE:
        raise AppError(f"field 'source' must be a name of 1 to {MAX_SOURCE} characters")
    spans = body.get("spans")
    if not isinstance(spans, list):
        raise AppError("field 'spans' must be an array")
    if len(spans) > MAX_SPANS:
        raise AppError(f"field 'spans' holds more than {MAX_SPANS} spans")
    proposed = []
    for i, raw in enumerate(spans):
        at = f"spans[{i}]"
        if not isinstance(raw, dict):
            raise AppError(f"{at} must be an object")
        unknown = set(raw) - {"label", "start", "end", "score"}
        if unknown:
            raise AppError(f"{at}: unknown field {sorted(unknown)[0]!r}")
        for field in ("start", "end"):
            value = raw.get(field)
            if not isinstance(value, int) or isinstance(value, bool):
                raise AppError(f"{at}.{field} must be an integer")
        score = raw.get("score")
        if score is not None and (
            isinstance(score, bool)
            or not isinstance(score, int | float)
            or not math.isfinite(score)
            or not 0 <= score <= 1
        ):
            raise AppError(f"{at}.score must be a number from 0 to 1")
        label = raw.get("label")
        if not isinstance(label, str):
            raise AppError(f"{at}.label must be a string")
        proposed.append(ProposedSpan(label, raw["start"], raw["end"], score))
    return source.strip(), proposed


def store_proposals(
    db, scheme: LabelScheme, document_id: int, source: str, spans: Sequence[ProposedSpan]
) -> list[Suggestion]:
    """Snap proposals to the document's tokens and store them; the stored suggestions."""
    document = get_document(db, document_id)
    tokens = get_tokens(db, document_id)
    rows = []
    for i, span in enumerate(spans):
        if scheme.get(span.label) is None:
            raise AppError(
                f"spans[{i}].label: unknown label {span.label!r} "
                f"(labels: {', '.join(scheme.keys())})"
            )
        try:
            snapped = snap_to_tokens(
                tokens.starts, tokens.ends, tokens.space, len(document.text), span.start, span.end
            )
        except SnapError as error:
            raise AppError(f"spans[{i}]: {error}") from None
        rows.append(
            NewSuggestion(
                document_id,
                span.label,
                snapped.start,
                snapped.end,
                snapped.token_start,
                snapped.token_end,
                source,
                None if span.score is None else round(float(span.score), 4),
            )
        )
    with store.write_transaction(db):
        ids = insert_suggestions(db, rows)
    return suggestions_by_ids(db, ids)


def push_suggestions(
    db, scheme: LabelScheme, user: User, document_id: int, body: dict, *, via_token: bool
) -> list[Suggestion]:
    """POST /api/documents/<id>/suggestions: a lead, in the browser or as a service with the
    lead's API token. An annotator's token may not: pushed spans would reach the other
    annotators as suggestions once the source is on, a way around blindness."""
    if user.role != "lead":
        how = "an annotator's token" if via_token else "an annotator"
        raise AppError(
            f"only a lead (or a service with a lead's token) pushes suggestions, not {how}", 403
        )
    reachable_document(db, user, document_id)
    source, spans = parse_push(body)
    return store_proposals(db, scheme, document_id, source, spans)


def _open_suggestion(db, user: User, suggestion_id: int) -> Suggestion:
    """A suggestion the user may decide on (404 for anything else: no existence leak)."""
    suggestion = get_suggestion(db, suggestion_id)
    if suggestion is None:
        raise AppError(f"suggestion {suggestion_id} not found", 404)
    try:
        reachable_document(db, user, suggestion.document_id)
    except AppError:
        raise AppError(f"suggestion {suggestion_id} not found", 404) from None
    sources = visible_sources(db, user)
    if sources is not None and suggestion.source not in sources:
        raise AppError(f"suggestion {suggestion_id} not found", 404)
    return suggestion


def _decision(db, layer: str, suggestion_id: int) -> str | None:
    row = db.conn.execute(
        "SELECT decision FROM suggestion_decision WHERE suggestion_id = ? AND annotator = ?",
        [suggestion_id, layer],
    ).fetchone()
    return row[0] if row else None


def accept_suggestion(db, scheme: LabelScheme, user: User, suggestion_id: int) -> Span:
    """The suggestion enters the user's layer as a span (origin: its source); 409 if decided."""
    with store.write_transaction(db):
        suggestion = _open_suggestion(db, user, suggestion_id)
        decided = _decision(db, layer_of(user), suggestion_id)
        if decided is not None:
            raise AppError(f"suggestion {suggestion_id} was already {decided}", 409)
        span, _ = create_span(
            db,
            scheme,
            user,
            suggestion.document_id,
            SpanInput(
                suggestion.label,
                token_start=suggestion.token_start,
                token_end=suggestion.token_end,
            ),
            suggestion=suggestion,
        )
    return span


def reject_suggestion(db, user: User, suggestion_id: int) -> Suggestion:
    """Record that the user rejected the suggestion; 409 if they accepted it."""
    with store.write_transaction(db):
        suggestion = _open_suggestion(db, user, suggestion_id)
        if _decision(db, layer_of(user), suggestion_id) == "accepted":
            raise AppError(f"suggestion {suggestion_id} was already accepted", 409)
        set_decision(db, suggestion_id, layer_of(user), "rejected")
        record_event(
            db,
            user.name,
            "reject",
            "suggestion",
            str(suggestion_id),
            None,
            {"source": suggestion.source, "label": suggestion.label},
            suggestion.document_id,
        )
    return suggestion


@dataclass(frozen=True, slots=True)
class SourceRow:
    """A source as the lead's settings list shows it."""

    name: str
    on: bool
    suggestions: int


def source_rows(db) -> list[SourceRow]:
    """Every known source (and the pattern file's), whether annotators see it, its count."""
    on = set(sources_on(db))
    counts = suggestion_counts(db)
    names = source_names(db)
    return [SourceRow(name, name in on, counts.get(name, 0)) for name in names]


def switch_source(db, user: User, source: str, on: bool) -> None:
    """A lead switches a source on or off for the annotators."""
    if user.role != "lead":
        raise AppError("only a lead switches suggestions", 403)
    if not isinstance(source, str) or not 1 <= len(source) <= MAX_SOURCE:
        raise AppError(f"field 'source' must be a name of 1 to {MAX_SOURCE} characters")
    with store.write_transaction(db):
        set_source_on(db, source, on)
        record_event(db, user.name, "switch", "suggestion_source", source, None, {"on": on}, None)


ProposalRunner = Callable[[list[str]], list[list[Any]]]


def run_source(
    db,
    scheme: LabelScheme,
    source: str,
    propose: ProposalRunner,
    document_ids: Iterable[int] | None = None,
    *,
    batch: int = 32,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Run a source (texts -> proposals per text) over documents and store what it proposes,
    replacing the source's earlier undecided suggestions there; how many it stored."""
    ids = list(document_ids) if document_ids is not None else [d.id for d in list_documents(db)]
    stored = 0
    for first in range(0, len(ids), batch):
        chunk = [get_document(db, i) for i in ids[first : first + batch]]
        results = propose([d.text for d in chunk])
        for document, proposals in zip(chunk, results, strict=True):
            spans = [
                ProposedSpan(p.label, p.start, p.end, p.score)
                for p in proposals
                if scheme.get(p.label) is not None
            ]
            with store.write_transaction(db):
                delete_source_suggestions(db, source, [document.id])
                stored += len(store_proposals(db, scheme, document.id, source, spans))
        if progress is not None:
            progress(len(chunk))
    return stored


def model_source_name(path: str | Path) -> str:
    """A model's source name: its folder name."""
    return Path(path).resolve().name
