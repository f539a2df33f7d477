"""Training examples for the span model: documents with gold spans, split and fingerprinted."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span


@dataclass(frozen=True, slots=True)
class GoldSpan:
    """A labelled span by character offsets, half-open [start, end)."""

    start: int
    end: int
    label: str


@dataclass(frozen=True, slots=True)
class TrainingExample:
    """One document and its gold spans."""

    document_id: str
    text: str
    spans: tuple[GoldSpan, ...]


def split_by_document(
    examples: Sequence[TrainingExample], held_out_fraction: float = 0.2
) -> tuple[list[TrainingExample], list[TrainingExample]]:
    """(train, held out): a fixed split by document, the same for the same document ids."""
    if not 0 < held_out_fraction < 1:
        raise ValueError(f"held_out_fraction must be in (0, 1), not {held_out_fraction}")
    # Ordered by a hash of the id, not by position: adding a document moves few others.
    ordered = sorted(examples, key=lambda e: hashlib.sha256(e.document_id.encode()).hexdigest())
    held_out_count = max(1, math.ceil(len(ordered) * held_out_fraction)) if len(ordered) > 1 else 0
    held_out_ids = {e.document_id for e in ordered[:held_out_count]}
    train = [e for e in examples if e.document_id not in held_out_ids]
    held_out = [e for e in examples if e.document_id in held_out_ids]
    return train, held_out


def training_fingerprint(examples: Iterable[TrainingExample], labels: Sequence[str]) -> str:
    """sha256 over the labels and every example's id, text and spans, in a canonical order."""
    digest = hashlib.sha256()
    digest.update(json.dumps(sorted(labels)).encode())
    for example in sorted(examples, key=lambda e: e.document_id):
        spans = sorted((s.start, s.end, s.label) for s in example.spans)
        record = [example.document_id, example.text, spans]
        digest.update(json.dumps(record, ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def token_span(doc: Doc, start: int, end: int, label: str) -> Span | None:
    """The span widened to the tokens it touches, outer whitespace dropped (as spans snap)."""
    span = doc.char_span(start, end, label=label, alignment_mode="expand")
    if span is None:
        return None
    first, last = span.start, span.end
    while first < last and doc[first].is_space:
        first += 1
    while last > first and doc[last - 1].is_space:
        last -= 1
    return Span(doc, first, last, label=label) if first < last else None


def gold_doc(nlp: Language, example: TrainingExample, labels: Sequence[str], key: str) -> Doc:
    """The tokenized text with its spans of `labels` in doc.spans[key]."""
    doc = nlp.make_doc(example.text)
    spans = [token_span(doc, s.start, s.end, s.label) for s in example.spans if s.label in labels]
    unique = {(s.start, s.end, s.label_): s for s in spans if s is not None}
    doc.spans[key] = sorted(unique.values(), key=lambda s: (s.start, s.end, s.label_))
    return doc
