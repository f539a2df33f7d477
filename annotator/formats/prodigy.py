"""Prodigy JSONL (and our own export, which is Prodigy-compatible): one task per line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.core.origin import checked_origin
from annotator.formats.base import ImportedSpan, ImportFormatError, ImportRecord
from annotator.formats.reading import (
    iter_jsonl,
    iter_objects,
    require_label,
    require_offset,
    require_text,
)

# Keys of an export's meta that describe the document's name or the exported layer (its active
# time and question threads), not the document: never stored as document meta on re-import.
NOT_DOCUMENT_META = ("external_id", "title", "active_ms", "notes")


def read_prodigy(path: Path) -> Iterator[ImportRecord]:
    """Records of a Prodigy JSONL file, streamed line by line.

    `meta.external_id` / `meta.title` name the document (our export writes them); without them
    the importer falls back to the text hash. `_annotator_id` (else `_session_id`) is the
    annotator; `answer: accept` marks the document done. A task without a `spans` key carries no
    spans (None); `"spans": []` is data: done, found nothing. `tokens` are ignored because the
    importer tokenizes the text itself; the span's `token_start`/`token_end` are likewise
    recomputed from the offsets.
    """
    path = Path(path)
    for line_no, task in iter_jsonl(path):
        yield prodigy_task(task, f"{path}:{line_no}")


def prodigy_task(task: dict, where: str) -> ImportRecord:
    """One Prodigy task (or one record of our own export) as an import record (see read_prodigy)."""
    text = require_text(task, "text", where)
    meta = task.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ImportFormatError(f'{where}: "meta" must be an object')
    annotator = task.get("_annotator_id", task.get("_session_id"))
    if annotator is not None and not isinstance(annotator, str):
        raise ImportFormatError(f'{where}: "_annotator_id" must be a string')
    spans = None
    if "spans" in task:
        spans = _read_spans(task["spans"], where)
    answer = task.get("answer")
    if answer is not None and answer not in ("accept", "reject", "ignore"):
        raise ImportFormatError(f'{where}: "answer" must be accept, reject or ignore')
    # Where the document came from: Prodigy's loaders put the corpus id in meta "id" or
    # "source" (e.g. "rwk1_mkhz_6147-1"); without any the importer falls back to a hash.
    external_id = next(
        (meta[k] for k in ("external_id", "id", "source") if meta.get(k) not in (None, "")),
        None,
    )
    title = meta.get("title")
    return ImportRecord(
        text=text,
        source=where,
        external_id=str(external_id) if external_id is not None else None,
        title=title if isinstance(title, str) else None,
        meta={k: v for k, v in meta.items() if k not in NOT_DOCUMENT_META},
        annotator=annotator,
        spans=spans,
        done=answer == "accept",
        rejected=answer == "reject",
    )


def _read_spans(raw: Any, where: str) -> list[ImportedSpan]:
    if raw is None:
        return []
    spans = []
    for at, span in iter_objects(raw, "spans", where):
        label = require_label(span, at)
        start = require_offset(span.get("start"), '"start"', at)
        end = require_offset(span.get("end"), '"end"', at)
        attributes = span.get("attributes")
        if attributes is not None and not isinstance(attributes, dict):
            raise ImportFormatError(f'{at}: "attributes" must be an object')
        note = span.get("note")
        if note is not None and not isinstance(note, str):
            raise ImportFormatError(f'{at}: "note" must be a string')
        origin = span.get("origin")
        if origin is not None:
            try:
                origin = checked_origin(origin, f"{at}: origin")
            except ValueError as error:
                raise ImportFormatError(str(error)) from None
        expected = span.get("text")
        spans.append(
            ImportedSpan(
                start=start,
                end=end,
                label=label,
                attributes=attributes or None,
                note=note,
                origin=origin,
                expected_text=expected if isinstance(expected, str) else None,
                source=where,
            )
        )
    return spans
