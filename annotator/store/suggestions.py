"""Suggestions (proposed spans, apart from every layer), annotators' decisions, source settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from annotator.store.db import now

_COLUMNS = 'id, document_id, label, start, "end", token_start, token_end, source, score, created'


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A stored proposal: character offsets [start, end), inclusive token indices."""

    id: int
    document_id: int
    label: str
    start: int
    end: int
    token_start: int
    token_end: int
    source: str
    score: float | None
    created: str

    def api(self) -> dict:
        """The suggestion as the JSON API returns it."""
        return {
            "id": self.id,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "token_start": self.token_start,
            "token_end": self.token_end,
            "source": self.source,
            "score": self.score,
        }


@dataclass(frozen=True, slots=True)
class NewSuggestion:
    """A snapped proposal to store."""

    document_id: int
    label: str
    start: int
    end: int
    token_start: int
    token_end: int
    source: str
    score: float | None


def insert_suggestions(db: sqlite_utils.Database, rows: Sequence[NewSuggestion]) -> list[int]:
    """Store proposals (one already stored at the same place is kept, its score updated); ids."""
    stamp = now()
    ids = []
    for r in rows:
        row = db.conn.execute(
            f"INSERT INTO suggestion ({_COLUMNS[4:]}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (document_id, source, label, token_start, token_end) "
            "DO UPDATE SET score = excluded.score RETURNING id",
            [
                r.document_id,
                r.label,
                r.start,
                r.end,
                r.token_start,
                r.token_end,
                r.source,
                r.score,
                stamp,
            ],
        ).fetchone()
        ids.append(row[0])
    return ids


def get_suggestion(db: sqlite_utils.Database, suggestion_id: int) -> Suggestion | None:
    """One suggestion by id."""
    row = db.conn.execute(
        f"SELECT {_COLUMNS} FROM suggestion WHERE id = ?", [suggestion_id]
    ).fetchone()
    return Suggestion(*row) if row else None


def suggestions_by_ids(db: sqlite_utils.Database, ids: Sequence[int]) -> list[Suggestion]:
    """The suggestions with these ids, in text order."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = db.conn.execute(
        f'SELECT {_COLUMNS} FROM suggestion WHERE id IN ({marks}) ORDER BY start, "end", label',
        list(ids),
    )
    return [Suggestion(*r) for r in rows.fetchall()]


def list_suggestions(
    db: sqlite_utils.Database,
    document_id: int,
    sources: Sequence[str] | None = None,
    undecided_by: str | None = None,
) -> list[Suggestion]:
    """A document's suggestions in text order: of `sources` (None: all), and when
    `undecided_by` is given, only those that annotator has not accepted or rejected."""
    sql = f"SELECT {_COLUMNS} FROM suggestion s WHERE document_id = ?"
    args: list = [document_id]
    if sources is not None:
        if not sources:
            return []
        sql += f" AND source IN ({','.join('?' * len(sources))})"
        args += list(sources)
    if undecided_by is not None:
        sql += (
            " AND NOT EXISTS (SELECT 1 FROM suggestion_decision d WHERE d.suggestion_id = s.id "
            "AND d.annotator = ? AND d.decision IS NOT NULL)"
        )
        args.append(undecided_by)
    sql += ' ORDER BY start, "end", label, source'
    return [Suggestion(*r) for r in db.conn.execute(sql, args).fetchall()]


def delete_source_suggestions(
    db: sqlite_utils.Database, source: str, document_ids: Sequence[int]
) -> int:
    """Drop a source's undecided suggestions on these documents (before a fresh run); count."""
    count = 0
    for document_id in document_ids:
        count += db.conn.execute(
            "DELETE FROM suggestion WHERE source = ? AND document_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM suggestion_decision d WHERE d.suggestion_id = suggestion.id)",
            [source, document_id],
        ).rowcount
    return count


def not_yet_shown(
    db: sqlite_utils.Database, annotator: str, document_id: int, ids: Sequence[int]
) -> list[int]:
    """Those of `ids` (suggestions on the document) the annotator has not been shown before."""
    if not ids:
        return []
    seen = {
        row[0]
        for row in db.conn.execute(
            "SELECT d.suggestion_id FROM suggestion_decision d JOIN suggestion s "
            "ON s.id = d.suggestion_id WHERE d.annotator = ? AND s.document_id = ?",
            [annotator, document_id],
        )
    }
    return [i for i in ids if i not in seen]


def mark_shown(db: sqlite_utils.Database, annotator: str, suggestion_ids: Sequence[int]) -> None:
    """Record that the annotator was shown these suggestions (the first time counts)."""
    stamp = now()
    db.conn.executemany(
        "INSERT OR IGNORE INTO suggestion_decision (suggestion_id, annotator, shown) "
        "VALUES (?, ?, ?)",
        [(i, annotator, stamp) for i in suggestion_ids],
    )


def set_decision(
    db: sqlite_utils.Database,
    suggestion_id: int,
    annotator: str,
    decision: str | None,
    span_id: str | None = None,
) -> None:
    """Record (or with None, withdraw) an annotator's decision on a suggestion."""
    stamp = now()
    db.conn.execute(
        "INSERT INTO suggestion_decision (suggestion_id, annotator, shown, decision, span_id, "
        "decided) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (suggestion_id, annotator) DO UPDATE "
        "SET decision = excluded.decision, span_id = excluded.span_id, decided = excluded.decided",
        [suggestion_id, annotator, stamp, decision, span_id, stamp if decision else None],
    )


def withdraw_decision_for_span(db: sqlite_utils.Database, span_id: str) -> None:
    """The acceptance that created `span_id` no longer holds (the span was undone)."""
    db.conn.execute(
        "UPDATE suggestion_decision SET decision = NULL, span_id = NULL, decided = NULL "
        "WHERE span_id = ? AND decision = 'accepted'",
        [span_id],
    )


def decision_counts(db: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    """Per annotator: suggestions shown, accepted, rejected, and accepted spans edited after."""
    counts: dict[str, dict[str, int]] = {}
    for annotator, shown, accepted, rejected in db.conn.execute(
        "SELECT annotator, COUNT(*), SUM(decision = 'accepted'), SUM(decision = 'rejected') "
        "FROM suggestion_decision GROUP BY annotator ORDER BY annotator"
    ):
        counts[annotator] = {
            "shown": shown,
            "accepted": accepted or 0,
            "edited": 0,
            "rejected": rejected or 0,
        }
    for annotator, edited in db.conn.execute(
        "SELECT annotator, COUNT(*) FROM span WHERE origin_kind = 'suggestion' "
        "AND origin_edited = 1 GROUP BY annotator"
    ):
        if annotator in counts:
            counts[annotator]["edited"] = edited
    return counts


def source_names(db: sqlite_utils.Database) -> list[str]:
    """Every source with stored suggestions or a setting, sorted."""
    rows = db.conn.execute(
        "SELECT source FROM suggestion UNION SELECT source FROM suggestion_source ORDER BY 1"
    )
    return [r[0] for r in rows.fetchall()]


def sources_on(db: sqlite_utils.Database) -> list[str]:
    """The sources a lead switched on for annotators."""
    rows = db.conn.execute(
        "SELECT source FROM suggestion_source WHERE on_for_annotators = 1 ORDER BY source"
    )
    return [r[0] for r in rows.fetchall()]


def set_source_on(db: sqlite_utils.Database, source: str, on: bool) -> None:
    """Switch a source on or off for annotators."""
    db.conn.execute(
        "INSERT INTO suggestion_source (source, on_for_annotators, updated) VALUES (?, ?, ?) "
        "ON CONFLICT (source) DO UPDATE SET on_for_annotators = excluded.on_for_annotators, "
        "updated = excluded.updated",
        [source, int(on), now()],
    )


def suggestion_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Stored suggestions per source."""
    rows = db.conn.execute("SELECT source, COUNT(*) FROM suggestion GROUP BY source")
    return dict(rows.fetchall())


def source_spans(db: sqlite_utils.Database, source: str) -> dict[int, list[tuple]]:
    """A source's suggestions per document as (start, end, token_start, token_end, label)."""
    result: dict[int, list[tuple]] = {}
    for row in db.conn.execute(
        'SELECT document_id, start, "end", token_start, token_end, label FROM suggestion '
        "WHERE source = ?",
        [source],
    ):
        result.setdefault(row[0], []).append(tuple(row[1:]))
    return result
