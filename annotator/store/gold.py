"""Gold status per document and the counts the lead's progress view needs."""

from __future__ import annotations

from collections import defaultdict

import sqlite_utils


def span_counts(db: sqlite_utils.Database) -> dict[tuple[int, str], int]:
    """(document_id, annotator) -> number of spans, gold included."""
    rows = db.conn.execute(
        "SELECT document_id, annotator, COUNT(*) FROM span GROUP BY document_id, annotator"
    )
    return {(d, a): n for d, a, n in rows.fetchall()}


def all_assignments(db: sqlite_utils.Database) -> dict[int, list[str]]:
    """document_id -> its assigned annotators, for documents with assignment rows."""
    result: dict[int, list[str]] = defaultdict(list)
    for document_id, annotator in db.conn.execute(
        "SELECT document_id, annotator FROM assignment ORDER BY document_id, annotator"
    ):
        result[document_id].append(annotator)
    return dict(result)


def span_decisions(db: sqlite_utils.Database, document_id: int) -> dict[str, str]:
    """The lead's latest decision (accept or reject) on each annotator span of a document."""
    rows = db.conn.execute(
        "SELECT entity_id, action FROM event WHERE document_id = ? AND entity = 'span' "
        "AND action IN ('accept', 'reject') ORDER BY id",
        [document_id],
    )
    return dict(rows.fetchall())
