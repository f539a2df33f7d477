"""Which annotators may reach which documents: a document without assignment rows is everyone's."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from annotator.core.records import DocumentFilter
from annotator.store.documents import filter_sql


@dataclass(frozen=True, slots=True)
class VisibleDocument:
    id: int
    external_id: str
    title: str
    status: str | None  # the annotator's own status; None when they have not started
    outlet: str | None = None
    published: str | None = None
    author: str | None = None
    url: str | None = None
    lang: str | None = None


def is_assigned(db: sqlite_utils.Database, document_id: int, annotator: str) -> bool:
    """Whether `annotator` may reach the document (assigned to them, or to nobody); never a
    feed entry still waiting for its page."""
    row = db.conn.execute(
        "SELECT NOT EXISTS (SELECT 1 FROM document WHERE id = ? AND waiting = 1) AND ("
        "NOT EXISTS (SELECT 1 FROM assignment WHERE document_id = ?) "
        "OR EXISTS (SELECT 1 FROM assignment WHERE document_id = ? AND annotator = ?))",
        [document_id, document_id, document_id, annotator],
    ).fetchone()
    return bool(row[0])


def documents_for_annotator(db: sqlite_utils.Database, annotator: str) -> list[VisibleDocument]:
    """The documents `annotator` may reach, in import order, with their own status and the
    article fields (waiting feed entries left out)."""
    rows = db.conn.execute(
        "SELECT d.id, d.external_id, d.title, s.status, d.outlet, d.published, d.author, d.url, "
        "d.lang FROM document d "
        "LEFT JOIN document_status s ON s.document_id = d.id AND s.annotator = ? "
        "WHERE d.waiting = 0 AND ("
        "NOT EXISTS (SELECT 1 FROM assignment a WHERE a.document_id = d.id) "
        "OR EXISTS (SELECT 1 FROM assignment a WHERE a.document_id = d.id AND a.annotator = ?)) "
        "ORDER BY d.id",
        [annotator, annotator],
    ).fetchall()
    return [VisibleDocument(*r) for r in rows]


def assign(db: sqlite_utils.Database, document_id: int, annotator: str) -> None:
    """Assign a document to an annotator (from then on only assigned annotators reach it)."""
    db.conn.execute(
        "INSERT OR IGNORE INTO assignment (document_id, annotator) VALUES (?, ?)",
        [document_id, annotator],
    )


def unassign(db: sqlite_utils.Database, document_id: int, annotator: str) -> None:
    """Remove one assignment row."""
    db.conn.execute(
        "DELETE FROM assignment WHERE document_id = ? AND annotator = ?", [document_id, annotator]
    )


def assignees(db: sqlite_utils.Database, document_id: int) -> list[str]:
    """The annotators a document is assigned to ([] means everyone)."""
    rows = db.conn.execute(
        "SELECT annotator FROM assignment WHERE document_id = ? ORDER BY annotator", [document_id]
    ).fetchall()
    return [r[0] for r in rows]


@dataclass(frozen=True, slots=True)
class DocumentProgress:
    id: int
    external_id: str
    title: str
    statuses: dict[str, str]  # annotator -> in_progress | done, for annotators who started
    outlet: str | None = None
    published: str | None = None
    lang: str | None = None


def documents_with_statuses(
    db: sqlite_utils.Database, chosen: DocumentFilter | None = None
) -> list[DocumentProgress]:
    """Every document `chosen` admits (default: all but waiting feed entries) in import order
    with each annotator's status (what leads see)."""
    by_document: dict[int, dict[str, str]] = {}
    for document_id, annotator, status in db.conn.execute(
        "SELECT document_id, annotator, status FROM document_status ORDER BY annotator"
    ).fetchall():
        by_document.setdefault(document_id, {})[annotator] = status
    where, args = filter_sql(chosen or DocumentFilter())
    rows = db.conn.execute(
        f"SELECT id, external_id, title, outlet, published, lang FROM document WHERE {where} "
        "ORDER BY id",
        args,
    ).fetchall()
    return [DocumentProgress(*r[:3], by_document.get(r[0], {}), *r[3:]) for r in rows]
