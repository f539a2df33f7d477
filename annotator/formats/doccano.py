"""doccano sequence-labelling JSONL: read the old and new span layouts, write the classic one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from annotator.formats.base import ImportedSpan, ImportFormatError, ImportRecord
from annotator.formats.export_record import write_jsonl
from annotator.formats.reading import (
    IGNORED_KEY,
    iter_jsonl,
    iter_objects,
    require_label,
    require_offset,
)


def read_doccano(path: Path) -> Iterator[ImportRecord]:
    """Records of a doccano JSONL export, streamed line by line.

    Spans come from `"label"` or `"labels"` as `[[start, end, LABEL], ...]` (doccano 1.x) or from
    `"entities"` as `[{"start_offset", "end_offset", "label"}]` (relation projects); `relations`
    are counted in `meta["_ignored"]`. A `"label"` list of plain strings is a document category
    (text classification), kept in `meta["categories"]`, not a span. The annotator is the optional
    `"annotator"` or `"user"` field; `is_confirmed: true` or a set `annotation_approver` marks done.
    """
    path = Path(path)
    for line_no, obj in iter_jsonl(path):
        where = f"{path}:{line_no}"
        text = obj.get("text", obj.get("data"))
        if not isinstance(text, str):
            raise ImportFormatError(f'{where}: "text" missing or not a string')
        meta = obj.get("meta") or {}
        if not isinstance(meta, dict):
            raise ImportFormatError(f'{where}: "meta" must be an object')
        meta = dict(meta)
        spans: list[ImportedSpan] | None = None
        for key in ("label", "labels"):
            if key in obj:
                found, categories = _read_triples(obj[key], key, where)
                if found is not None:
                    spans = (spans or []) + found
                if categories:
                    meta["categories"] = categories
        if "entities" in obj:
            spans = (spans or []) + _read_entities(obj["entities"], where)
        if obj.get("relations"):
            meta[IGNORED_KEY] = {"relations": len(obj["relations"])}
        annotator = obj.get("annotator", obj.get("user"))
        if annotator is not None:
            if isinstance(annotator, bool) or not isinstance(annotator, str | int):
                raise ImportFormatError(f'{where}: "annotator" must be a name or an id')
            annotator = str(annotator)
        if "id" in obj:
            meta.setdefault("doccano_id", obj["id"])
        external_id = meta.pop("external_id", None)
        title = meta.pop("title", None)
        yield ImportRecord(
            text=text,
            source=where,
            external_id=str(external_id) if external_id is not None else None,
            title=title if isinstance(title, str) else None,
            meta=meta,
            annotator=annotator,
            spans=spans,
            done=bool(obj.get("is_confirmed")) or bool(obj.get("annotation_approver")),
        )


def _read_triples(
    raw: Any, key: str, where: str
) -> tuple[list[ImportedSpan] | None, list[str] | None]:
    if not isinstance(raw, list):
        raise ImportFormatError(f'{where}: "{key}" must be a list')
    if raw and all(isinstance(item, str) for item in raw):
        return None, list(raw)
    spans = []
    for i, item in enumerate(raw):
        at = f'{where}: "{key}"[{i}]'
        if not isinstance(item, list) or len(item) != 3:
            raise ImportFormatError(f"{at}: expected [start, end, label], got {item!r}")
        start = require_offset(item[0], "start", at)
        end = require_offset(item[1], "end", at)
        if not isinstance(item[2], str) or not item[2]:
            raise ImportFormatError(f"{at}: label must be a string, got {item[2]!r}")
        spans.append(ImportedSpan(start=start, end=end, label=item[2], source=where))
    return spans, None


def _read_entities(raw: Any, where: str) -> list[ImportedSpan]:
    spans = []
    for at, item in iter_objects(raw, "entities", where):
        start = require_offset(item.get("start_offset"), '"start_offset"', at)
        end = require_offset(item.get("end_offset"), '"end_offset"', at)
        label = require_label(item, at)
        spans.append(ImportedSpan(start=start, end=end, label=label, source=where))
    return spans


def doccano_record(record: dict[str, Any]) -> dict[str, Any]:
    """The classic doccano line for one export record (section 7 JSONL record)."""
    meta = record["meta"]
    return {
        "text": record["text"],
        "label": [[s["start"], s["end"], s["label"]] for s in record["spans"]],
        "annotator": record["_annotator_id"],
        "is_confirmed": record.get("answer") == "accept",
        "meta": {
            "document_id": meta["document_id"],
            "external_id": meta["external_id"],
            "title": meta["title"],
        },
    }


def write_doccano(records: Iterable[dict[str, Any]], fh: IO[str]) -> int:
    """Write export records as doccano JSONL, one line each; returns the number written."""
    return write_jsonl(map(doccano_record, records), fh)
