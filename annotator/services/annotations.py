"""Creating, changing and deleting spans and statuses: the one path pages, API and import share.

Every change is snapped to tokens (DESIGN section 3), merged with same-label overlaps of the same
annotator, versioned, and written together with its audit event in one transaction.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from typing import Any

from annotator import store
from annotator.core.errors import AppError, NeedsConfirmation
from annotator.core.extent import DEFAULT_MAX_TOKENS, judge_extent
from annotator.core.labels import LabelScheme
from annotator.core.origin import SUGGESTION, suggestion_origin
from annotator.core.records import GOLD, Document, User
from annotator.core.snapping import SnapError, Snapped, snap_to_tokens, snap_token_range
from annotator.store.assignments import is_assigned
from annotator.store.documents import get_document, get_tokens
from annotator.store.events import record_event
from annotator.store.spans import (
    Span,
    delete_span,
    get_span,
    insert_span,
    list_spans,
    same_label_overlaps,
    update_span,
)
from annotator.store.statuses import (
    STATUSES,
    get_gold_status,
    get_status,
    set_gold_status,
    set_status,
)
from annotator.store.suggestions import (
    Suggestion,
    get_suggestion,
    set_decision,
    withdraw_decision_for_span,
)

MAX_NOTE = 2000
MAX_ID = 64


@dataclass(frozen=True, slots=True)
class SpanInput:
    """What a client asks for; offsets or token indices, validated here."""

    label: str
    start: int | None = None
    end: int | None = None
    token_start: int | None = None
    token_end: int | None = None
    attributes: Any = None
    note: Any = None
    id: Any = None


@dataclass(frozen=True, slots=True)
class ExtentCheck:
    """The page's guard against overshooting drags: spans over `max_tokens` tokens or past a
    paragraph need `confirmed`; punctuation alone is refused."""

    max_tokens: int = DEFAULT_MAX_TOKENS
    confirmed: bool = False


# Offsets a client sent (the JSON API) or a lead drew as gold: nobody can answer the
# overshoot question there, but a span of punctuation alone is still no span (DESIGN section 6:
# the API keeps the pages' rules; before, both stored it)
CHOSEN_EXTENT = ExtentCheck(confirmed=True)


def check_extent(document: Document, snapped: Snapped, check: ExtentCheck) -> None:
    """Refuse a punctuation-only span; ask to confirm an overshooting one."""
    covered = document.text[snapped.start : snapped.end]
    verdict = judge_extent(covered, snapped.token_end - snapped.token_start + 1, check.max_tokens)
    if verdict.refused:
        raise AppError(verdict.refused)
    if verdict.to_confirm and not check.confirmed:
        raise NeedsConfirmation(verdict.to_confirm)


def layer_of(user: User) -> str:
    """The span layer a user writes: their own, or gold for leads."""
    return GOLD if user.role == "lead" else user.name


def reachable_document(db, user: User, document_id: int) -> Document:
    """A document the user may open: leads all, annotators those assigned to them (else 404);
    a feed entry waiting for its page nobody (it has no text yet)."""
    document = get_document(db, document_id)
    if document.waiting or (user.role != "lead" and not is_assigned(db, document_id, user.name)):
        raise AppError(f"document {document_id} not found", 404)
    return document


# Client-chosen span ids live in one namespace per layer: the stored id is derived from the
# layer and the chosen id, so choosing an id that another annotator's span has answers exactly
# as a free id does (the audit found a 409 "already in use" for ids of layers she cannot see).
_CLIENT_IDS = uuid.UUID("3f0c6d1e-5b7a-4c9e-9a41-13a5c0d2e713")


def layer_span_id(layer: str, client_id: str) -> str:
    """The stored id of the span a client created in `layer` under the id it chose."""
    return str(uuid.uuid5(_CLIENT_IDS, f"{layer}\n{client_id}"))


def readable_span(db, user: User, span_id: str) -> Span:
    """A span the user may read, by its stored id or by the id the user's client chose for it in
    the user's own layer; 404 for anything else (no existence leak)."""
    span = get_span(db, span_id) if isinstance(span_id, str) else None
    if not _may_read(db, user, span) and isinstance(span_id, str):
        span = get_span(db, layer_span_id(layer_of(user), span_id))
    if not _may_read(db, user, span):
        raise AppError(f"span {span_id} not found", 404)
    return span


def _may_read(db, user: User, span: Span | None) -> bool:
    # An annotator's own span on a document taken away from her is gone like the document.
    return span is not None and (
        user.role == "lead"
        or (span.annotator == user.name and is_assigned(db, span.document_id, user.name))
    )


def writable_span(db, user: User, span_id: str) -> Span:
    """A span the user may change: their own layer (gold for leads)."""
    span = readable_span(db, user, span_id)
    if span.annotator != layer_of(user):
        raise AppError("leads change only the gold layer", 403)
    return span


def create_span(
    db,
    scheme: LabelScheme,
    user: User,
    document_id: int,
    data: SpanInput,
    *,
    layer: str | None = None,
    version: int = 1,
    extent: ExtentCheck | None = None,
    stored_id: bool = False,
    origin: dict[str, Any] | None = None,
    suggestion: Suggestion | None = None,
) -> tuple[Span, bool]:
    """Store a new span in the user's layer; (span, created). A known id returns the stored span.

    A client's `data.id` is an id in the user's layer (see layer_span_id); `stored_id` takes it
    as the stored id itself (a restore). `version` is 1 for a new span; a restored one continues
    its old count (see restore_span). `extent` (the pages) guards against overshooting
    selections. `suggestion`: the span accepts it (origin: that source; the acceptance is
    recorded); `origin` otherwise overrides manual (a restored span keeps the origin it had).
    """
    layer = layer or layer_of(user)
    span_id = _clean_id(data.id)
    if span_id is not None and not stored_id:
        span_id = layer_span_id(layer, span_id)
    with store.write_transaction(db):
        if span_id is not None:
            existing = get_span(db, span_id)
            if existing is not None:
                if existing.annotator != layer or existing.document_id != document_id:
                    # Only the layer's own spans share its ids: another document of hers.
                    raise AppError(f"span id {data.id} is already used on another document", 409)
                return existing, False
        document = reachable_document(db, user, document_id)
        label = _clean_label(scheme, data.label)
        attributes = _clean_attributes(scheme, label, data.attributes)
        note = _clean_note(data.note)
        snapped = _snap(db, document, data)
        if extent is not None:
            check_extent(document, snapped, extent)
        span = new_span(document_id, layer, label, snapped, attributes, note, span_id, version)
        if suggestion is not None:
            span.suggestion_id = suggestion.id
            span.origin = suggestion_origin(suggestion.source)
        elif origin is not None:
            span.origin = dict(origin)
        absorb_overlaps(db, user.name, span)
        if suggestion is not None:
            # merged with an own overlap: no longer what the source proposed
            span.origin = suggestion_origin(suggestion.source, differs(span, suggestion))
        insert_span(db, span)
        if span.suggestion_id is not None:
            set_decision(db, span.suggestion_id, layer, "accepted", span.id)
        record_event(db, user.name, "create", "span", span.id, None, span.record(), document_id)
        if layer != GOLD:
            record_status(db, user.name, document_id, layer, "in_progress", only_if_unset=True)
    return span, True


def fresh_span_id() -> str:
    """A new span id: a time-ordered UUID (version 7, RFC 9562: 48 bits of Unix milliseconds,
    then 74 random bits), as text.

    Span ids are the key of the span table and, in the audit log, of the event index; random
    (version 4) ids land all over both B-trees, so that a large import spent more time placing
    keys than writing rows. Ids made one after another land next to each other.
    """
    return fresh_span_ids(1)[0]


def fresh_span_ids(count: int) -> list[str]:
    """`count` new span ids as fresh_span_id makes them, with one clock reading and one read
    of the system's random source for all of them (an import asks for one per span)."""
    millis = f"{time.time_ns() // 1_000_000:012x}"
    head = f"{millis[:8]}-{millis[8:12]}-7"  # the version nibble, 7, replaces a random one
    random = os.urandom(10 * count).hex()
    variant = _VARIANT
    return [
        f"{head}{random[k + 1 : k + 4]}-{variant[random[k + 4]]}{random[k + 5 : k + 8]}-"
        f"{random[k + 8 : k + 20]}"
        for k in range(0, 20 * count, 20)
    ]


# A random hex digit -> the same digit with the RFC variant bits 10xx (8, 9, a or b).
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_span(
    document_id: int,
    layer: str,
    label: str,
    snapped: Snapped,
    attributes: dict[str, Any],
    note: str,
    span_id: str | None = None,
    version: int = 1,
) -> Span:
    """A span (not yet stored) at `snapped`'s place; a fresh id unless `span_id` is given."""
    return Span(
        span_id or fresh_span_id(),
        document_id,
        layer,
        label,
        snapped.start,
        snapped.end,
        snapped.token_start,
        snapped.token_end,
        attributes,
        note,
        version,
    )


def update_span_fields(
    db, scheme: LabelScheme, user: User, span_id: str, changes: dict[str, Any]
) -> Span:
    """Apply a PATCH: `version` and any of label, offsets, token indices, attributes, note."""
    allowed = {"version", "label", "start", "end", "token_start", "token_end", "attributes", "note"}
    unknown = set(changes) - allowed
    if unknown:
        raise AppError(f"unknown field {sorted(unknown)[0]!r}")
    version = changes.get("version")
    if not _is_int(version):
        raise AppError("field 'version' is required and must be an integer")
    with store.write_transaction(db):
        span = writable_span(db, user, span_id)
        if span.version != version:
            raise AppError(
                f"span {span_id} was changed elsewhere (version {span.version}, you sent "
                f"{version}); reload it",
                409,
            )
        before = span.record()
        label = _clean_label(scheme, changes.get("label", span.label))
        if "attributes" in changes:
            attributes = _clean_attributes(scheme, label, changes["attributes"])
        else:
            # Attributes that the new label does not have are dropped with the label change.
            attributes = _clean_attributes(
                scheme,
                label,
                {k: v for k, v in span.attributes.items() if scheme.get(label).attribute(k)},
            )
        note = _clean_note(changes["note"]) if "note" in changes else span.note
        moved = any(k in changes for k in ("start", "end", "token_start", "token_end"))
        if moved:
            document = get_document(db, span.document_id)
            by_tokens = "token_start" in changes or "token_end" in changes
            # One side given: the other side stays where the span is, in the same unit.
            snapped = _snap(
                db,
                document,
                SpanInput(
                    label,
                    None if by_tokens else changes.get("start", span.start),
                    None if by_tokens else changes.get("end", span.end),
                    changes.get("token_start", span.token_start) if by_tokens else None,
                    changes.get("token_end", span.token_end) if by_tokens else None,
                ),
            )
            check_extent(document, snapped, CHOSEN_EXTENT)
            span.start, span.end = snapped.start, snapped.end
            span.token_start, span.token_end = snapped.token_start, snapped.token_end
        span.label, span.attributes, span.note = label, attributes, note
        absorb_overlaps(db, user.name, span)
        if span.origin.get("kind") == SUGGESTION:
            span.origin = _edited_origin(db, span, before)
        if not update_span(db, span, version):
            raise AppError(f"span {span_id} was changed elsewhere; reload it", 409)
        record_event(
            db, user.name, "update", "span", span.id, before, span.record(), span.document_id
        )
    return span


def delete_span_by_id(db, user: User, span_id: str, version: Any = None) -> Span:
    """Delete a span (optionally only at `version`); the audit log keeps the deleted record."""
    with store.write_transaction(db):
        span = writable_span(db, user, span_id)
        if version is not None and version != span.version:
            raise AppError(f"span {span_id} was changed elsewhere; reload it", 409)
        delete_span(db, span.id)
        if span.suggestion_id is not None:
            withdraw_decision_for_span(db, span.id)  # the suggestion is open again
        record_event(
            db, user.name, "delete", "span", span.id, span.record(), None, span.document_id
        )
    return span


def restore_span(db, scheme: LabelScheme, user: User, record: dict[str, Any]) -> Span:
    """Re-create a deleted span from its audit record (undo of a delete)."""
    data = SpanInput(
        record["label"],
        record["start"],
        record["end"],
        attributes=record.get("attributes"),
        note=record.get("note"),
        id=record["id"],
    )
    # The restored span continues its version count: a client still holding the version from
    # before the delete gets a 409 instead of silently overwriting the restored span.
    suggestion_id = record.get("suggestion_id")
    suggestion = get_suggestion(db, suggestion_id) if isinstance(suggestion_id, int) else None
    # back with its origin, and an accepted suggestion's acceptance recorded again
    span, _ = create_span(
        db,
        scheme,
        user,
        record["document_id"],
        data,
        version=record.get("version", 0) + 1,
        stored_id=True,
        origin=record.get("origin"),
        suggestion=suggestion,
    )
    return span


def set_document_status(db, user: User, document_id: int, status: Any) -> str:
    """Mark a document in_progress or done for the user (annotators only)."""
    if user.role != "annotator":
        raise AppError("only annotators have a document status", 403)
    if status not in STATUSES:
        raise AppError("field 'status' must be 'in_progress' or 'done'")
    with store.write_transaction(db):
        reachable_document(db, user, document_id)
        record_status(db, user.name, document_id, user.name, status)
    return status


def record_status(
    db, actor: str, document_id: int, annotator: str, status: str, *, only_if_unset: bool = False
) -> None:
    """Set an annotator's status on a document with its audit event, if it changes.

    `only_if_unset`: only when the annotator has no status there yet (a first span starts work).
    """
    before = get_status(db, document_id, annotator)
    if before == status or (only_if_unset and before is not None):
        return
    set_status(db, document_id, annotator, status)
    record_event(
        db,
        actor,
        "status",
        "status",
        f"{document_id}:{annotator}",
        None if before is None else {"status": before},
        {"status": status},
        document_id,
    )


def record_gold_status(db, actor: str, document_id: int, status: str) -> bool:
    """Set a document's gold status with its audit event, if it changes; whether it did."""
    before = get_gold_status(db, document_id)
    if before == status:
        return False
    set_gold_status(db, document_id, status)
    record_event(
        db,
        actor,
        "gold_status",
        "gold_status",
        str(document_id),
        {"status": before},
        {"status": status},
        document_id,
    )
    return True


def spans_for(db, user: User, document_id: int, annotator: str | None = None) -> list[Span]:
    """The spans a user may list on a document: own for annotators, any layer for leads."""
    reachable_document(db, user, document_id)
    if user.role != "lead":
        if annotator not in (None, user.name):
            raise AppError("annotators see only their own spans", 403)
        return list_spans(db, document_id, user.name)
    return list_spans(db, document_id, annotator)


def differs(span: Span, suggestion: Suggestion) -> bool:
    """Whether the span's label or token boundaries differ from the suggestion's."""
    return (span.label, span.token_start, span.token_end) != (
        suggestion.label,
        suggestion.token_start,
        suggestion.token_end,
    )


def _edited_origin(db, span: Span, before: dict[str, Any]) -> dict[str, Any]:
    """An accepted span's origin after a change: edited while it differs from the suggestion
    (an undo back to the accepted place makes it unedited again)."""
    source = span.origin.get("source", "")
    suggestion = get_suggestion(db, span.suggestion_id) if span.suggestion_id else None
    if suggestion is not None:
        return suggestion_origin(source, differs(span, suggestion))
    moved = (span.label, span.token_start, span.token_end) != (
        before["label"],
        before["token_start"],
        before["token_end"],
    )
    return suggestion_origin(source, bool(span.origin.get("edited")) or moved)


def absorb_overlaps(db, actor: str, span: Span) -> int:
    """Merge stored same-label overlaps of `span`'s layer into it (DESIGN section 3); how many."""
    overlaps = same_label_overlaps(
        db,
        span.document_id,
        span.annotator,
        span.label,
        span.token_start,
        span.token_end,
        exclude_id=span.id,
    )
    for other in overlaps:
        widen_over(span, other)
        delete_span(db, other.id)
        record_event(
            db,
            actor,
            "merge",
            "span",
            other.id,
            other.record(),
            {"merged_into": span.id},
            span.document_id,
        )
    return len(overlaps)


def widen_over(span: Span, other: Span) -> None:
    """Widen `span` over `other`, keeping `span`'s attributes first and both notes."""
    if other.start < span.start:
        span.start, span.token_start = other.start, other.token_start
    if other.end > span.end:
        span.end, span.token_end = other.end, other.token_end
    span.attributes = {**other.attributes, **span.attributes}
    if other.note and other.note not in span.note:
        span.note = f"{span.note}\n{other.note}".strip()[:MAX_NOTE]


def _snap(db, document, data: SpanInput):
    tokens = get_tokens(db, document.id)
    try:
        if data.token_start is not None or data.token_end is not None:
            if not (_is_int(data.token_start) and _is_int(data.token_end)):
                raise AppError("token_start and token_end must both be integers")
            return snap_token_range(
                tokens.starts, tokens.ends, tokens.space, data.token_start, data.token_end
            )
        if not (_is_int(data.start) and _is_int(data.end)):
            raise AppError("start and end are required and must be integers")
        return snap_to_tokens(
            tokens.starts, tokens.ends, tokens.space, len(document.text), data.start, data.end
        )
    except SnapError as exc:
        raise AppError(str(exc)) from exc


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _clean_label(scheme: LabelScheme, label: Any) -> str:
    if not isinstance(label, str) or scheme.get(label) is None:
        raise AppError(f"unknown label {label!r} (labels: {', '.join(scheme.keys())})")
    return label


def _clean_attributes(scheme: LabelScheme, label: str, attributes: Any) -> dict[str, Any]:
    try:
        return scheme.validate_attributes(label, attributes)
    except ValueError as exc:
        raise AppError(str(exc)) from exc


def _clean_note(note: Any) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        raise AppError("field 'note' must be a string")
    if len(note) > MAX_NOTE:
        raise AppError(f"field 'note' is longer than {MAX_NOTE} characters")
    return note


def _clean_id(span_id: Any) -> str | None:
    if span_id is None:
        return None
    if (
        not isinstance(span_id, str)
        or not 1 <= len(span_id) <= MAX_ID
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in span_id)
    ):
        raise AppError(f"field 'id' must be 1 to {MAX_ID} characters of A-Z, a-z, 0-9, - and _")
    return span_id
