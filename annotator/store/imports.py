"""Bulk writes of imported spans and statuses, with their audit events (the import's fast path)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import chain
from json.encoder import encode_basestring

import sqlite_utils

from annotator.core.origin import manual_origin
from annotator.store import spans as span_store
from annotator.store.db import now
from annotator.store.events import LAYER_IMPORT_FIELDS, record_encoded_event_values
from annotator.store.scheme_versions import CURRENT_VERSION_SQL, current_scheme_version
from annotator.store.spans import Span
from annotator.store.users import GOLD

_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False)
_STRING = encode_basestring  # of a str, as json.dumps(..., ensure_ascii=False) writes it


# SQLite's page cache during an import, in MiB (the default is 2): an import with spans writes
# some 40 kB per document into one transaction, and with the small default cache the pages of
# the indexes it inserts into are spilled to the write-ahead log and read back again and again
# (each read back searches the log's index, which grows with the transaction). With the default
# cache 100,000 documents with 3 x 20 spans cost 29% more CPU per document than 10,000
# (bench/bench_import_memory.py). A fixed size keeps memory flat however large the corpus.
IMPORT_CACHE_MIB = 64


@contextlib.contextmanager
def import_page_cache(db: sqlite_utils.Database) -> Iterator[None]:
    """SQLite's page cache at IMPORT_CACHE_MIB for the duration, then as it was."""
    (previous,) = db.conn.execute("PRAGMA cache_size").fetchone()
    db.conn.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_MIB * 1024}")
    try:
        yield
    finally:
        db.conn.execute(f"PRAGMA cache_size = {int(previous)}")


def layer_has_data(db: sqlite_utils.Database, document_id: int, annotator: str) -> bool:
    """Whether `annotator` (or gold) already has spans or a status on the document."""
    if annotator == GOLD:
        status_sql = "SELECT 1 FROM gold_status WHERE document_id = ? AND status != 'not_started'"
        args: list = [document_id]
    else:
        status_sql = "SELECT 1 FROM document_status WHERE document_id = ? AND annotator = ?"
        args = [document_id, annotator]
    row = db.conn.execute(
        f"SELECT EXISTS (SELECT 1 FROM span WHERE document_id = ? AND annotator = ?) "
        f"OR EXISTS ({status_sql})",
        [document_id, annotator, *args],
    ).fetchone()
    return bool(row[0])


def insert_spans(db: sqlite_utils.Database, spans: Sequence[Span], actor: str) -> None:
    """Insert snapped, merged spans with their audit events, as write_import_batch writes them
    (the caller's transaction)."""
    write_import_batch(db, spans, [], actor)


class PlainLayer(list):
    """Plain spans (`_is_plain`) of one record on one layer of one document, in text order and
    none sharing a token, as one flat list of eight values a span: id, document id, annotator,
    label, start, end, token start, token end (the columns of span_store.insert_plain_values).
    What an import mostly writes, gathered without a Span per span; write_import_batch stores
    them and their layer `import` event as it stores the same spans given as Spans."""

    __slots__ = ()


def write_import_batch(
    db: sqlite_utils.Database,
    writes: Sequence[Span | PlainLayer | tuple],
    statuses: Sequence[tuple[int, str, str]],
    actor: str,
) -> None:
    """Write what an import gathered over a batch of records, in a few statements (the
    caller's transaction): the statuses (document id, annotator, status), the spans among
    `writes` (Spans, then PlainLayers), and the events, in the order of `writes`: the status
    events among them (`status_event` tuples), one layer `import` event per PlainLayer and per
    run of plain Spans of one layer (layer_import_event), a `create` event for any other span."""
    stamp = now()
    if statuses:
        db.conn.executemany(
            "INSERT INTO document_status (document_id, annotator, status, updated, "
            f"scheme_version) VALUES (?, ?, ?, ?, {CURRENT_VERSION_SQL}) "
            "ON CONFLICT (document_id, annotator) DO UPDATE SET status = excluded.status, "
            "updated = excluded.updated, scheme_version = excluded.scheme_version",
            [(d, a, status, stamp) for d, a, status in statuses],
        )
    spans = [w for w in writes if type(w) is not tuple and type(w) is not PlainLayer]
    if spans:
        span_store.insert_spans(db, spans)
    plain = [w for w in writes if type(w) is PlainLayer]
    scheme_version = None
    if plain:
        scheme_version = current_scheme_version(db)
        span_store.insert_plain_values(db, list(chain.from_iterable(plain)), stamp, scheme_version)
    if writes:
        events: list = []
        run: list[Span] = []  # consecutive plain spans of one layer: one `import` event
        key: tuple | None = None
        for w in writes:
            if type(w) is tuple or type(w) is PlainLayer:
                if run:
                    events += layer_import_event(run, actor)
                    run = []
                if type(w) is tuple:
                    events += w
                else:
                    events += plain_layer_event(w, stamp, scheme_version, actor)
            elif _is_plain(w):
                k = (w.document_id, w.annotator, w.created, w.updated, w.scheme_version, w.version)
                if run and k != key:
                    events += layer_import_event(run, actor)
                    run = []
                key = k
                run.append(w)
            else:
                if run:
                    events += layer_import_event(run, actor)
                    run = []
                events += (w.created, actor, "create", "span", w.id, w.document_id, None)
                events.append(span_record_json(w))
        if run:
            events += layer_import_event(run, actor)
        record_encoded_event_values(db, events)


def layer_import_event(spans: Sequence[Span], actor: str) -> tuple:
    """The audit event of plain spans (`_is_plain`) an import created on one layer of one
    document, sharing time stamps, versions and scheme version, as write_import_batch takes it.

    One event, action `import` on entity `layer` ("<document id>:<annotator>"), instead of a
    `create` event per span: its `after` holds every created record in columns, the fields
    the spans share once, the labels once (`labels`), and per span one row of
    LAYER_IMPORT_FIELDS (`spans`; `label` as its index into `labels`), in compact JSON, so
    that events.layer_import_records rebuilds each span's record exactly. A `create` event
    repeated the whole record for each of an import's millions of spans: two thirds of the
    database and a fifth of the import's time (bench/bench_import_memory.py).
    """
    first = spans[0]
    return _layer_event(
        (first.document_id, first.annotator, first.created, first.updated),
        (first.scheme_version, first.version),
        [(s.id, s.label, s.start, s.end, s.token_start, s.token_end) for s in spans],
        actor,
    )


def plain_layer_event(layer: PlainLayer, stamp: str, scheme_version: int, actor: str) -> tuple:
    """layer_import_event of a PlainLayer's spans, created and updated at `stamp`, version 1."""
    v = layer
    return _layer_event(
        (v[1], v[2], stamp, stamp),
        (scheme_version, 1),
        zip(v[0::8], v[3::8], v[4::8], v[5::8], v[6::8], v[7::8], strict=True),
        actor,
    )


def _layer_event(layer: tuple, versions: tuple, spans: Iterable[tuple], actor: str) -> tuple:
    # spans: (id, label, start, end, token start, token end) each
    document_id, annotator, created, _ = layer
    labels: dict[str, int] = {}
    rows = ",".join(
        [
            f"[{_STRING(ident)},{labels.setdefault(label, len(labels))},{start},{end},"
            f"{token_start},{token_end}]"
            for ident, label, start, end, token_start, token_end in spans
        ]
    )
    return (
        created,
        actor,
        "import",
        "layer",
        f"{document_id}:{annotator}",
        document_id,
        None,
        f'{_layer_head(layer, versions)}"labels":[{",".join(map(_STRING, labels))}],'
        f'"spans":[{rows}]}}',
    )


def _layer_head(layer: tuple, versions: tuple) -> str:
    document_id, annotator, created, updated = layer
    scheme_version, version = versions
    return (
        f'{{"document_id":{document_id},"annotator":{_STRING(annotator)},'
        f'"attributes":{{}},"note":"","version":{version},'
        f'"created":{_STRING(created)},"updated":{_STRING(updated)},'
        f'"scheme_version":{scheme_version},"origin":{_MANUAL_COMPACT},"suggestion_id":null,'
        f'"fields":{_FIELDS_COMPACT},'
    )


_MANUAL_COMPACT = json.dumps(manual_origin(), ensure_ascii=False, separators=(",", ":"))
_FIELDS_COMPACT = json.dumps(list(LAYER_IMPORT_FIELDS), separators=(",", ":"))


def status_event(
    actor: str, document_id: int, annotator: str, before: str | None, after: str
) -> tuple:
    """The audit event of an annotator's status change, as write_import_batch takes it (what
    services.annotations.record_status records)."""
    return (
        now(),
        actor,
        "status",
        "status",
        f"{document_id}:{annotator}",
        document_id,
        None if before is None else _status_json(before),
        _status_json(after),
    )


@lru_cache(maxsize=16)
def _status_json(status: str) -> str:
    return _ENCODE({"status": status})


_MANUAL = manual_origin()
_MANUAL_JSON = _ENCODE(_MANUAL)


def _is_plain(s: Span) -> bool:
    """A span without attributes, note, suggestion or other origin, of plain ints and strs: what
    an import mostly writes, each one row of its layer's `import` event."""
    return (
        not s.attributes
        and s.note == ""
        and s.origin == _MANUAL
        and s.suggestion_id is None
        and type(s.document_id) is int
        and type(s.start) is int
        and type(s.end) is int
        and type(s.token_start) is int
        and type(s.token_end) is int
        and type(s.version) is int
        and type(s.scheme_version) is int
        and type(s.annotator) is str
        and type(s.label) is str
        and type(s.created) is str
        and type(s.updated) is str
    )


def span_record_json(span: Span) -> str:
    """`json.dumps(span.record(), ensure_ascii=False)`, character for character, formatted
    directly (the `create` event of an imported span with a note, attributes or another
    origin)."""
    s = span
    origin = _MANUAL_JSON if s.origin == _MANUAL else _ENCODE(s.origin)
    return (
        f'{{"id": {_STRING(s.id)}, "document_id": {_number(s.document_id)}, '
        f'"annotator": {_STRING(s.annotator)}, "label": {_STRING(s.label)}, '
        f'"start": {_number(s.start)}, "end": {_number(s.end)}, '
        f'"token_start": {_number(s.token_start)}, "token_end": {_number(s.token_end)}, '
        f'"attributes": {_ENCODE(s.attributes) if s.attributes else "{}"}, '
        f'"note": {_STRING(s.note)}, "version": {_number(s.version)}, '
        f'"created": {_STRING(s.created)}, "updated": {_STRING(s.updated)}, '
        f'"scheme_version": {_number(s.scheme_version)}, "origin": {origin}, '
        f'"suggestion_id": {_number(s.suggestion_id)}}}'
    )


def _number(value: int | None) -> str:
    # int.__repr__ is what json writes for an int; anything else goes through the encoder
    if type(value) is int:
        return str(value)
    return "null" if value is None else _ENCODE(value)
