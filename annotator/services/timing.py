"""Active time per (document, annotator): increments reported by the page, bounded, de-duplicated
across tabs on the server, and the per-annotator figures of the dashboard."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

from annotator import store
from annotator.core.errors import AppError
from annotator.core.records import User
from annotator.services.annotations import reachable_document
from annotator.store.active_time import add_active_time, all_active_ms, last_report
from annotator.store.gold import span_counts
from annotator.store.statuses import statuses

# The page reports every 15 s; it never counts an idle gap over IDLE_LIMIT_MS (see annotate.js).
MAX_INCREMENT_MS = 120_000  # anything larger is not one report of a page: refused
SLACK_MS = 250  # network jitter allowed on top of the wall time since the last report


def add_time(db, user: User, document_id: int, active_ms: Any, now: float | None = None) -> dict:
    """Credit an increment to the user's layer; {"active_ms": credited, "total_ms": total}.

    Several tabs (or documents) open at once each report their own seconds; crediting at most
    the wall time since the annotator's previous credited report keeps them from adding up.
    """
    if user.role != "annotator":
        raise AppError("only annotators' time is measured", 403)
    if not isinstance(active_ms, int) or isinstance(active_ms, bool):
        raise AppError("field 'active_ms' must be an integer (milliseconds)")
    if not 0 < active_ms <= MAX_INCREMENT_MS:
        raise AppError(f"field 'active_ms' must be from 1 to {MAX_INCREMENT_MS} (one report)")
    at = time.time() if now is None else now
    with store.write_transaction(db):
        reachable_document(db, user, document_id)
        previous = last_report(db, user.name)
        credited = active_ms
        if previous is not None:
            credited = max(0, min(active_ms, int((at - previous) * 1000) + SLACK_MS))
        total = add_active_time(db, document_id, user.name, credited, max(at, previous or at))
    return {"active_ms": credited, "total_ms": total}


@dataclass(frozen=True, slots=True)
class AnnotatorPace:
    annotator: str
    documents: int  # done documents with measured time
    median_minutes: float | None
    spans_per_hour: float | None


def annotator_pace(db, names: list[str]) -> list[AnnotatorPace]:
    """Per annotator: median active minutes per done document, and spans per active hour."""
    times, status, spans = all_active_ms(db), statuses(db), span_counts(db)
    result = []
    for name in names:
        done = [
            (ms, spans.get((d, a), 0))
            for (d, a), ms in times.items()
            if a == name and status.get((d, a)) == "done" and ms > 0
        ]
        total_ms = sum(ms for ms, _ in done)
        result.append(
            AnnotatorPace(
                name,
                len(done),
                statistics.median(ms / 60_000 for ms, _ in done) if done else None,
                sum(n for _, n in done) / (total_ms / 3_600_000) if total_ms else None,
            )
        )
    return result
