"""Loading what the agreement engine needs: done documents, their tokens, spans per annotator."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
import sqlite_utils

from annotator.core.records import AgreementDocument, SpanData
from annotator.core.span_columns import (
    AgreementDocuments,
    StoredSpans,
    layers_of,
)
from annotator.store.documents import get_tokens
from annotator.store.users import GOLD


def annotator_names(db: sqlite_utils.Database) -> list[str]:
    """Every user with role annotator (disabled ones too: their finished work still counts)."""
    rows = db.conn.execute("SELECT name FROM user WHERE role = 'annotator' ORDER BY name")
    return [r[0] for r in rows.fetchall()]


def agreement_documents(
    db: sqlite_utils.Database,
    annotators: Sequence[str] | None = None,
    *,
    typed_by_hand_only: bool = False,
) -> list[AgreementDocument]:
    """Documents that at least one of `annotators` marked done, with each done annotator's spans.

    Annotators who did not mark a document done are absent from its `spans` (missing, not zero).
    `typed_by_hand_only`: leave out spans accepted from a suggestion and not edited after.
    """
    names = list(annotators) if annotators is not None else annotator_names(db)
    if not names:
        return []
    marks = ",".join("?" * len(names))
    done: dict[int, list[str]] = defaultdict(list)
    for document_id, annotator in db.conn.execute(
        f"SELECT document_id, annotator FROM document_status WHERE status = 'done' "
        f"AND annotator IN ({marks}) ORDER BY document_id, annotator",
        names,
    ):
        done[document_id].append(annotator)
    rows = db.conn.execute(
        f'SELECT s.document_id, s.annotator, s.start, s."end", s.token_start, s.token_end, '
        f"s.label FROM span s JOIN document_status d ON d.document_id = s.document_id "
        f"AND d.annotator = s.annotator AND d.status = 'done' WHERE s.annotator IN ({marks})"
        + (" AND (s.origin_kind = 'manual' OR s.origin_edited = 1)" if typed_by_hand_only else ""),
        names,
    ).fetchall()
    ids = sorted(done)
    columns = _columns(rows, ids, names)
    # the layers' SpanData lists are made from the columns when asked for (StoredLayers)
    layers = layers_of(columns, [tuple(done[i]) for i in ids])
    return AgreementDocuments(_documents(db, ids, layers), columns)


def _columns(rows: list[tuple], ids: list[int], names: list[str]) -> StoredSpans:
    """The span rows as columns (positions in the sorted document `ids`, name and label
    codes)."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * 7
    labels = tuple(sorted(set(columns[6])))
    code = {label: i for i, label in enumerate(labels)}
    name_code = {name: i for i, name in enumerate(names)}
    n = len(rows)

    def ints(values) -> np.ndarray:
        return np.fromiter(values, dtype=np.int64, count=n)

    return StoredSpans(
        doc=np.searchsorted(np.array(ids, dtype=np.int64), ints(columns[0])),
        annotator=ints(map(name_code.__getitem__, columns[1])),
        annotators=tuple(names),
        label=ints(map(code.__getitem__, columns[6])),
        labels=labels,
        start=ints(columns[2]),
        end=ints(columns[3]),
        token_start=ints(columns[4]),
        token_end=ints(columns[5]),
    )


def has_untouched_suggestions(db: sqlite_utils.Database, annotators: Sequence[str]) -> bool:
    """Whether any span of `annotators` was accepted from a suggestion and not edited after
    (what `typed_by_hand_only` leaves out)."""
    names = list(annotators)
    if not names:
        return False
    marks = ",".join("?" * len(names))
    row = db.conn.execute(
        f"SELECT EXISTS (SELECT 1 FROM span WHERE annotator IN ({marks}) "
        "AND NOT (origin_kind = 'manual' OR origin_edited = 1))",
        names,
    ).fetchone()
    return bool(row[0])


def gold_spans(
    db: sqlite_utils.Database, adjudicated_only: bool = True
) -> dict[int, list[SpanData]]:
    """Gold spans per document: of adjudicated documents, or of every document with gold."""
    sql = (
        'SELECT s.document_id, s.start, s."end", s.token_start, s.token_end, s.label '
        "FROM span s WHERE s.annotator = ?"
    )
    if adjudicated_only:
        sql += (
            " AND s.document_id IN (SELECT document_id FROM gold_status "
            "WHERE status = 'adjudicated')"
        )
    result: dict[int, list[SpanData]] = defaultdict(list)
    for row in db.conn.execute(sql, [GOLD]):
        result[row[0]].append(SpanData(*row[1:]))
    if adjudicated_only:
        # An adjudicated document where gold found nothing is data too.
        for (document_id,) in db.conn.execute(
            "SELECT document_id FROM gold_status WHERE status = 'adjudicated'"
        ):
            result.setdefault(document_id, [])
    return dict(result)


def gold_documents(
    db: sqlite_utils.Database, document_ids: Sequence[int]
) -> list[AgreementDocument]:
    """Documents with their tokens and no annotator's spans (to score another source on)."""
    ids = sorted(set(document_ids))
    return _documents(db, ids, [{} for _ in ids])


def _documents(db, ids: list[int], layers: Sequence[Mapping]) -> list[AgreementDocument]:
    if not ids:
        return []
    external = dict(db.conn.execute("SELECT id, external_id FROM document").fetchall())
    documents = []
    for document_id, spans in zip(ids, layers, strict=True):
        index = get_tokens(db, document_id)
        documents.append(
            AgreementDocument(
                id=document_id,
                external_id=external[document_id],
                tokens=np.stack([index.starts, index.ends], axis=1),
                spans=spans,
            )
        )
    return documents


def done_history(
    db: sqlite_utils.Database, annotators: Sequence[str]
) -> dict[int, tuple[str, int]]:
    """document_id -> (when the last of `annotators` marked it done, the oldest scheme version
    among their done layers)."""
    names = list(annotators)
    if not names:
        return {}
    marks = ",".join("?" * len(names))
    rows = db.conn.execute(
        "SELECT document_id, MAX(updated), MIN(scheme_version) FROM document_status "
        f"WHERE status = 'done' AND annotator IN ({marks}) GROUP BY document_id",
        names,
    )
    return {d: (finished, version) for d, finished, version in rows.fetchall()}


def consensus_spans(
    db: sqlite_utils.Database, min_annotators: int = 2
) -> dict[int, list[SpanData]]:
    """Per document with at least `min_annotators` done annotators: the spans (same label and
    tokens) that more than half of those annotators marked."""
    rows = db.conn.execute(
        "WITH done AS (SELECT document_id, COUNT(*) AS n FROM document_status d "
        "JOIN user u ON u.name = d.annotator AND u.role = 'annotator' "
        "WHERE status = 'done' GROUP BY document_id HAVING COUNT(*) >= ?) "
        'SELECT s.document_id, MIN(s.start), MAX(s."end"), s.token_start, s.token_end, s.label '
        "FROM span s JOIN done ON done.document_id = s.document_id "
        "JOIN document_status st ON st.document_id = s.document_id "
        "AND st.annotator = s.annotator AND st.status = 'done' "
        "GROUP BY s.document_id, s.label, s.token_start, s.token_end, done.n "
        "HAVING 2 * COUNT(DISTINCT s.annotator) > done.n",
        [min_annotators],
    )
    result: dict[int, list[SpanData]] = defaultdict(list)
    for row in rows:
        result[row[0]].append(SpanData(*row[1:]))
    for (document_id,) in db.conn.execute(
        "SELECT document_id FROM document_status d JOIN user u ON u.name = d.annotator "
        "AND u.role = 'annotator' WHERE status = 'done' GROUP BY document_id "
        "HAVING COUNT(*) >= ?",
        [min_annotators],
    ):
        result.setdefault(document_id, [])  # a consensus of nothing is data too
    return dict(result)
