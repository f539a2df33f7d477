"""Documents, their stored tokens and sentences, and per-annotator document status."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlite_utils

from annotator.core.cache import RecentCache
from annotator.core.records import STRATA, Document, DocumentFilter
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


_DOC_COLUMNS = (
    "id, external_id, title, text, text_sha256, lang, meta, created, "
    "outlet, published, author, url, version_of, waiting"
)


def _document(row) -> Document:
    return Document(*row[:6], json.loads(row[6]), *row[7:13], bool(row[13]))


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
    outlet: str | None = None,
    published: str | None = None,
    author: str | None = None,
    url: str | None = None,
    version_of: int | None = None,
    waiting: bool = False,
) -> int:
    """Insert a document with its token arrays; the caller holds the transaction."""
    cur = db.conn.execute(
        "INSERT INTO document (external_id, title, text, text_sha256, lang, meta, created, "
        "outlet, published, author, url, version_of, waiting) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            external_id,
            title,
            text,
            text_sha256,
            lang,
            json.dumps(meta, ensure_ascii=False),
            now(),
            outlet,
            published,
            author,
            url,
            version_of,
            int(waiting),
        ],
    )
    document_id = cur.lastrowid
    _store_tokens(db, document_id, analysis)
    return document_id


def fill_waiting_document(
    db: sqlite_utils.Database,
    document_id: int,
    *,
    title: str,
    text: str,
    text_sha256: str,
    lang: str,
    outlet: str | None,
    published: str | None,
    author: str | None,
    analysis,
) -> None:
    """Give a waiting document its page's text, tokens and fields (the caller's transaction)."""
    db.conn.execute(
        "UPDATE document SET title = ?, text = ?, text_sha256 = ?, lang = ?, outlet = ?, "
        "published = ?, author = ?, waiting = 0 WHERE id = ? AND waiting = 1",
        [title, text, text_sha256, lang, outlet, published, author, document_id],
    )
    db.conn.execute("DELETE FROM token WHERE document_id = ?", [document_id])
    _store_tokens(db, document_id, analysis)
    _TOKENS.discard((database_identity(db), document_id))


def delete_waiting_document(db: sqlite_utils.Database, document_id: int) -> None:
    """Remove a waiting document whose page turned out to be stored already."""
    db.conn.execute("DELETE FROM document WHERE id = ? AND waiting = 1", [document_id])
    _TOKENS.discard((database_identity(db), document_id))


def waiting_documents(db: sqlite_utils.Database) -> list[Document]:
    """The feed entries still waiting for their page, in import order."""
    rows = db.conn.execute(
        f"SELECT {_DOC_COLUMNS} FROM document WHERE waiting = 1 ORDER BY id"
    ).fetchall()
    return [_document(r) for r in rows]


def latest_document_by_url(db: sqlite_utils.Database, url: str) -> Document | None:
    """The newest document (version) of this URL, if any."""
    row = db.conn.execute(
        f"SELECT {_DOC_COLUMNS} FROM document WHERE url = ? ORDER BY id DESC LIMIT 1", [url]
    ).fetchone()
    return _document(row) if row else None


def count_versions(db: sqlite_utils.Database, url: str) -> int:
    """How many documents (versions) carry this URL."""
    return db.conn.execute("SELECT COUNT(*) FROM document WHERE url = ?", [url]).fetchone()[0]


def _store_tokens(db: sqlite_utils.Database, document_id: int, analysis) -> None:
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
    """All documents in import order, without their text (waiting feed entries left out)."""
    rows = db.conn.execute(
        "SELECT id, external_id, title, length(text) FROM document WHERE waiting = 0 ORDER BY id"
    ).fetchall()
    return [DocumentSummary(*r) for r in rows]


def count_documents(db: sqlite_utils.Database) -> int:
    """The number of documents."""
    return db.conn.execute("SELECT COUNT(*) FROM document").fetchone()[0]


def count_waiting(db: sqlite_utils.Database) -> int:
    """The number of feed entries waiting for their page."""
    return db.conn.execute("SELECT COUNT(*) FROM document WHERE waiting = 1").fetchone()[0]


# The SQL value of each stratum (a month is the YYYY-MM of the publication date).
_STRATUM_SQL = {"outlet": "outlet", "month": "substr(published, 1, 7)", "lang": "lang"}


def filter_sql(chosen: DocumentFilter, alias: str = "") -> tuple[str, list[str]]:
    """A WHERE condition (and its arguments) for the documents `chosen` admits, waiting ones
    never; `alias` prefixes the columns ("d." in joins)."""
    parts, args = [f"{alias}waiting = 0"], []
    for name in STRATA:
        value = getattr(chosen, name)
        if value:
            parts.append(f"{alias}{_STRATUM_SQL[name]} = ?")
            args.append(value)
    return " AND ".join(parts), args


def filtered_document_ids(db: sqlite_utils.Database, chosen: DocumentFilter) -> set[int]:
    """The ids of the documents `chosen` admits."""
    where, args = filter_sql(chosen)
    return {r[0] for r in db.conn.execute(f"SELECT id FROM document WHERE {where}", args)}


def document_strata(db: sqlite_utils.Database, by: str) -> dict[int, str | None]:
    """Each document's value of the stratum `by` (outlet, month or lang); None when unknown."""
    if by not in _STRATUM_SQL:
        raise StoreError(f"unknown stratum {by!r} (choose one of {', '.join(STRATA)})")
    return dict(db.conn.execute(f"SELECT id, {_STRATUM_SQL[by]} FROM document WHERE waiting = 0"))


def document_facets(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """The outlets, months and languages the documents have, sorted (the filters' choices)."""
    return {
        by: [
            r[0]
            for r in db.conn.execute(
                f"SELECT DISTINCT {sql} AS v FROM document WHERE waiting = 0 AND v IS NOT NULL "
                "ORDER BY v"
            )
        ]
        for by, sql in _STRATUM_SQL.items()
    }


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
