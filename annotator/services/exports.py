"""Training data out of the database: export records streamed from the store, and their files.

`export_records` is what the command line and a lead's download both call; `write_export` turns
records into one of the file formats, writing to a temporary name that is renamed into place only
when everything was written (no half-written export is ever left behind).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from annotator import store
from annotator.core.errors import AppError
from annotator.core.records import GOLD
from annotator.formats.export_record import (
    TokenColumns,
    input_hash,
    jsonl_record,
    token_dicts,
)
from annotator.formats.registry import EXPORT_FORMATS, FORMATS
from annotator.store import exports as export_store
from annotator.store import users as user_store
from annotator.store.agreement_data import annotator_names
from annotator.store.backup import unsafe_target_problem
from annotator.store.comments import Comment, layer_notes
from annotator.store.spans import get_span


def check_annotators(db, names: Sequence[str]) -> list[str]:
    """`names` if each is an annotator; AppError (404) naming the first that is not."""
    for name in names:
        user = user_store.get_user(db, name)
        if user is None or user.role == GOLD:
            raise AppError(f"no annotator called {name!r}", 404)
        if user.role != "annotator":
            raise AppError(f"{name} is a {user.role}; leads' work is the gold layer (--gold)")
    return list(names)


def export_records(
    db,
    *,
    annotators: Sequence[str] | None = None,
    gold: bool = False,
    done_only: bool = True,
    token_columns: bool = False,
) -> Iterator[dict[str, Any]]:
    """The JSONL records (DESIGN section 7) of the selected layers, one per (document, annotator).

    `annotators` None means every annotator. Gold records carry `_annotator_id` "gold"; a gold
    layer counts as done when adjudicated. Without `done_only`, layers that are not done but hold
    spans come too. Names are checked at once (AppError), records are produced lazily.
    With `token_columns` a record's `tokens` is a TokenColumns (for the writers whose format
    says `reads_token_columns`: building 800 token dicts per document was a third of a spaCy
    export).
    """
    names = (
        annotator_names(db)
        if annotators is None
        else check_annotators(db, [n for n in annotators if n != GOLD])
    )
    gold = gold or (annotators is not None and GOLD in annotators)
    return _records(db, names, gold, done_only, token_columns)


def _records(
    db, names: list[str], gold: bool, done_only: bool, token_columns: bool
) -> Iterator[dict[str, Any]]:
    version = store.schema_version(db)
    shared_id, shared_tokens, text_hash, notes = None, [], 0, {}
    for layer in export_store.export_layers(db, annotators=names, gold=gold, done_only=done_only):
        key = (layer.document_id, layer.annotator)
        # Layers come document by document: the annotators of one document share its tokens.
        if layer.document_id != shared_id:
            index = store.get_tokens(db, layer.document_id)
            shared_id = layer.document_id
            columns = (index.starts.tolist(), index.ends.tolist(), index.ws.tolist())
            shared_tokens = (
                TokenColumns(layer.text, *columns)
                if token_columns
                else token_dicts(layer.text, *columns)
            )
            text_hash = input_hash(layer.text)
            notes = layer_notes(db, layer.document_id, layer.document_id)
        yield jsonl_record(
            text=layer.text,
            document_id=layer.document_id,
            external_id=layer.external_id,
            title=layer.title,
            token_list=shared_tokens,
            text_hash=text_hash,
            spans=layer.spans,
            annotator=layer.annotator,
            schema_version=version,
            done=layer.done,
            article=layer.article,
            active_ms=None if layer.annotator == GOLD else layer.active_ms,
            notes=[_note(db, c) for c in notes.get(key, [])],
            answer=layer.answer,
            stored_meta=layer.meta,
            timestamp=_unix(layer.updated),
        )


def _note(db, comment: Comment) -> dict[str, Any]:
    # `span` is null on a document thread, and on a span deleted since the question.
    note: dict[str, Any] = {
        "span": None,
        "author": comment.author,
        "text": comment.text,
        "created": comment.created,
        "resolved": comment.resolved,
    }
    span = get_span(db, comment.span_id) if comment.span_id else None
    if span is not None:
        note["span"] = {"start": span.start, "end": span.end, "label": span.label}
    return note


def _unix(iso: str | None) -> int | None:
    """Unix seconds of a stored ISO timestamp (None stays None: the export's own time)."""
    if not iso:
        return None
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def write_export(
    records: Iterable[dict[str, Any]],
    fmt: str,
    out: Path | IO[str],
    *,
    lang: str = "de",
    shard_size: int | None = None,
    db=None,
    auto_shard: bool = True,
) -> int:
    """Write `records` as `fmt` to a path (atomically) or a text stream; the record count.

    jsonl and doccano are files (or a stream), spacy a `.spacy` file (a folder of shards with
    `shard_size`, or on its own past AUTO_SHARD_TOKENS unless `auto_shard` is off), ptc a
    folder. An existing folder target is an error rather than merged into; so is (given `db`)
    the database's own file or journal, and any existing target that is not a regular file (a
    device, a FIFO): the rename into place would destroy it.
    """
    if fmt not in EXPORT_FORMATS:
        raise AppError(f"unknown export format {fmt!r} (formats: {', '.join(EXPORT_FORMATS)})")
    form = FORMATS[fmt]
    if not isinstance(out, Path):
        if not form.streamable:
            raise AppError(f"{fmt} output cannot go to standard output; pass --out PATH")
        return form.stream_writer(records, out)
    folder = form.writes_folder or (fmt == "spacy" and shard_size is not None)
    database = store.database_files(db)[0] if db is not None and store.database_files(db) else None
    problem = unsafe_target_problem(out, database) if database is not None else None
    if problem is None and out.exists() and not folder and not out.is_dir() and not out.is_file():
        problem = f"{out}: not a regular file; choose a new path or a regular file"
    if problem:
        raise AppError(problem)
    if folder and out.exists():
        raise AppError(f"{out}: already exists; the {fmt} export writes a new folder")
    if not out.parent.is_dir():
        raise AppError(f"{out}: no such folder {out.parent}")
    if out.is_dir():
        raise AppError(f"{out}: is a folder")
    try:
        if folder:
            tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        else:
            fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
            os.close(fd)
            tmp = Path(name)
    except OSError as exc:
        raise AppError(f"{out}: cannot write ({exc.strerror})") from exc
    try:
        count = _write_path(records, fmt, tmp, lang, shard_size, auto_shard)
        # mkstemp/mkdtemp make private files; an export gets the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod((0o777 if tmp.is_dir() else 0o666) & ~umask)
        if tmp.is_dir() and out.is_file():  # a large spaCy export became a folder of shards
            out.unlink()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)
        raise
    return count


def _write_path(
    records, fmt: str, tmp: Path, lang: str, shard_size: int | None, auto_shard: bool = True
) -> int:
    form = FORMATS[fmt]
    if form.streamable:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            return form.stream_writer(records, fh)
    try:
        if fmt == "spacy":
            return form.path_writer(
                records, tmp, lang, shard_size=shard_size, auto_shard=auto_shard
            )
        return form.path_writer(records, tmp, lang, shard_size=shard_size)
    except ValueError as exc:  # ptc holds one layer
        raise AppError(f"{exc}; export one annotator or --gold") from exc
