"""The export record of DESIGN section 7 (Prodigy-compatible JSONL) and its writer."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import IO, Any

from murmurhash.mrmr import hash as murmur3_32

from annotator.core.records import SpanData, Token


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def input_hash(text: str) -> int:
    """Signed 32-bit hash of a task's input, as Prodigy's `_input_hash`.

    MurmurHash3 (x86, 32-bit, seed 0, the `murmurhash` package spaCy ships) of the UTF-8 of
    `{"text": text}` serialised as JSON with sorted keys and no whitespace. Stable across runs,
    machines and Python versions (no `hash()` salt), and the same for every annotator.
    """
    return murmur3_32(_canonical_json({"text": text}))


def task_hash(text: str, spans: Sequence[dict[str, Any]]) -> int:
    """Signed 32-bit hash of input plus annotation, as Prodigy's `_task_hash`.

    MurmurHash3 of the decimal input hash followed by the canonical JSON of `{"spans": spans}`
    with each span reduced to start, end and label, sorted (Prodigy likewise hashes the input
    hash with the task keys). Two annotators who marked the same spans share a task hash, and
    span order, attributes and notes do not change it.
    """
    core = sorted((s["start"], s["end"], s["label"]) for s in spans)
    payload = [{"end": e, "label": lab, "start": s} for s, e, lab in core]
    return murmur3_32(str(input_hash(text)) + _canonical_json({"spans": payload}))


def jsonl_record(
    *,
    text: str,
    document_id: int,
    external_id: str | None,
    title: str | None,
    tokens: Sequence[Token],
    spans: Sequence[SpanData],
    annotator: str,
    schema_version: int,
    done: bool = True,
    article: dict[str, str] | None = None,
    active_ms: int | None = None,
    notes: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The JSONL export record of one (document, annotator), exactly DESIGN section 7.

    `tokens` are the stored tokens of the text and `spans` the annotator's token-snapped spans;
    spans are written sorted by (start, end, label) so that the output is deterministic.
    `attributes` appears only when non-empty and `note` only when set. `meta` carries the
    article fields (outlet, published, author, url, lang, where known), the
    layer's `active_ms` (null for gold, whose time is not measured) and, when there are any, the
    question threads about the layer as `notes`.
    """
    token_dicts = [
        {"text": text[t.start : t.end], "start": t.start, "end": t.end, "id": i, "ws": t.ws}
        for i, t in enumerate(tokens)
    ]
    span_dicts = []
    for s in sorted(spans, key=lambda s: (s.start, s.end, s.label)):
        span: dict[str, Any] = {
            "start": s.start,
            "end": s.end,
            "token_start": s.token_start,
            "token_end": s.token_end,
            "label": s.label,
        }
        if s.attributes:
            span["attributes"] = s.attributes
        if s.note is not None:
            span["note"] = s.note
        if s.scheme_version is not None:
            span["scheme_version"] = s.scheme_version
        span_dicts.append(span)
    meta: dict[str, Any] = {
        "document_id": document_id,
        "external_id": external_id,
        "title": title,
        **(article or {}),
        "active_ms": active_ms,
    }
    if notes:
        meta["notes"] = list(notes)
    return {
        "text": text,
        "meta": meta,
        "tokens": token_dicts,
        "spans": span_dicts,
        # accept: done (gold: adjudicated). Unfinished work (exported with --no-done-only) is
        # "ignore": Prodigy-style trainers skip it, and a re-import keeps it in progress.
        "answer": "accept" if done else "ignore",
        "_annotator_id": annotator,
        "_input_hash": input_hash(text),
        "_task_hash": task_hash(text, span_dicts),
        "schema_version": schema_version,
    }


def write_jsonl(records: Iterable[dict[str, Any]], fh: IO[str]) -> int:
    """Write records one JSON object per line (UTF-8 text, not escaped); returns the count."""
    count = 0
    for record in records:
        fh.write(json.dumps(record, ensure_ascii=False))
        fh.write("\n")
        count += 1
    return count
