"""Export queries: (document, annotator) layers with their spans, streamed page by page."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import sqlite_utils

from annotator.core.records import SpanData
from annotator.store.users import GOLD

_ARTICLE = ("outlet", "published", "author", "url", "lang")
PAGE_SIZE = 256  # documents per page: memory is bounded by one page, whatever the corpus size


@dataclass(frozen=True, slots=True)
class ExportLayer:
    """One annotator's (or gold's) work on one document."""

    document_id: int
    external_id: str
    title: str
    text: str
    annotator: str
    done: bool  # status done (gold: adjudicated)
    spans: list[SpanData]
    article: dict[str, str] = field(default_factory=dict)  # outlet, published, author, url, lang


def export_layers(
    db: sqlite_utils.Database,
    *,
    annotators: Sequence[str],
    gold: bool,
    done_only: bool,
    page_size: int = PAGE_SIZE,
) -> Iterator[ExportLayer]:
    """The selected layers in (document id, annotator) order, read one page of documents at a time.

    A layer is an annotator's document marked done (gold: adjudicated); without `done_only` also
    every layer that holds spans.
    """
    names = list(annotators)
    last = 0
    while True:
        ids = [
            r[0]
            for r in db.conn.execute(
                "SELECT id FROM document WHERE id > ? ORDER BY id LIMIT ?", [last, page_size]
            ).fetchall()
        ]
        if not ids:
            return
        lo, hi = ids[0], ids[-1]
        last = hi
        layers = _layers(db, names, gold, done_only, lo, hi)
        if not layers:
            continue
        wanted = sorted({d for d, _, _ in layers})
        marks = ",".join("?" * len(wanted))
        documents = {
            r[0]: r[1:]
            for r in db.conn.execute(
                f"SELECT id, external_id, title, text, outlet, published, author, url, lang "
                f"FROM document WHERE id IN ({marks})",
                wanted,
            ).fetchall()
        }
        spans = _spans(db, sorted({a for _, a, _ in layers}), lo, hi)
        for document_id, annotator, done in layers:
            external_id, title, text, *fields = documents[document_id]
            yield ExportLayer(
                document_id,
                external_id,
                title,
                text,
                annotator,
                bool(done),
                spans.pop((document_id, annotator), []),
                {k: v for k, v in zip(_ARTICLE, fields, strict=True) if v is not None},
            )


def _layers(db, names: list[str], gold: bool, done_only: bool, lo: int, hi: int) -> list[tuple]:
    parts: list[str] = []
    args: list = []
    if names:
        marks = ",".join("?" * len(names))
        if done_only:
            parts.append(
                "SELECT document_id, annotator, 1 FROM document_status "
                f"WHERE document_id BETWEEN ? AND ? AND status = 'done' AND annotator IN ({marks})"
            )
            args += [lo, hi, *names]
        else:
            parts.append(
                "SELECT l.document_id, l.annotator, COALESCE(st.status = 'done', 0) FROM ("
                "SELECT document_id, annotator FROM document_status WHERE document_id BETWEEN ? "
                f"AND ? AND status = 'done' AND annotator IN ({marks}) "
                "UNION SELECT document_id, annotator FROM span WHERE document_id BETWEEN ? AND ? "
                f"AND annotator IN ({marks})) l LEFT JOIN document_status st "
                "ON st.document_id = l.document_id AND st.annotator = l.annotator"
            )
            args += [lo, hi, *names, lo, hi, *names]
    if gold:
        if done_only:
            parts.append(
                "SELECT document_id, ?, 1 FROM gold_status "
                "WHERE document_id BETWEEN ? AND ? AND status = 'adjudicated'"
            )
            args += [GOLD, lo, hi]
        else:
            parts.append(
                "SELECT l.document_id, ?, COALESCE(g.status = 'adjudicated', 0) FROM ("
                "SELECT document_id FROM gold_status WHERE document_id BETWEEN ? AND ? "
                "AND status = 'adjudicated' UNION SELECT document_id FROM span "
                "WHERE document_id BETWEEN ? AND ? AND annotator = ?) l "
                "LEFT JOIN gold_status g ON g.document_id = l.document_id"
            )
            args += [GOLD, lo, hi, lo, hi, GOLD]
    if not parts:
        return []
    sql = " UNION ALL ".join(parts)
    return db.conn.execute(f"SELECT * FROM ({sql}) ORDER BY 1, 2", args).fetchall()


def _spans(db, annotators: list[str], lo: int, hi: int) -> dict[tuple[int, str], list[SpanData]]:
    marks = ",".join("?" * len(annotators))
    result: dict[tuple[int, str], list[SpanData]] = defaultdict(list)
    rows = db.conn.execute(
        'SELECT document_id, annotator, start, "end", token_start, token_end, label, attributes, '
        "note, scheme_version FROM span "
        f"WHERE document_id BETWEEN ? AND ? AND annotator IN ({marks}) "
        'ORDER BY document_id, annotator, start, "end", label',
        [lo, hi, *annotators],
    )
    for d, a, start, end, token_start, token_end, label, attributes, note, version in rows:
        result[(d, a)].append(
            SpanData(
                start,
                end,
                token_start,
                token_end,
                label,
                json.loads(attributes) if attributes != "{}" else None,
                note or None,
                version,
            )
        )
    return result
