"""Export queries: (document, annotator) layers with their spans, streamed page by page."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import sqlite_utils

from annotator.core.records import SpanData
from annotator.store.spans import origin_of
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
    answer: str = "accept"  # Prodigy's: accept (done), reject (rejected), ignore (unfinished)
    meta: dict = field(default_factory=dict)  # the document's stored meta
    updated: str | None = None  # when the layer's status was last set
    active_ms: int = 0  # the layer's measured active time


# A layer's Prodigy answer from its status; a layer with spans but no finished status: ignore.
_ANSWER = "CASE status WHEN 'done' THEN 'accept' WHEN 'rejected' THEN 'reject' ELSE 'ignore' END"


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
        wanted = sorted({row[0] for row in layers})
        marks = ",".join("?" * len(wanted))
        documents = {
            r[0]: r[1:]
            for r in db.conn.execute(
                "SELECT id, external_id, title, text, outlet, published, author, url, lang, meta "
                f"FROM document WHERE id IN ({marks})",
                wanted,
            ).fetchall()
        }
        spans = _spans(db, sorted({row[1] for row in layers}), lo, hi)
        # read per page, not for the whole corpus: memory stays that of one page
        times = {
            (d, a): ms
            for d, a, ms in db.conn.execute(
                "SELECT document_id, annotator, active_ms FROM active_time "
                "WHERE document_id BETWEEN ? AND ?",
                [lo, hi],
            ).fetchall()
        }
        for document_id, annotator, answer, updated in layers:
            external_id, title, text, *fields, meta = documents[document_id]
            yield ExportLayer(
                document_id,
                external_id,
                title,
                text,
                annotator,
                answer == "accept",
                spans.pop((document_id, annotator), []),
                {k: v for k, v in zip(_ARTICLE, fields, strict=True) if v is not None},
                answer,
                json.loads(meta) if meta else {},
                updated,
                times.get((document_id, annotator), 0),
            )


def _layers(db, names: list[str], gold: bool, done_only: bool, lo: int, hi: int) -> list[tuple]:
    parts: list[str] = []
    args: list = []
    if names:
        marks = ",".join("?" * len(names))
        if done_only:
            parts.append(
                f"SELECT document_id, annotator, {_ANSWER}, updated FROM document_status "
                "WHERE document_id BETWEEN ? AND ? AND status IN ('done', 'rejected') "
                f"AND annotator IN ({marks})"
            )
            args += [lo, hi, *names]
        else:
            parts.append(
                f"SELECT l.document_id, l.annotator, {_ANSWER.replace('status', 'st.status')}, "
                "st.updated FROM ("
                "SELECT document_id, annotator FROM document_status WHERE document_id BETWEEN ? "
                f"AND ? AND status IN ('done', 'rejected') AND annotator IN ({marks}) "
                "UNION SELECT document_id, annotator FROM span WHERE document_id BETWEEN ? AND ? "
                f"AND annotator IN ({marks})) l LEFT JOIN document_status st "
                "ON st.document_id = l.document_id AND st.annotator = l.annotator"
            )
            args += [lo, hi, *names, lo, hi, *names]
    if gold:
        if done_only:
            parts.append(
                "SELECT document_id, ?, 'accept', updated FROM gold_status "
                "WHERE document_id BETWEEN ? AND ? AND status = 'adjudicated'"
            )
            args += [GOLD, lo, hi]
        else:
            parts.append(
                "SELECT l.document_id, ?, CASE g.status WHEN 'adjudicated' THEN 'accept' "
                "ELSE 'ignore' END, g.updated FROM ("
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
        "note, scheme_version, origin_kind, origin_source, origin_edited FROM span "
        f"WHERE document_id BETWEEN ? AND ? AND annotator IN ({marks}) "
        'ORDER BY document_id, annotator, start, "end", label',
        [lo, hi, *annotators],
    )
    for d, a, start, end, token_start, token_end, label, attributes, note, version, *origin in rows:
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
                origin_of(*origin),
            )
        )
    return result
