"""gunicorn with 4 workers under 32 concurrent clients: exact acknowledged state, crash, backup.

Bounded: each phase runs a few seconds on loopback. The longer run at a fixed offered rate is
bench/bench_load.py.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

import pytest

from annotator import store
from tests.load_support import (
    ROOT,
    LoadClient,
    Server,
    mismatches,
    prepare_database,
    request,
    run_clients,
    stored_spans,
    word_tokens,
)

pytestmark = pytest.mark.slow

CLIENTS = 32
WORKERS = 4
LOAD_SECONDS = 8
MIN_REQUESTS = 400  # the concurrency test runs until this many requests were answered


@pytest.fixture
def load_db(tmp_path):
    path = tmp_path / "load.db"
    tokens = prepare_database(path, CLIENTS)
    return path, tokens, word_tokens(path)


def make_clients(tokens, words, port) -> list[LoadClient]:
    names = sorted(n for n in tokens if n != "boss")
    return [LoadClient(n, tokens[n], port, words, seed=i) for i, n in enumerate(names)]


def integrity(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


def audit_problems(db) -> list[str]:
    """The audit log against the span table: one create per id, the last event is the state."""
    problems = []
    creates = db.conn.execute(
        "SELECT entity_id, COUNT(*) FROM event WHERE entity = 'span' AND action = 'create' "
        "GROUP BY entity_id HAVING COUNT(*) > 1"
    ).fetchall()
    problems += [f"{span_id}: {n} create events" for span_id, n in creates]
    last = db.conn.execute(
        "SELECT e.entity_id, e.action, e.after FROM event e JOIN (SELECT entity_id, MAX(id) AS id "
        "FROM event WHERE entity = 'span' GROUP BY entity_id) m ON e.id = m.id"
    ).fetchall()
    spans = stored_spans(db)
    logged = set()
    for span_id, action, after in last:
        logged.add(span_id)
        span = spans.get(span_id)
        if span is None:
            if action not in ("delete", "merge"):
                problems.append(f"{span_id}: gone, but its last event is {action}")
            continue
        record = json.loads(after)
        if (record["label"], record["note"], record["version"]) != (span[2], span[3], span[4]):
            problems.append(f"{span_id}: last event {record} differs from the row {span}")
    problems += [f"{span_id}: stored without any event" for span_id in set(spans) - logged]
    return problems


def answered(clients) -> int:
    return sum(n for c in clients for n in list(c.statuses.values()))


def test_concurrent_clients_leave_exactly_the_acknowledged_state(load_db):
    path, tokens, words = load_db
    with Server(path, WORKERS) as server:
        clients = make_clients(tokens, words, server.port)
        threads, stop = run_clients(clients, LOAD_SECONDS)
        # A number of requests, not a rate: a busy machine takes longer, the test stays the same.
        deadline = time.monotonic() + 300
        while answered(clients) < MIN_REQUESTS and time.monotonic() < deadline:
            time.sleep(0.2)
        stop.set()
        for thread in threads:
            thread.join(60)
        assert not any(t.is_alive() for t in threads)
    statuses: dict[int, int] = {}
    for client in clients:
        for status, n in client.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    failures = [f for c in clients for f in c.failures]
    assert failures == [], failures[:5]
    assert not any(status >= 500 for status in statuses), statuses
    total = sum(statuses.values())
    assert total >= MIN_REQUESTS, statuses  # the load really ran
    assert statuses.get(409, 0) > 0 and statuses.get(404, 0) > 0  # retries were exercised
    db = store.connect(path, migrate_schema=False)
    try:
        stored = stored_spans(db)
        problems = [p for c in clients for p in mismatches(c, stored)]
        assert problems == [], problems[:5]
        duplicates = db.conn.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM span "
            'GROUP BY annotator, document_id, label, start, "end" HAVING COUNT(*) > 1)'
        ).fetchone()[0]
        assert duplicates == 0
        assert audit_problems(db) == []
    finally:
        db.conn.close()
    assert integrity(path) == ["ok"]
    print(f"load: {total} requests by {CLIENTS} clients: {statuses}")


def test_kill_9_mid_load_loses_no_acknowledged_write(load_db):
    path, tokens, words = load_db
    server = Server(path, WORKERS).start()
    try:
        clients = make_clients(tokens, words, server.port)
        threads, stop = run_clients(clients, 0, stop_on_error=True)
        time.sleep(3)
        server.kill()  # SIGKILL to master and workers, mid-request
        for thread in threads:
            thread.join(60)
        stop.set()
    finally:
        server.kill()
    assert integrity(path) == ["ok"]
    acknowledged = sum(len(c.spans) for c in clients)
    assert acknowledged > 50
    with Server(path, WORKERS) as restarted:
        db = store.connect(path, migrate_schema=False)
        try:
            stored = stored_spans(db)
            problems = [p for c in clients for p in mismatches(c, stored)]
            assert problems == [], problems[:5]
            assert audit_problems(db) == []
        finally:
            db.conn.close()
        # At most the one request each client had in flight is in doubt.
        assert sum(len(c.uncertain) for c in clients) <= len(clients)
        client = make_clients(tokens, words, restarted.port)[0]
        status, _, _ = request(
            restarted.port,
            "GET",
            "/api/documents",
            headers={"Authorization": f"Bearer {client.token}"},
        )
        assert status == 200
    assert integrity(path) == ["ok"]


def test_backup_under_load_holds_every_write_acknowledged_before_it(load_db, tmp_path):
    path, tokens, words = load_db
    backup = tmp_path / "backups" / "annotator-backup.db"
    with Server(path, WORKERS) as server:
        clients = make_clients(tokens, words, server.port)
        threads, stop = run_clients(clients, 0)
        time.sleep(2.5)
        before = {c.name: c.snapshot() for c in clients}
        result = subprocess.run(
            [sys.executable, "-m", "annotator", "backup", str(backup), "--db", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        time.sleep(1.5)  # writes go on after the backup, too
        stop.set()
        for thread in threads:
            thread.join(60)
    assert result.returncode == 0, result.stderr
    assert "backed up" in result.stdout
    assert [f for c in clients for f in c.failures] == []
    assert integrity(backup) == ["ok"]
    assert not backup.with_name(backup.name + "-wal").exists()
    plain = sqlite3.connect(backup)
    assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, no -wal
    plain.close()
    db = store.connect(backup, migrate_schema=False)
    try:
        copy = stored_spans(db)
    finally:
        db.conn.close()
    checked = 0
    for client in clients:
        final = client.spans
        for span_id, then in before[client.name].items():
            have = copy.get(span_id)
            if then.version is None:
                assert have is None, f"{span_id} deleted before the backup but in it"
            elif have is None:
                # Only a delete acknowledged after the snapshot may explain its absence.
                assert final[span_id].version is None, f"{span_id} missing from the backup"
            else:
                assert have[4] >= then.version, f"{span_id}: older than acknowledged"
            checked += 1
    assert checked > 50
