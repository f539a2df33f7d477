"""The export record of DESIGN section 7 (Prodigy-compatible JSONL) and its writer."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
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


def task_hash(text: str, spans: Sequence[dict[str, Any]], input_hash_: int | None = None) -> int:
    """Signed 32-bit hash of input plus annotation, as Prodigy's `_task_hash`.

    MurmurHash3 of the decimal input hash followed by the canonical JSON of `{"spans": spans}`
    with each span reduced to start, end and label, sorted (Prodigy likewise hashes the input
    hash with the task keys). Two annotators who marked the same spans share a task hash, and
    span order, attributes and notes do not change it. `input_hash_` is `input_hash(text)`
    when the caller has it already.
    """
    core = sorted((s["start"], s["end"], s["label"]) for s in spans)
    payload = [{"end": e, "label": lab, "start": s} for s, e, lab in core]
    first = input_hash(text) if input_hash_ is None else input_hash_
    return murmur3_32(str(first) + _canonical_json({"spans": payload}))


def jsonl_record(
    *,
    text: str,
    document_id: int,
    external_id: str | None,
    title: str | None,
    tokens: Sequence[Token] | None = None,
    spans: Sequence[SpanData],
    annotator: str,
    schema_version: int,
    done: bool = True,
    article: dict[str, str] | None = None,
    active_ms: int | None = None,
    notes: Sequence[dict[str, Any]] = (),
    answer: str | None = None,
    stored_meta: dict[str, Any] | None = None,
    timestamp: int | None = None,
    token_list: list[dict[str, Any]] | TokenColumns | None = None,
    text_hash: int | None = None,
) -> dict[str, Any]:
    """The JSONL export record of one (document, annotator), exactly DESIGN section 7.

    `tokens` are the stored tokens of the text and `spans` the annotator's token-snapped spans;
    spans are written sorted by (start, end, label) so that the output is deterministic.
    `attributes` appears only when non-empty and `note` only when set. `meta` is the document's
    `stored_meta` (its source, ...) under our own keys, the article fields (outlet, published,
    author, url, lang, where known), the layer's `active_ms` (null for gold, whose time is not
    measured) and, when there are any, the question threads about the layer as `notes`.
    `answer` defaults to accept when `done`, else ignore. `_view_id`, `_timestamp` (Unix
    seconds of the layer's last status) and `_session_id` (the annotator) are Prodigy's own, so
    `prodigy db-in` and `data-to-spacy` take the record as theirs. `token_list` (from
    `token_dicts`) replaces `tokens`: the records of one document's annotators share it, as
    they share `text_hash`, the text's `input_hash` when the caller has computed it.
    """
    if token_list is None:
        token_list = [
            {"text": text[t.start : t.end], "start": t.start, "end": t.end, "id": i, "ws": t.ws}
            for i, t in enumerate(tokens or ())
        ]
    token_dicts = token_list
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
        if s.origin is not None:
            span["origin"] = s.origin
        span_dicts.append(span)
    if text_hash is None:
        text_hash = input_hash(text)
    meta: dict[str, Any] = {
        **(stored_meta or {}),
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
        "answer": answer or ("accept" if done else "ignore"),
        "_annotator_id": annotator,
        "_session_id": annotator,
        "_view_id": "spans_manual",
        "_timestamp": int(timestamp if timestamp is not None else time.time()),
        "_input_hash": text_hash,
        "_task_hash": task_hash(text, span_dicts, text_hash),
        "schema_version": schema_version,
    }


class TokenDicts(list):
    """A record's `tokens` as `token_dicts` makes them: each item is exactly
    {"text": str, "start": int, "end": int, "id": int, "ws": bool}, in that key order, so
    that writers may encode them without the generic JSON encoder."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class TokenColumns:
    """A record's tokens as the stored columns instead of token dicts, for writers that only
    rebuild the words (spaCy): `export_records(token_columns=True)`. JSON cannot encode it;
    `token_dicts(*columns)` is the record's own list."""

    text: str
    starts: list[int]
    ends: list[int]
    ws: list[bool]

    def __len__(self) -> int:
        return len(self.starts)

    def words(self) -> list[str]:
        """The token texts."""
        text = self.text
        return [text[s:e] for s, e in zip(self.starts, self.ends, strict=True)]


def token_dicts(
    text: str, starts: Sequence[int], ends: Sequence[int], ws: Sequence[bool]
) -> TokenDicts:
    """The record's `tokens` from the stored token columns (plain ints and bools)."""
    return TokenDicts(
        [
            {"text": text[s:e], "start": s, "end": e, "id": i, "ws": w}
            for i, (s, e, w) in enumerate(zip(starts, ends, ws, strict=True))
        ]
    )


def encode_tokens(tokens: list[dict[str, Any]] | TokenColumns) -> str:
    """`json.dumps(tokens, ensure_ascii=False)`, character for character (of the token dicts,
    for TokenColumns); a TokenDicts list or TokenColumns (most of an export's bytes) is
    formatted directly, more than twice as fast."""
    if isinstance(tokens, TokenColumns):
        text = tokens.text
        return (
            "["
            + ", ".join(
                [
                    f'{{"text": {encode_basestring(text[s:e])}, "start": {s}, "end": {e}, '
                    f'"id": {i}, "ws": {"true" if w else "false"}}}'
                    for i, (s, e, w) in enumerate(
                        zip(tokens.starts, tokens.ends, tokens.ws, strict=True)
                    )
                ]
            )
            + "]"
        )
    if not isinstance(tokens, TokenDicts):
        return json.dumps(tokens, ensure_ascii=False)
    return (
        "["
        + ", ".join(
            [
                f'{{"text": {encode_basestring(t["text"])}, "start": {t["start"]}, '
                f'"end": {t["end"]}, "id": {t["id"]}, "ws": {"true" if t["ws"] else "false"}}}'
                for t in tokens
            ]
        )
        + "]"
    )


def write_jsonl(records: Iterable[dict[str, Any]], fh: IO[str]) -> int:
    """Write records one JSON object per line (UTF-8 text, not escaped); returns the count.

    The tokens, most of a record, are encoded once per document: records that share their
    token list (one per annotator of a document) reuse the encoded text. The line is the same
    as json.dumps of the whole record (of its token dicts where it carries TokenColumns).
    """
    count = 0
    shared: list | TokenColumns | None = None
    encoded = ""
    for record in records:
        tokens = record.get("tokens")
        if not isinstance(tokens, list | TokenColumns):
            fh.write(json.dumps(record, ensure_ascii=False))
        else:
            if tokens is not shared:
                shared, encoded = tokens, encode_tokens(tokens)
            keys = list(record)
            at = keys.index("tokens")
            head = {k: record[k] for k in keys[:at]}
            tail = {k: record[k] for k in keys[at + 1 :]}
            parts = [json.dumps(head, ensure_ascii=False)[:-1]] if head else ["{"]
            parts.append(", " if head else "")
            parts.append('"tokens": ' + encoded)
            if tail:
                parts.append(", " + json.dumps(tail, ensure_ascii=False)[1:])
            else:
                parts.append("}")
            fh.write("".join(parts))
        fh.write("\n")
        count += 1
    return count
