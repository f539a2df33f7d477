"""Feedback after adjudication: a lead releases an adjudicated document, and each of its
annotators then reads their own spans against gold (never another annotator's layer).

The classes come from `agreement.span_relations` (the vocabulary of the disagreement view), the
scores from the gold scoring of `agreement.report` (overlap matching, per label).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotator import store
from annotator.agreement.report import score_against_gold
from annotator.agreement.span_relations import FeedbackSpan, classify_against_gold
from annotator.core.errors import AppError
from annotator.core.labels import LabelScheme
from annotator.core.records import GOLD, AgreementDocument, Span, SpanData, User
from annotator.services.annotations import MAX_NOTE, reachable_document
from annotator.store.assignments import documents_for_annotator
from annotator.store.documents import get_tokens
from annotator.store.events import record_event
from annotator.store.releases import (
    Release,
    get_release,
    released_ids,
    set_release,
    unreleased_adjudicated,
)
from annotator.store.spans import list_spans
from annotator.store.statuses import get_gold_status, get_status

NOT_RELEASED = "no feedback on document {id} yet"


def _lead(user: User) -> None:
    if user.role != "lead":
        raise AppError("only leads release feedback", 403)


def release_document(db, user: User, document_id: int, note: str | None = None) -> Release:
    """Release an adjudicated document's feedback (409 when it is not adjudicated); audited."""
    _lead(user)
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        raise AppError(f"field 'note' must be a string of at most {MAX_NOTE} characters")
    with store.write_transaction(db):
        store.get_document(db, document_id)
        if get_gold_status(db, document_id) != "adjudicated":
            raise AppError(
                f"document {document_id} is not adjudicated; mark its gold adjudicated first", 409
            )
        before = get_release(db, document_id)
        set_release(db, document_id, user.name, note if note is not None else "")
        release = get_release(db, document_id)
        record_event(
            db,
            user.name,
            "release",
            "feedback",
            str(document_id),
            None if before is None else {"note": before.note},
            {"note": release.note},
            document_id,
        )
    return release


def release_all(db, user: User) -> list[int]:
    """Release every adjudicated document not released yet, in one transaction; their ids."""
    _lead(user)
    with store.write_transaction(db):
        ids = unreleased_adjudicated(db)
        for document_id in ids:
            release_document(db, user, document_id)
    return ids


@dataclass(frozen=True, slots=True)
class Feedback:
    """An annotator's layer of one released document against gold."""

    document_id: int
    release: Release
    spans: list[FeedbackSpan]
    missed: list[Span]
    scores: dict[str, dict]

    def api(self) -> dict:
        """The JSON of GET /api/documents/<id>/feedback."""
        return {
            "document_id": self.document_id,
            "spans": [_place(f.span) | {"class": f.cls} for f in self.spans],
            "missed": [_place(g) for g in self.missed],
            "scores": self.scores,
            "note": self.release.note,
        }


def _place(span: Span) -> dict:
    return {"start": span.start, "end": span.end, "label": span.label}


def released_document_for(db, user: User, document_id: int):
    """The document if the user finished it as its annotator and its feedback is released (else
    404: before release nothing, not even whether there is gold, is shown)."""
    if user.role != "annotator":
        raise AppError("feedback is for annotators; leads see every layer on /review", 403)
    document = reachable_document(db, user, document_id)
    release = get_release(db, document_id)
    if release is None or get_status(db, document_id, user.name) != "done":
        raise AppError(NOT_RELEASED.format(id=document_id), 404)
    return document, release


def feedback_for(db, scheme: LabelScheme, user: User, document_id: int) -> Feedback:
    """The user's own spans of a released document classed against gold, and their scores."""
    with store.read_snapshot(db):
        document, release = released_document_for(db, user, document_id)
        own = list_spans(db, document_id, user.name)
        gold = list_spans(db, document_id, GOLD)
        tokens = get_tokens(db, document_id)
    spans, missed = classify_against_gold(own, gold)
    scored = _agreement_document(document.id, document.external_id, tokens, user.name, own)
    scores = label_scores(scheme, [scored], user.name, {document.id: [_data(g) for g in gold]})
    return Feedback(document_id, release, spans, missed, scores)


def label_scores(
    scheme: LabelScheme,
    documents: list[AgreementDocument],
    name: str,
    gold: dict[int, list[SpanData]],
) -> dict[str, dict]:
    """{LABEL: {"p", "r", "f"}} of `name` against gold (overlap matching; None where undefined)."""
    keys = scheme.keys()
    result = score_against_gold(documents, [name], keys, gold)["by_annotator"][0]["overlap"]
    return {
        key: {"p": v["precision"], "r": v["recall"], "f": v["f1"]}
        for key, v in result["by_label"].items()
    }


def queue_scores(db, scheme: LabelScheme, user: User) -> tuple[dict[str, dict], int]:
    """The annotator's P/R/F1 per label over every released document of theirs; how many."""
    with store.read_snapshot(db):
        released = released_ids(db)
        mine = [
            d
            for d in documents_for_annotator(db, user.name)
            if d.id in released and d.status == "done"
        ]
        documents, gold = [], {}
        for d in mine:
            own = list_spans(db, d.id, user.name)
            documents.append(
                _agreement_document(d.id, d.external_id, get_tokens(db, d.id), user.name, own)
            )
            gold[d.id] = [_data(g) for g in list_spans(db, d.id, GOLD)]
    if not documents:
        return {}, 0
    return label_scores(scheme, documents, user.name, gold), len(documents)


def _data(span: Span) -> SpanData:
    return SpanData(span.start, span.end, span.token_start, span.token_end, span.label)


def _agreement_document(document_id, external_id, tokens, name, own) -> AgreementDocument:
    return AgreementDocument(
        document_id,
        external_id,
        np.stack([tokens.starts, tokens.ends], axis=1),
        {name: [_data(s) for s in own]},
    )
