"""Span creation through the JSON API, served by gunicorn on loopback.

Run: .venv/bin/python bench/bench_api.py [--seconds 10] [--clients 16] [--rate 200] [--workers 4]

(a) closed loop: `--clients` threads, each with its own HTTP connection, create spans as fast as
    they can for `--seconds`: writes/s.
(b) open loop: a fixed offered rate (`--rate` writes/s, one write per annotator per second) for
    `--seconds`; each latency is measured from the request's scheduled send time, so a stalled
    server cannot hide queueing delay (no coordinated omission): p50/p95/p99 and errors.
Targets on the 2-core machine, load generator included: (a) >= 500 writes/s, (b) p99 < 20 ms.
`--profile` instead runs (a)'s requests in-process under cProfile and prints the hot spots
(BENCH_SORT=tottime to sort by own time).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from annotator import store
from annotator.core.resources import data_path
from annotator.services import accounts
from annotator.services.imports import import_paths
from annotator.store.spans import count_spans

LABELS = ("STATE_PROPAGANDA", "INTEL_ESTIMATE", "EDITORIAL_FRAMING")


def prepare(path: Path, annotators: int) -> tuple[list[str], dict[int, int]]:
    """A database with the corpus and `annotators` annotators with API tokens (no passwords)."""
    db = store.connect(path)
    import_paths(db, [data_path("corpus")], "text")
    accounts.create_user(db, "lead", "lead", None, actor="bench")
    tokens = []
    for i in range(annotators):
        name = f"a{i:03d}"
        accounts.create_user(db, name, "annotator", None, actor="bench")
        tokens.append(accounts.create_api_token(db, name, actor="bench"))
    lengths = {d.id: d.length for d in store.list_documents(db)}
    db.conn.close()
    return tokens, lengths


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db_path: Path, port: int, workers: int) -> subprocess.Popen:
    """Start gunicorn and wait until /healthz answers."""
    env = {
        **os.environ,
        "ANNOTATOR_DB": str(db_path),
        "ANNOTATOR_SECRET_KEY": "bench-secret",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "annotator.web:create_app()",
        ],
        env=env,
        cwd=db_path.parent,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                # Every worker imports the app and opens the database at start; give them a moment.
                time.sleep(1.0)
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


class Client:
    """One keep-alive HTTP connection (reopened when the server closes it)."""

    def __init__(self, port: int, token: str, lengths: dict[int, int], seed: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.lengths = list(lengths.items())
        self.rng = random.Random(seed)

    def create_span(self) -> int:
        """POST one span at a random place; the HTTP status (0 on a connection error)."""
        document_id, length = self.rng.choice(self.lengths)
        start = self.rng.randrange(length - 40)
        body = json.dumps(
            {
                "label": self.rng.choice(LABELS),
                "start": start,
                "end": start + self.rng.randint(5, 40),
            }
        )
        try:
            self.conn.request("POST", f"/api/documents/{document_id}/spans", body, self.headers)
            response = self.conn.getresponse()
            response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
            return response.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            return 0


def closed_loop(port, tokens, lengths, clients: int, seconds: float) -> dict:
    """(a): `clients` threads creating spans back to back for `seconds`."""
    counts = [[0, 0] for _ in range(clients)]  # ok, errors
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        client = Client(port, tokens[i % len(tokens)], lengths, seed=i)
        while time.monotonic() < stop:
            counts[i][0 if client.create_span() == 201 else 1] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    ok = sum(c[0] for c in counts)
    return {"writes_per_s": ok / elapsed, "writes": ok, "errors": sum(c[1] for c in counts)}


def open_loop(port, tokens, lengths, rate: float, seconds: float, senders: int = 48) -> dict:
    """(b): request i is due at start + i/rate; latency counts from that due time."""
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = time.monotonic() + 0.2

    def run(j: int) -> None:
        clients = {}
        for i in range(j, total, senders):
            due = start + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            token = tokens[i % len(tokens)]  # annotator i mod N: each saves about once a second
            client = clients.get(token) or clients.setdefault(
                token, Client(port, token, lengths, seed=i)
            )
            status = client.create_span()
            latency = time.monotonic() - due
            with lock:
                latencies.append(latency)
                if status != 201:
                    errors[0] += 1

    threads = [threading.Thread(target=run, args=(j,)) for j in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "offered_per_s": rate,
        "requests": len(latencies),
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "p99_ms": q[98] * 1000,
        "max_ms": latencies[-1] * 1000,
        "errors": errors[0],
    }


def profile(db_path: Path, tokens, lengths, requests: int) -> None:
    """The create path in-process (Flask test client) under cProfile."""
    import cProfile
    import pstats

    os.environ["ANNOTATOR_DB"] = str(db_path)
    os.environ["ANNOTATOR_SECRET_KEY"] = "bench-secret"
    from annotator.web import create_app

    client = create_app().test_client()
    rng = random.Random(1)
    docs = list(lengths.items())

    def work() -> None:
        for i in range(requests):
            document_id, length = rng.choice(docs)
            start = rng.randrange(length - 40)
            response = client.post(
                f"/api/documents/{document_id}/spans",
                json={"label": rng.choice(LABELS), "start": start, "end": start + 20},
                headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"},
            )
            assert response.status_code == 201, response.json

    began = time.perf_counter()
    cProfile.runctx("work()", globals(), {"work": work}, str(db_path) + ".prof")
    print(f"{requests / (time.perf_counter() - began):.0f} requests/s in-process under cProfile")
    stats = pstats.Stats(str(db_path) + ".prof")
    stats.sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--annotators", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        tokens, lengths = prepare(db_path, args.annotators)
        if args.profile:
            profile(db_path, tokens, lengths, 2000)
            return
        print(f"load average before: {os.getloadavg()[0]:.1f} (others' processes share the cores)")
        port = free_port()
        server = serve(db_path, port, args.workers)
        try:
            a = closed_loop(port, tokens, lengths, args.clients, args.seconds)
            print(
                f"(a) {args.clients} clients, {args.seconds:.0f} s: {a['writes_per_s']:.0f} "
                f"writes/s ({a['writes']} spans, {a['errors']} errors)  target >= 500"
            )
            time.sleep(1.0)
            b = open_loop(port, tokens, lengths, args.rate, args.seconds)
            print(
                f"(b) offered {b['offered_per_s']:.0f} writes/s for {args.seconds:.0f} s: "
                f"p50 {b['p50_ms']:.1f} ms, p95 {b['p95_ms']:.1f} ms, p99 {b['p99_ms']:.1f} ms, "
                f"max {b['max_ms']:.1f} ms, {b['errors']} errors of {b['requests']}  "
                "target p99 < 20 ms"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        db = store.connect(db_path)
        spans = count_spans(db)  # merges make this less than the writes
        db.conn.close()
        print(f"spans stored: {spans}; load average {os.getloadavg()[0]:.1f} (2 cores)")


if __name__ == "__main__":
    main()
