"""Spans and per-annotator document status."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

import sqlite_utils

from annotator.core.origin import MANUAL, SUGGESTION, manual_origin, suggestion_origin
from annotator.core.records import Span  # noqa: F401  (the store returns it)
from annotator.store.bulk import insert_values
from annotator.store.db import now
from annotator.store.scheme_versions import CURRENT_VERSION_SQL, current_scheme_version

_COLUMNS = (
    'id, document_id, annotator, label, start, "end", token_start, token_end, attributes, note, '
    "version, created, updated, scheme_version, origin_kind, origin_source, origin_edited, "
    "suggestion_id"
)


def _span(row) -> Span:
    return Span(*row[:8], json.loads(row[8]), *row[9:14], origin_of(*row[14:17]), row[17])


def origin_of(kind: str, source: str | None, edited: int) -> dict:
    """The origin record of the stored origin columns."""
    if kind == SUGGESTION:
        return suggestion_origin(source or "", bool(edited))
    return manual_origin()


def _origin_columns(span: Span) -> tuple:
    origin = span.origin or manual_origin()
    if origin.get("kind") == SUGGESTION:
        return SUGGESTION, origin.get("source"), int(bool(origin.get("edited")))
    return MANUAL, None, 0


def get_span(db: sqlite_utils.Database, span_id: str) -> Span | None:
    """One span by id, if it exists."""
    row = db.conn.execute(f"SELECT {_COLUMNS} FROM span WHERE id = ?", [span_id]).fetchone()
    return _span(row) if row else None


def list_spans(
    db: sqlite_utils.Database, document_id: int, annotator: str | None = None
) -> list[Span]:
    """Spans of a document in text order, of one annotator or all."""
    sql = f"SELECT {_COLUMNS} FROM span WHERE document_id = ?"
    args: list = [document_id]
    if annotator is not None:
        sql += " AND annotator = ?"
        args.append(annotator)
    sql += ' ORDER BY start, "end" DESC, label, annotator'
    return [_span(r) for r in db.conn.execute(sql, args).fetchall()]


def same_label_overlaps(
    db: sqlite_utils.Database,
    document_id: int,
    annotator: str,
    label: str,
    token_start: int,
    token_end: int,
    exclude_id: str | None = None,
) -> list[Span]:
    """The annotator's spans of `label` sharing a token with token_start..token_end."""
    rows = db.conn.execute(
        f"SELECT {_COLUMNS} FROM span WHERE document_id = ? AND annotator = ? AND label = ? "
        "AND token_start <= ? AND token_end >= ? AND id != ? ORDER BY start",
        [document_id, annotator, label, token_end, token_start, exclude_id or ""],
    ).fetchall()
    return [_span(r) for r in rows]


def insert_span(db: sqlite_utils.Database, span: Span) -> Span:
    """Insert a span row as given (timestamps filled in when empty)."""
    insert_spans(db, [span])
    return span


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False)


def insert_spans(db: sqlite_utils.Database, spans: Sequence[Span]) -> None:
    """Insert span rows as given, in few statements (timestamps filled in when empty)."""
    stamp = now()
    version = current_scheme_version(db)
    for span in spans:
        if span.scheme_version is None:
            span.scheme_version = version
        span.created = span.created or stamp
        span.updated = span.updated or stamp
    for shared, run in _runs(spans):
        values: list = []
        if shared is None:
            span_values(run, values)
            insert_values(db, f"INSERT INTO span ({_COLUMNS}) VALUES", 18, values)
        else:
            for s in run:
                values += (s.id, s.document_id, s.annotator, s.label, s.start, s.end)
                values += (s.token_start, s.token_end)
            insert_values(db, _INSERT_SHARING, 8, values, shared)


def insert_plain_values(
    db: sqlite_utils.Database, values: list, stamp: str, scheme_version: int
) -> None:
    """Insert plain spans given as one flat list of eight values a span (id, document id,
    annotator, label, start, end, token start, token end: an import's PlainLayers), without
    attributes, note or suggestion, version 1, created and updated at `stamp`."""
    shared = _shared(("", 1, stamp, stamp, scheme_version, None))
    insert_values(db, _INSERT_SHARING, 8, values, shared)


# The columns of a span without attributes or suggestion origin, its own first; the others,
# equal over an import's batch, are bound once per statement (`_runs`).
_INSERT_SHARING = (
    'INSERT INTO span (id, document_id, annotator, label, start, "end", token_start, token_end, '
    "attributes, note, version, created, updated, scheme_version, origin_kind, origin_source, "
    "origin_edited, suggestion_id) VALUES"
)


def _runs(spans: Sequence[Span]) -> Iterator[tuple[tuple | None, list[Span]]]:
    """The spans in order, in runs that share the values of _INSERT_SHARING's last ten
    columns (those values), or that have attributes or a suggestion origin (None)."""
    run: list[Span] = []
    key: tuple | None = None
    for s in spans:
        origin = s.origin
        if s.attributes or (origin and origin.get("kind") == SUGGESTION):
            k = None
        else:
            k = (s.note, s.version, s.created, s.updated, s.scheme_version, s.suggestion_id)
        if run and k != key:
            yield _shared(key), run
            run = []
        key = k
        run.append(s)
    if run:
        yield _shared(key), run


def _shared(key: tuple | None) -> tuple | None:
    if key is None:
        return None
    note, version, created, updated, scheme_version, suggestion_id = key
    return ("{}", note, version, created, updated, scheme_version, *_MANUAL_COLUMNS, suggestion_id)


_MANUAL_COLUMNS = (MANUAL, None, 0)


def span_values(spans: Iterable[Span], values: list) -> None:
    """Append each span's column values, in _COLUMNS order, to the flat list `values` (an
    import writes some 60 rows per document: no tuple per row)."""
    for s in spans:
        values += (
            s.id,
            s.document_id,
            s.annotator,
            s.label,
            s.start,
            s.end,
            s.token_start,
            s.token_end,
            _ENCODE(s.attributes) if s.attributes else "{}",
            s.note,
            s.version,
            s.created,
            s.updated,
            s.scheme_version,
        )
        origin = s.origin
        values += (
            _origin_columns(s) if origin and origin.get("kind") == SUGGESTION else _MANUAL_COLUMNS
        )
        values.append(s.suggestion_id)


def update_span(db: sqlite_utils.Database, span: Span, expected_version: int) -> bool:
    """Write `span`'s fields with version+1 if the stored version is `expected_version`."""
    span.updated = now()
    cur = db.conn.execute(
        'UPDATE span SET label = ?, start = ?, "end" = ?, token_start = ?, token_end = ?, '
        "attributes = ?, note = ?, version = version + 1, updated = ?, "
        f"scheme_version = {CURRENT_VERSION_SQL}, origin_kind = ?, origin_source = ?, "
        "origin_edited = ? WHERE id = ? AND version = ?",
        [
            span.label,
            span.start,
            span.end,
            span.token_start,
            span.token_end,
            json.dumps(span.attributes, ensure_ascii=False),
            span.note,
            span.updated,
            *_origin_columns(span),
            span.id,
            expected_version,
        ],
    )
    if cur.rowcount == 1:
        span.version = expected_version + 1
        span.scheme_version = current_scheme_version(db)
        return True
    return False


def delete_span(db: sqlite_utils.Database, span_id: str) -> bool:
    """Delete a span row; whether it existed."""
    return db.conn.execute("DELETE FROM span WHERE id = ?", [span_id]).rowcount == 1


def count_spans(db: sqlite_utils.Database, annotator: str | None = None) -> int:
    """The number of spans, of one annotator or all."""
    if annotator is None:
        return db.conn.execute("SELECT COUNT(*) FROM span").fetchone()[0]
    return db.conn.execute("SELECT COUNT(*) FROM span WHERE annotator = ?", [annotator]).fetchone()[
        0
    ]


def labels_in_use(db: sqlite_utils.Database) -> dict[str, int]:
    """Every label that stored spans carry (gold included) -> its number of spans."""
    rows = db.conn.execute("SELECT label, COUNT(*) FROM span GROUP BY label ORDER BY label")
    return dict(rows.fetchall())
