"""gamma for the dashboard, computed in a background thread and kept in report_cache.

gamma costs seconds on a large corpus, too long for a request. The request that finds no result
for the current data and filter claims the cache row (the claim is the lock, so every gunicorn
worker sees it and no job runs twice) and starts a daemon thread with its own connection; the
dashboard region polls until the row is done. The key holds the filter, the sampling parameters
and a data fingerprint, so a new span or status makes the next request compute afresh.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from annotator import store
from annotator.agreement.gamma import DEFAULT_SEED, gamma_report
from annotator.store.agreement_data import agreement_documents
from annotator.store.report_cache import (
    DONE,
    ERROR,
    RUNNING,
    CachedReport,
    claim_report,
    data_fingerprint,
    fail_report,
    finish_report,
    get_cached_report,
    latest_report,
)

log = logging.getLogger(__name__)

WAITING = "waiting"
STALE_AFTER = 300.0  # seconds: a job still "running" this long died with its worker; restart it


@dataclass(frozen=True, slots=True)
class GammaRequest:
    """What one gamma computation is over: the filter and the Monte-Carlo parameters."""

    annotators: tuple[str, ...]
    labels: tuple[str, ...]
    samples: int = 30
    seed: int = DEFAULT_SEED

    @classmethod
    def of(
        cls,
        annotators: Sequence[str],
        labels: Sequence[str],
        samples: int = 30,
        seed: int | None = None,
    ) -> GammaRequest:
        """A request in canonical order (the same filter in any order is the same job)."""
        return cls(
            tuple(sorted(set(annotators))),
            tuple(sorted(set(labels))),
            samples,
            DEFAULT_SEED if seed is None else seed,
        )

    @property
    def prefix(self) -> str:
        """The key without the data fingerprint: shared by every result of this filter."""
        spec = json.dumps([self.annotators, self.labels, self.samples, self.seed])
        return f"gamma:{hashlib.sha256(spec.encode()).hexdigest()[:20]}:"

    def key(self, fingerprint: str) -> str:
        """The cache key of this request on data with `fingerprint`."""
        return self.prefix + fingerprint


@dataclass(frozen=True, slots=True)
class GammaState:
    """What the dashboard shows: the row of the current key, and the last result while running."""

    key: str
    row: CachedReport | None
    previous: CachedReport | None
    started: bool  # this call started the job
    waiting: bool = False  # no result and no live job, and this call (a read) started none

    @property
    def status(self) -> str:
        """running, done, error, or waiting (for a POST to start the job)."""
        if self.waiting:
            return WAITING
        return self.row.status if self.row else RUNNING


def run_gamma_job(db_path: str | Path, key: str, request: GammaRequest) -> None:
    """Compute gamma with a connection of its own and store the result or the error; never
    raises (it runs in a thread nobody joins)."""
    if not Path(db_path).exists():  # connect() would create an empty database
        return
    db = None
    try:
        db = store.connect(db_path, migrate_schema=False)
        started = time.perf_counter()
        with store.read_snapshot(db):  # the documents and the fingerprint agree
            fingerprint = data_fingerprint(db)
            documents = agreement_documents(db, list(request.annotators))
        report = gamma_report(
            documents,
            list(request.annotators),
            list(request.labels),
            samples=request.samples,
            seed=request.seed,
        )
        # The data may have moved on since the request; the next request sees a new key anyway.
        report["data_fingerprint"] = fingerprint
        report["seconds"] = round(time.perf_counter() - started, 3)
        finish_report(db, key, report, prefix=request.prefix)
    except Exception as exc:  # stored and shown on the dashboard, never a 500
        log.exception("gamma job %s failed", key)
        if db is not None:
            try:
                fail_report(db, key, f"{type(exc).__name__}: {exc}")
            except Exception:
                log.exception("could not store the failure of gamma job %s", key)
    finally:
        if db is not None:
            db.conn.close()


def start_gamma_job(db_path: str | Path, key: str, request: GammaRequest) -> threading.Thread:
    """Run the job in a daemon thread of this worker process."""
    thread = threading.Thread(
        target=run_gamma_job, args=(str(db_path), key, request), name=f"gamma {key}", daemon=True
    )
    thread.start()
    return thread


def gamma_state(
    db: store.Database,
    db_path: str | Path,
    request: GammaRequest,
    *,
    force: bool = False,
    stale_after: float = STALE_AFTER,
    start: bool = True,
) -> GammaState:
    """The gamma of the current data for `request`, starting a background job when there is no
    result yet (or when `force`, the recompute button) and no live job already computes it.

    With `start` off (GET requests, which never write) nothing is claimed: the state says
    `waiting` instead, and the page asks for the job with a POST.
    """
    try:
        key = request.key(data_fingerprint(db))
        row = get_cached_report(db, key)
        wanted = force or row is None or (row.status == RUNNING and row.started_before(stale_after))
        started = False
        if wanted and not start:
            previous = latest_report(db, request.prefix)
            return GammaState(key, None, previous, False, waiting=True)
        if wanted and claim_report(db, key, stale_after=stale_after, force=force):
            start_gamma_job(db_path, key, request)
            started = True
        row = get_cached_report(db, key)
        previous = None if row and row.status == DONE else latest_report(db, request.prefix)
    except store.DatabaseError as exc:  # a busy database must not take the whole dashboard down
        log.exception("gamma state")
        failed = CachedReport(
            "", store.now(), ERROR, None, f"the result store is unavailable ({exc})"
        )
        return GammaState("", failed, None, False)
    return GammaState(key, row, previous, started)
