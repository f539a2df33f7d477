"""gamma in the background: the job stores what gamma_report computes, the cache row is the lock
(one job per key, across connections), data changes make a new key, errors are stored, and
migration 4 applies to an existing database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from annotator import store
from annotator.agreement.gamma import gamma_report
from annotator.core.labels import load_label_scheme
from annotator.services import accounts
from annotator.services import jobs as gamma_jobs
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.store.agreement_data import agreement_documents
from annotator.store.report_cache import (
    claim_report,
    data_fingerprint,
    fail_claim,
    get_cached_report,
)
from annotator.store.spans import list_spans
from annotator.store.users import get_user

SCHEME = load_label_scheme()
LABELS = SCHEME.keys()
ANNOTATORS = ["anna", "ben", "cara"]
REQUEST = gamma_jobs.GammaRequest.of(ANNOTATORS, LABELS, samples=10)


@pytest.fixture(scope="module")
def gamma_template(template_db, tmp_path_factory) -> Path:
    """conftest's database plus a third annotator; all three marked random spans on three
    documents, all done."""
    path = tmp_path_factory.mktemp("gamma_jobs") / "template.db"
    shutil.copyfile(template_db, path)
    db = store.connect(path)
    accounts.create_user(db, "cara", "annotator", "correct horse battery", actor="test")
    rng = np.random.default_rng(7)
    for name in ANNOTATORS:
        user = get_user(db, name)
        for doc in (1, 2, 3):
            for _ in range(6):
                start = int(rng.integers(0, 150))
                label = LABELS[int(rng.integers(0, len(LABELS)))]
                span = SpanInput(
                    label, token_start=start, token_end=start + int(rng.integers(0, 12))
                )
                create_span(db, SCHEME, user, doc, span)
            set_document_status(db, user, doc, "done")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path


@pytest.fixture
def db_path(gamma_template, tmp_path) -> Path:
    target = tmp_path / "annotator.db"
    shutil.copyfile(gamma_template, target)
    return target


def wait_done(db, key: str, timeout: float = 120.0):
    """The cache row of `key` once it is no longer running (bounded wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = get_cached_report(db, key)
        if row is not None and row.status != "running":
            return row
        time.sleep(0.05)
    raise AssertionError(f"gamma job {key} still running after {timeout} s")


def test_job_stores_what_gamma_report_computes(db, db_path):
    state = gamma_jobs.gamma_state(db, db_path, REQUEST)
    assert state.started and state.status == "running"
    row = wait_done(db, state.key)
    assert row.status == "done", row.error
    direct = gamma_report(
        agreement_documents(db, ANNOTATORS), ANNOTATORS, sorted(LABELS), samples=10
    )
    assert direct["units"] > 30 and direct["documents"] == 3  # a real continuum, not a corner
    for key, value in direct.items():
        assert row.result[key] == value, key
    assert row.result["seconds"] >= 0
    # computed in a child process, not in the (serving) process that asked for it
    assert row.result["process_id"] != os.getpid()
    # below the serving process's priority, so its sample workers take only idle cores
    assert row.result["niceness"] >= min(os.nice(0) + 10, 19)
    again = gamma_jobs.gamma_state(db, db_path, REQUEST)
    assert not again.started and again.status == "done" and again.row.result == row.result


def test_a_running_job_is_not_started_twice(db, db_path, held_gamma_jobs):
    release, calls = held_gamma_jobs
    first = gamma_jobs.gamma_state(db, db_path, REQUEST)
    second = gamma_jobs.gamma_state(db, db_path, REQUEST)
    # Another worker process: its own connection sees the same running row.
    other = store.connect(db_path, migrate_schema=False)
    third = gamma_jobs.gamma_state(other, db_path, REQUEST)
    other.conn.close()
    assert (first.started, second.started, third.started) == (True, False, False)
    assert second.status == third.status == "running"
    assert len(calls) == 1
    release.set()
    assert wait_done(db, first.key).status == "done"
    assert len(calls) == 1


def test_the_claim_is_atomic_across_connections(db_path):
    key = REQUEST.key("race")
    barrier = threading.Barrier(6)
    won: list[bool] = []

    def claim():
        conn = store.connect(db_path, migrate_schema=False)
        barrier.wait()
        won.append(claim_report(conn, key, stale_after=600))
        conn.conn.close()

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(won) == [False] * 5 + [True]


def test_a_job_whose_worker_died_is_restarted(db, db_path, held_gamma_jobs):
    release, calls = held_gamma_jobs
    first = gamma_jobs.gamma_state(db, db_path, REQUEST)
    # The worker "died": the row says running, and stays so beyond stale_after (here 0 s).
    time.sleep(0.01)
    again = gamma_jobs.gamma_state(db, db_path, REQUEST, stale_after=0)
    assert first.started and again.started and len(calls) == 2
    release.set()
    assert wait_done(db, first.key).status == "done"


def test_recompute_replaces_a_finished_result(db, db_path):
    first = gamma_jobs.gamma_state(db, db_path, REQUEST)
    done = wait_done(db, first.key)
    forced = gamma_jobs.gamma_state(db, db_path, REQUEST, force=True)
    assert forced.started and forced.key == first.key
    again = wait_done(db, first.key)
    assert again.computed > done.computed
    assert again.result["gamma"] == done.result["gamma"]  # fixed seed: the same value


@pytest.mark.parametrize("change", ["new span", "status"])
def test_a_data_change_makes_the_result_stale(db, db_path, change):
    first = gamma_jobs.gamma_state(db, db_path, REQUEST)
    old = wait_done(db, first.key)
    if change == "new span":
        create_span(
            db,
            SCHEME,
            get_user(db, "anna"),
            1,
            SpanInput(LABELS[0], token_start=300, token_end=310),
        )
    else:
        set_document_status(db, get_user(db, "ben"), 2, "in_progress")
    state = gamma_jobs.gamma_state(db, db_path, REQUEST)
    assert state.key != first.key and state.started
    assert state.previous is not None and state.previous.result == old.result
    new = wait_done(db, state.key)
    direct = gamma_report(
        agreement_documents(db, ANNOTATORS), ANNOTATORS, sorted(LABELS), samples=10
    )
    assert new.result["gamma"] == direct["gamma"] and new.result["units"] == direct["units"]
    if change == "new span":
        assert new.result["units"] == old.result["units"] + 1
    else:
        # the document still counts, with the two annotators who finished it; only the
        # all-annotators variant drops it
        assert new.result["documents"] == old.result["documents"]
        assert new.result["units"] < old.result["units"]
        every = gamma_report(
            agreement_documents(db, ANNOTATORS),
            ANNOTATORS,
            sorted(LABELS),
            samples=10,
            all_annotators=True,
        )
        assert every["documents"] == old.result["documents"] - 1
    # The result for the old data is dropped once the new one is there.
    assert get_cached_report(db, first.key) is None


def test_the_filter_is_part_of_the_key(db, db_path):
    two = gamma_jobs.GammaRequest.of(["ben", "anna"], [LABELS[0]], samples=10)
    assert two == gamma_jobs.GammaRequest.of(["anna", "ben"], [LABELS[0]], samples=10)
    state = gamma_jobs.gamma_state(db, db_path, two)
    assert state.key != REQUEST.key(state.key.rsplit(":", 1)[1])
    row = wait_done(db, state.key)
    direct = gamma_report(
        agreement_documents(db, ["anna", "ben"]), ["anna", "ben"], [LABELS[0]], samples=10
    )
    assert row.result["gamma"] == direct["gamma"] and row.result["annotators"] == 2
    assert row.result["annotator_names"] == ["anna", "ben"]


def test_a_failing_job_stores_its_error(db, db_path, monkeypatch):
    # compute_gamma_job is what the child process runs; here in this process so that the
    # failure can be injected
    def broken(*args, **kwargs):
        raise ValueError("no feasible alignment")

    monkeypatch.setattr(gamma_jobs, "gamma_report", broken)
    key = REQUEST.key(data_fingerprint(db))
    assert claim_report(db, key, stale_after=600)
    gamma_jobs.compute_gamma_job(db_path, key, REQUEST)
    row = get_cached_report(db, key)
    assert row.status == "error" and row.error == "ValueError: no feasible alignment"
    # An error is shown, not retried on every poll; recompute retries.
    monkeypatch.undo()
    assert not gamma_jobs.gamma_state(db, db_path, REQUEST).started
    assert gamma_jobs.gamma_state(db, db_path, REQUEST, force=True).started
    assert wait_done(db, key).status == "done"


def test_a_job_past_its_memory_cap_stores_an_error(db, db_path):
    """The child process cannot get the memory it needs under a 64 MB address-space cap (not
    even for numpy and scipy): it stops, the reason is stored as the job's error, and this
    process (the worker) carries on."""
    key = REQUEST.key(data_fingerprint(db))
    assert claim_report(db, key, stale_after=600)
    gamma_jobs.run_gamma_job(db_path, key, REQUEST, memory_bytes=64 * 2**20)
    row = get_cached_report(db, key)
    assert row.status == "error"
    assert "exit code 1, memory cap 64 MB" in row.error, row.error
    # the same job with the default cap succeeds: the cap, not the data, made it fail
    gamma_jobs.run_gamma_job(db_path, key, REQUEST)
    assert get_cached_report(db, key).status == "done"


def test_a_job_past_its_time_is_stopped(db, db_path):
    key = REQUEST.key(data_fingerprint(db))
    assert claim_report(db, key, stale_after=600)
    gamma_jobs.run_gamma_job(db_path, key, REQUEST, kill_after=0.05)
    row = get_cached_report(db, key)
    assert row.status == "error" and "stopped after 0 s" in row.error, row.error


def test_the_request_survives_the_command_line():
    request = gamma_jobs.GammaRequest.of(["ben", "anna ü"], [LABELS[1], LABELS[0]], 12, 9)
    assert gamma_jobs.GammaRequest.from_json(request.to_json()) == request


def test_a_missing_database_is_not_created(tmp_path):
    gamma_jobs.run_gamma_job(tmp_path / "gone.db", "gamma:x:e1-d1", REQUEST)
    assert not (tmp_path / "gone.db").exists()


def test_migration_4_applies_on_an_existing_database(tmp_path):
    path = tmp_path / "old.db"
    old = store.connect(path, migrate_schema=False)
    store.migrate(old, target=3)
    assert store.schema_version(old) == 3 and "report_cache" not in old.table_names()
    accounts.create_user(old, "anna", "annotator", "correct horse battery", actor="test")
    old.conn.close()
    db = store.connect(path)
    assert store.schema_version(db) == store.SCHEMA_VERSION >= 4  # later migrations follow
    columns = {c.name: (c.type, c.is_pk) for c in db["report_cache"].columns}
    assert columns == {
        "key": ("TEXT", 1),
        "computed": ("TEXT", 0),
        "status": ("TEXT", 0),
        "result": ("TEXT", 0),
        "error": ("TEXT", 0),
    }
    assert get_user(db, "anna").role == "annotator"  # existing data kept
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute(
            "INSERT INTO report_cache (key, computed, status) VALUES ('k', 'now', 'odd')"
        )
    assert store.migrate(db) == []  # idempotent
    db.conn.close()


def test_the_job_only_reads(db, db_path):
    """The job only reads: spans and the audit log are the same before and after."""
    before = [list_spans(db, d, "anna") for d in (1, 2, 3)]
    events = db.conn.execute("SELECT COUNT(*) FROM event").fetchone()[0]
    wait_done(db, gamma_jobs.gamma_state(db, db_path, REQUEST).key)
    assert [list_spans(db, d, "anna") for d in (1, 2, 3)] == before
    assert db.conn.execute("SELECT COUNT(*) FROM event").fetchone()[0] == events


def test_a_dead_job_fails_only_its_own_claim(db):
    """A child that died without a result marks the row failed only while the row still holds
    that child's claim: a newer claim (a recompute, a restart) keeps running."""
    key = REQUEST.key("claims")
    assert claim_report(db, key, stale_after=600)
    old = get_cached_report(db, key).computed
    time.sleep(0.01)
    assert claim_report(db, key, stale_after=0)  # restarted as if the first job had died
    assert not fail_claim(db, key, old, "the first child died")
    assert get_cached_report(db, key).status == "running"
    assert fail_claim(db, key, get_cached_report(db, key).computed, "the second child died")
    row = get_cached_report(db, key)
    assert row.status == "error" and row.error == "the second child died"
