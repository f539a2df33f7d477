"""Question threads on an annotator's span or document, and their open counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlite_utils

from annotator.store.db import now

_COLUMNS = "id, document_id, layer, span_id, author, text, created, resolved"


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    document_id: int
    layer: str  # the annotator whose work the thread is about
    span_id: str | None  # None: a thread on the document
    author: str
    text: str
    created: str
    resolved: bool

    def api(self) -> dict:
        """The comment as the JSON API lists it."""
        return {
            "id": self.id,
            "author": self.author,
            "text": self.text,
            "created": self.created,
            "resolved": self.resolved,
            "annotator": self.layer,
            "span_id": self.span_id,
        }


def _comment(row) -> Comment:
    return Comment(*row[:7], bool(row[7]))


def add_comment(
    db: sqlite_utils.Database,
    document_id: int,
    layer: str,
    span_id: str | None,
    author: str,
    text: str,
) -> Comment:
    """Store one comment; a reply to a resolved thread opens it again."""
    stamp = now()
    cur = db.conn.execute(
        "INSERT INTO comment (document_id, layer, span_id, author, text, created, resolved) "
        "VALUES (?, ?, ?, ?, ?, ?, 0)",
        [document_id, layer, span_id, author, text, stamp],
    )
    _thread_where(db, "UPDATE comment SET resolved = 0", document_id, layer, span_id)
    return Comment(cur.lastrowid, document_id, layer, span_id, author, text, stamp, False)


def _thread_where(db, head: str, document_id: int, layer: str | None, span_id: str | None):
    sql = f"{head} WHERE document_id = ?"
    args: list = [document_id]
    if layer is not None:
        sql += " AND layer = ?"
        args.append(layer)
    if span_id is None:
        sql += " AND span_id IS NULL"
    else:
        sql += " AND span_id = ?"
        args.append(span_id)
    return db.conn.execute(sql, args)


def resolve_thread(
    db: sqlite_utils.Database, document_id: int, layer: str | None, span_id: str | None
) -> int:
    """Mark every comment of a thread resolved; how many were open."""
    return _thread_where(
        db, "UPDATE comment SET resolved = 1", document_id, layer, span_id
    ).rowcount


def thread(
    db: sqlite_utils.Database, document_id: int, layer: str | None, span_id: str | None
) -> list[Comment]:
    """The comments of one thread (of one layer, or every layer for `layer` None), oldest first."""
    cur = _thread_where(db, f"SELECT {_COLUMNS} FROM comment", document_id, layer, span_id)
    return sorted((_comment(r) for r in cur.fetchall()), key=lambda c: c.id)


def document_comments(
    db: sqlite_utils.Database, document_id: int, layer: str | None = None
) -> list[Comment]:
    """Every comment on a document and its spans (of one layer, or all), oldest first."""
    sql = f"SELECT {_COLUMNS} FROM comment WHERE document_id = ?"
    args: list = [document_id]
    if layer is not None:
        sql += " AND layer = ?"
        args.append(layer)
    return [_comment(r) for r in db.conn.execute(sql + " ORDER BY id", args).fetchall()]


def open_threads(db: sqlite_utils.Database, layer: str | None = None) -> dict[int, int]:
    """document_id -> number of threads with an unresolved comment (of one layer, or all)."""
    sql = (
        "SELECT document_id, COUNT(DISTINCT layer || ':' || COALESCE(span_id, '')) FROM comment "
        "WHERE resolved = 0"
    )
    args: list = []
    if layer is not None:
        sql += " AND layer = ?"
        args.append(layer)
    rows = db.conn.execute(sql + " GROUP BY document_id", args)
    return dict(rows.fetchall())


def layer_notes(
    db: sqlite_utils.Database, lo: int, hi: int
) -> dict[tuple[int, str], list[Comment]]:
    """(document_id, layer) -> its comments, for documents lo..hi (the export's notes)."""
    result: dict[tuple[int, str], list[Comment]] = defaultdict(list)
    rows = db.conn.execute(
        f"SELECT {_COLUMNS} FROM comment WHERE document_id BETWEEN ? AND ? ORDER BY id", [lo, hi]
    )
    for row in rows.fetchall():
        comment = _comment(row)
        result[(comment.document_id, comment.layer)].append(comment)
    return dict(result)
