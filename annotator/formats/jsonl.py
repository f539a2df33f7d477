"""JSONL of `{"text", "meta"}` records, read line by line; a line that carries annotations
(our own export's record) is read as the Prodigy reader reads it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from annotator.formats.base import ImportFormatError, ImportRecord
from annotator.formats.prodigy import prodigy_task
from annotator.formats.reading import iter_lines, loads_bounded

# keys of an annotated record (our export, Prodigy's tasks): `--format jsonl` on our own
# export once kept only the texts and dropped every span, annotator and status without a word
ANNOTATION_KEYS = ("spans", "_annotator_id", "_session_id", "answer")


def iter_json_lines(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; errors name the file and line."""
    seen = False
    for number, raw in iter_lines(path):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise ImportFormatError(f"{path}:{number}: not valid UTF-8") from exc
        if not line.strip():
            continue
        seen = True
        value = loads_bounded(line, f"{path}:{number}")
        if not isinstance(value, dict):
            raise ImportFormatError(f"{path}:{number}: a line must be a JSON object")
        yield number, value
    if not seen:
        raise ImportFormatError(f"{path}: empty file")


def read_jsonl(path: Path) -> Iterator[ImportRecord]:
    """One record per line: `text` (required), `meta` (optional object); a record with spans,
    an annotator or an answer (our export's JSONL) keeps them, as with `--format prodigy`."""
    for number, value in iter_json_lines(path):
        if any(key in value for key in ANNOTATION_KEYS):
            yield prodigy_task(value, f"{path}:{number}")
            continue
        text = value.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ImportFormatError(f"{path}:{number}: field 'text' is missing or empty")
        meta = value.get("meta", {})
        if not isinstance(meta, dict):
            raise ImportFormatError(f"{path}:{number}: field 'meta' must be an object")
        external_id = meta.get("external_id", meta.get("id"))
        title = meta.get("title")
        yield ImportRecord(
            text=text,
            source=f"{path}:{number}",
            external_id=str(external_id) if external_id is not None else f"{path.name}:{number}",
            title=str(title) if title is not None else None,
            meta=meta,
        )
