"""gunicorn on loopback and load clients that remember every acknowledged write.

Shared by tests/test_load.py (load, crash, backup under load), test_backup.py and
test_replication.py. The database set-up, the word tokens, the free port and the request
helper are bench/harness.py's (built on the installed package only), so the load tests and
bench/bench_load.py run on the same helpers; the server here is gunicorn started directly
(bench/harness.py's goes through `annotator serve`).
Each client is its own annotator, so its spans are its own: the client's model of what it was
told (every 2xx) must be exactly what the database holds afterwards.
"""

from __future__ import annotations

import http.client
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from annotator.services.annotations import layer_span_id

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from harness import LABELS, free_port, prepare_database, request, word_tokens  # noqa: E402

__all__ = ["LABELS", "free_port", "prepare_database", "request", "word_tokens"]


class Server:
    """gunicorn (master and workers in their own process group) serving one database."""

    def __init__(self, db_path: Path, workers: int = 4, port: int | None = None) -> None:
        self.db_path, self.workers = db_path, workers
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> Server:
        """Start and wait until /healthz answers 200."""
        env = {
            **os.environ,
            "ANNOTATOR_DB": str(self.db_path),
            "ANNOTATOR_SECRET_KEY": "load-test-secret",
            "PYTHONPATH": str(ROOT),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "annotator.web:create_app()",
            ],
            env=env,
            cwd=ROOT,
            start_new_session=True,  # its own process group: kill -9 reaches every worker
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited: {self.process.stderr.read().decode()[-2000:]}"
                )
            try:
                status, _, _ = request(self.port, "GET", "/healthz", timeout=2)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not answer /healthz in time")

    def stop(self) -> None:
        """A graceful stop (SIGTERM to the master), then wait."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close()

    def kill(self) -> None:
        """kill -9 the master and every worker at once (a crash, not a shutdown)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self._close()

    def _close(self) -> None:
        if self.process and self.process.stderr:
            self.process.stderr.close()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class Expected:
    """What the client was told about one span (None fields: deleted)."""

    document_id: int
    label: str | None
    note: str | None
    version: int | None
    token: int


@dataclass
class LoadClient:
    """One annotator creating, updating and deleting own one-token spans, with retries."""

    name: str
    token: str
    port: int
    words: dict[int, list[int]]
    seed: int
    spans: dict[str, Expected] = field(default_factory=dict)
    uncertain: set[str] = field(default_factory=set)  # in flight when the connection broke
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.free = [(d, i) for d, tokens in self.words.items() for i in tokens]
        self.random.shuffle(self.free)

    def call(self, method: str, path: str, body: dict | None = None):
        self.requests += 1
        status, data, _ = request(
            self.port, method, path, body, {"Authorization": f"Bearer {self.token}"}
        )
        self.statuses[status] = self.statuses.get(status, 0) + 1
        return status, data

    def run(self, stop: threading.Event, stop_on_error: bool = False) -> None:
        """Random operations until `stop` is set (or the server goes away)."""
        while not stop.is_set():
            span_id = self._pending = None
            try:
                live = [k for k, v in self.spans.items() if v.version is not None]
                roll = self.random.random()
                if not live or (roll < 0.45 and self.free):
                    span_id = self.create()
                elif roll < 0.8:
                    span_id = self.random.choice(live)
                    self.update(span_id)
                else:
                    span_id = self.random.choice(live)
                    self.delete(span_id)
            except (OSError, http.client.HTTPException) as exc:
                # The server may or may not have committed the request in flight.
                self.uncertain.update(s for s in (span_id, self._pending) if s)
                if stop_on_error:
                    return
                self.failures.append(f"{type(exc).__name__}: {exc}")
            except AssertionError as exc:
                self.failures.append(str(exc))

    _pending: str | None = None

    def create(self) -> str:
        document_id, token = self.free.pop()
        chosen = uuid.uuid4().hex
        # The client's id is an id in its own layer; the stored id is derived from both.
        span_id = layer_span_id(self.name, chosen)
        self._pending = span_id
        label = self.random.choice(LABELS)
        body = {"id": chosen, "label": label, "token_start": token, "token_end": token}
        status, data = self.call("POST", f"/api/documents/{document_id}/spans", body)
        self.check(status == 201 and data["id"] == span_id, f"create {span_id}: {status} {data}")
        with self.lock:
            self.spans[span_id] = Expected(document_id, label, "", data["version"], token)
        self._pending = None
        if self.random.random() < 0.3:
            # The same id again (a client retrying after a lost answer): the stored span, 200.
            status, again = self.call("POST", f"/api/documents/{document_id}/spans", body)
            self.check(status == 200 and again["id"] == span_id, f"retry {span_id}: {status}")
        return span_id

    def update(self, span_id: str) -> None:
        expected = self.spans[span_id]
        note = f"note {self.requests}"
        label = self.random.choice(LABELS)
        body = {"version": expected.version, "note": note, "label": label}
        self._pending = span_id
        status, data = self.call("PATCH", f"/api/spans/{span_id}", body)
        self.check(status == 200, f"update {span_id}: {status} {data}")
        with self.lock:
            self.spans[span_id] = Expected(
                expected.document_id, label, note, data["version"], expected.token
            )
        self._pending = None
        if self.random.random() < 0.2:
            # Retrying the same change with the now stale version is refused, not applied twice.
            status, _ = self.call("PATCH", f"/api/spans/{span_id}", body)
            self.check(status == 409, f"stale retry {span_id}: {status}")

    def delete(self, span_id: str) -> None:
        self._pending = span_id
        status, data = self.call("DELETE", f"/api/spans/{span_id}")
        self.check(status == 204, f"delete {span_id}: {status} {data}")
        with self.lock:
            expected = self.spans[span_id]
            self.spans[span_id] = Expected(expected.document_id, None, None, None, expected.token)
        self._pending = None
        if self.random.random() < 0.3:
            status, _ = self.call("DELETE", f"/api/spans/{span_id}")
            self.check(status == 404, f"delete retry {span_id}: {status}")

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            raise AssertionError(message)

    def snapshot(self) -> dict[str, Expected]:
        """The acknowledged state right now (consistent with this client's answers)."""
        with self.lock:
            return dict(self.spans)


def run_clients(clients: list[LoadClient], seconds: float, stop_on_error: bool = False):
    """Run every client in its own thread for `seconds`; returns (threads, stop event)."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=c.run, args=(stop, stop_on_error), daemon=True) for c in clients
    ]
    for thread in threads:
        thread.start()
    return threads, stop


def stored_spans(db) -> dict[str, tuple]:
    """span id -> (annotator, document, label, note, version, token_start, token_end)."""
    rows = db.conn.execute(
        "SELECT id, annotator, document_id, label, note, version, token_start, token_end FROM span"
    ).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def mismatches(client: LoadClient, stored: dict[str, tuple], expected=None) -> list[str]:
    """Differences between what `client` was told and what the database holds."""
    expected = client.spans if expected is None else expected
    problems = []
    for span_id, want in expected.items():
        if span_id in client.uncertain:
            continue
        have = stored.get(span_id)
        if want.version is None:
            if have is not None:
                problems.append(f"{span_id}: deleted (204) but stored")
            continue
        if have is None:
            problems.append(f"{span_id}: acknowledged at version {want.version} but missing")
            continue
        wanted = (client.name, want.document_id, want.label, want.note, want.version, want.token)
        if have[:6] != wanted or have[6] != want.token:
            problems.append(f"{span_id}: stored {have}, acknowledged {wanted}")
    own = {k for k, v in stored.items() if v[0] == client.name}
    for span_id in own - set(expected) - client.uncertain:
        problems.append(f"{span_id}: stored but never acknowledged")
    return problems
