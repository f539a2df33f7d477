"""Question threads on a span or a document: an annotator asks about their own work, a lead
answers, either resolves. Blind: an annotator reaches only threads about their own layer, and a
thread about someone else's span is 404 to them, as the span is. Every write is audited."""

from __future__ import annotations

from typing import Any

from annotator import store
from annotator.core.errors import AppError
from annotator.core.records import GOLD, User
from annotator.services.annotations import reachable_document, readable_span
from annotator.store import comments as comment_store
from annotator.store.comments import Comment
from annotator.store.events import record_event
from annotator.store.users import get_user

MAX_COMMENT = 2000


def _text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise AppError("field 'text' is required and must be a non-empty string")
    if len(text) > MAX_COMMENT:
        raise AppError(f"field 'text' is longer than {MAX_COMMENT} characters")
    return text.strip()


def _span_thread(db, user: User, span_id: str) -> tuple[int, str]:
    """(document_id, layer) of an annotator's span the user may discuss."""
    span = readable_span(db, user, span_id)
    if span.annotator == GOLD:
        raise AppError("questions are about an annotator's span, not a gold span")
    return span.document_id, span.annotator


def _document_layer(db, user: User, document_id: int, annotator: Any) -> str:
    """The layer a document thread is about: the annotator's own; a lead names the annotator."""
    reachable_document(db, user, document_id)
    if user.role != "lead":
        if annotator not in (None, user.name):
            raise AppError("annotators see only their own threads", 403)
        return user.name
    if not isinstance(annotator, str):
        raise AppError("field 'annotator' is required: whose thread on this document")
    other = get_user(db, annotator)
    if other is None or other.role != "annotator":
        raise AppError(f"no annotator called {annotator!r}")
    return annotator


def _add(db, user: User, document_id: int, layer: str, span_id: str | None, text: str):
    comment = comment_store.add_comment(db, document_id, layer, span_id, user.name, text)
    record_event(
        db,
        user.name,
        "comment",
        "comment",
        str(comment.id),
        None,
        {"layer": layer, "span_id": span_id, "text": text},
        document_id,
    )
    return comment


def comment_on_span(db, user: User, span_id: str, text: Any) -> Comment:
    """Ask (annotator, own span) or answer (lead) on a span's thread."""
    clean = _text(text)
    with store.write_transaction(db):
        document_id, layer = _span_thread(db, user, span_id)
        return _add(db, user, document_id, layer, span_id, clean)


def comment_on_document(
    db, user: User, document_id: int, text: Any, annotator: Any = None
) -> Comment:
    """Ask or answer on the document thread of one annotator's layer."""
    clean = _text(text)
    with store.write_transaction(db):
        layer = _document_layer(db, user, document_id, annotator)
        return _add(db, user, document_id, layer, None, clean)


def span_thread(db, user: User, span_id: str) -> list[Comment]:
    """The comments on a span the user may read, oldest first."""
    document_id, layer = _span_thread(db, user, span_id)
    return comment_store.thread(db, document_id, layer, span_id)


def document_thread(db, user: User, document_id: int, annotator: Any = None) -> list[Comment]:
    """The document threads the user may read: own (annotators), one or all layers (leads)."""
    reachable_document(db, user, document_id)
    if user.role == "lead" and annotator is None:
        return comment_store.thread(db, document_id, None, None)
    return comment_store.thread(
        db, document_id, _document_layer(db, user, document_id, annotator), None
    )


def _resolve(db, user: User, document_id: int, layer: str, span_id: str | None) -> int:
    count = comment_store.resolve_thread(db, document_id, layer, span_id)
    if count:
        record_event(
            db,
            user.name,
            "resolve",
            "comment",
            f"{document_id}:{layer}:{span_id or ''}",
            None,
            {"layer": layer, "span_id": span_id, "comments": count},
            document_id,
        )
    return count


def resolve_span_thread(db, user: User, span_id: str) -> int:
    """Resolve a span's thread (its annotator or a lead); how many comments were open."""
    with store.write_transaction(db):
        document_id, layer = _span_thread(db, user, span_id)
        return _resolve(db, user, document_id, layer, span_id)


def resolve_document_thread(db, user: User, document_id: int, annotator: Any = None) -> int:
    """Resolve a document thread (its annotator or a lead); how many comments were open."""
    with store.write_transaction(db):
        layer = _document_layer(db, user, document_id, annotator)
        return _resolve(db, user, document_id, layer, None)


def threads_on(db, user: User, document_id: int) -> dict[tuple[str, str | None], list[Comment]]:
    """(layer, span id or None for the document) -> comments of the threads the user may read."""
    reachable_document(db, user, document_id)
    layer = None if user.role == "lead" else user.name
    result: dict[tuple[str, str | None], list[Comment]] = {}
    for comment in comment_store.document_comments(db, document_id, layer):
        result.setdefault((comment.layer, comment.span_id), []).append(comment)
    return result


def open_questions(db, user: User) -> dict[int, int]:
    """document_id -> open threads: about the annotator's own layer, or every layer for leads."""
    return comment_store.open_threads(db, None if user.role == "lead" else user.name)
