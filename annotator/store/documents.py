"""Documents, their stored tokens and sentences, and per-annotator document status."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlite_utils

from annotator.core.cache import RecentCache
from annotator.core.records import Document  # noqa: F401  (the store returns it)
from annotator.store.db import StoreError, database_identity, now


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    id: int
    external_id: str
    title: str
    length: int


class TokenIndex:
    """The stored tokens of one document as numpy columns, for snapping and rendering."""

    __slots__ = ("starts", "ends", "ws", "space", "sentences")

    def __init__(self, starts, ends, ws, space, sentences):
        self.starts, self.ends, self.ws, self.space, self.sentences = (
            starts,
            ends,
            ws,
            space,
            sentences,
        )

    def __len__(self) -> int:
        return len(self.starts)

    def pairs(self) -> list[list[int]]:
        """[[start, end], ...] as the API returns them."""
        return np.stack([self.starts, self.ends], axis=1).tolist() if len(self) else []


_DOC_COLUMNS = "id, external_id, title, text, text_sha256, lang, meta, created"


def _document(row) -> Document:
    return Document(*row[:6], json.loads(row[6]), row[7])


def insert_document(
    db: sqlite_utils.Database,
    *,
    external_id: str,
    title: str,
    text: str,
    text_sha256: str,
    lang: str,
    meta: dict[str, Any],
    analysis,
) -> int:
    """Insert a document with its token arrays; the caller holds the transaction."""
    cur = db.conn.execute(
        "INSERT INTO document (external_id, title, text, text_sha256, lang, meta, created) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [external_id, title, text, text_sha256, lang, json.dumps(meta, ensure_ascii=False), now()],
    )
    document_id = cur.lastrowid
    db.conn.execute(
        "INSERT INTO token (document_id, count, starts, ends, ws, space, sentences) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            document_id,
            len(analysis.starts),
            analysis.starts.astype("<i4").tobytes(),
            analysis.ends.astype("<i4").tobytes(),
            analysis.ws.astype(np.uint8).tobytes(),
            analysis.space.astype(np.uint8).tobytes(),
            analysis.sentences.astype("<i4").tobytes(),
        ],
    )
    return document_id


def document_id_by_sha256(db: sqlite_utils.Database, sha256: str) -> int | None:
    """The id of the document with this text hash, if any."""
    row = db.conn.execute("SELECT id FROM document WHERE text_sha256 = ?", [sha256]).fetchone()
    return row[0] if row else None


def document_by_external_id(db: sqlite_utils.Database, external_id: str) -> Document | None:
    """The document with this external id, if any."""
    row = db.conn.execute(
        f"SELECT {_DOC_COLUMNS} FROM document WHERE external_id = ?", [external_id]
    ).fetchone()
    return _document(row) if row else None


def get_document(db: sqlite_utils.Database, document_id: int) -> Document:
    """One document; StoreError 404 if there is none."""
    row = db.conn.execute(
        f"SELECT {_DOC_COLUMNS} FROM document WHERE id = ?", [document_id]
    ).fetchone()
    if row is None:
        raise StoreError(f"document {document_id} not found", 404)
    return _document(row)


def list_documents(db: sqlite_utils.Database) -> list[DocumentSummary]:
    """All documents in import order, without their text."""
    rows = db.conn.execute(
        "SELECT id, external_id, title, length(text) FROM document ORDER BY id"
    ).fetchall()
    return [DocumentSummary(*r) for r in rows]


def count_documents(db: sqlite_utils.Database) -> int:
    """The number of documents."""
    return db.conn.execute("SELECT COUNT(*) FROM document").fetchone()[0]


def forget_cached_tokens() -> None:
    """Empty the token cache (benchmarks that time cold reads)."""
    _TOKENS.clear()


def get_tokens(db: sqlite_utils.Database, document_id: int) -> TokenIndex:
    """The stored tokens and sentences of one document (cached: they never change)."""
    # Keyed by the database file's identity so that many databases (tests, restores) stay apart.
    key = (database_identity(db), document_id)
    return _TOKENS.get_or_make(key, lambda: _load_tokens(db, document_id))


def _load_tokens(db: sqlite_utils.Database, document_id: int) -> TokenIndex:
    row = db.conn.execute(
        "SELECT starts, ends, ws, space, sentences FROM token WHERE document_id = ?",
        [document_id],
    ).fetchone()
    if row is None:
        raise StoreError(f"document {document_id} not found", 404)
    starts, ends, ws, space, sentences = row
    return TokenIndex(
        np.frombuffer(starts, dtype="<i4"),
        np.frombuffer(ends, dtype="<i4"),
        np.frombuffer(ws, dtype=np.uint8).astype(bool),
        np.frombuffer(space, dtype=np.uint8).astype(bool),
        np.frombuffer(sentences, dtype="<i4"),
    )


_TOKENS: RecentCache[TokenIndex] = RecentCache(512)
