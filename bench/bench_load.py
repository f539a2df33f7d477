"""Mixed load at a fixed offered rate against gunicorn: throughput, p50/p95/p99, errors.

Run: .venv/bin/python bench/bench_load.py [--rate 200] [--seconds 15] [--workers 4] [--users 16]

The mix (page loads included): GET /documents/<id> 20 %, GET / 10 %, GET spans of a document 20 %,
create a span 25 %, update one 15 %, delete one 10 %, each as one of `--users` annotators with a
Bearer token. Requests are sent at fixed times (open loop); each latency is measured from the
request's scheduled time, so a stalled server cannot hide its queue (no coordinated omission).
Target on the 2-core machine, load generator included: p99 < 50 ms, no errors.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import LABELS, Server, prepare_database, request, word_tokens

MIX = (
    ("page", 0.20),
    ("queue", 0.10),
    ("list", 0.20),
    ("create", 0.25),
    ("update", 0.15),
    ("delete", 0.10),
)


class Annotator:
    """One user's token and live spans (id -> version), shared by the sender threads."""

    def __init__(self, name: str, token: str, slots: list[tuple[int, int]]) -> None:
        self.name, self.token, self.slots = name, token, slots
        self.live: dict[str, int] = {}
        self.lock = threading.Lock()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def one_request(port: int, user: Annotator, kind: str, rng: random.Random) -> tuple[str, int]:
    auth = {"Authorization": f"Bearer {user.token}"}
    doc = rng.randint(1, 5)
    with user.lock:
        live = list(user.live.items())
        if kind in ("update", "delete") and not live:
            kind = "create"
        slot = user.slots.pop() if kind == "create" and user.slots else None
        if kind == "create" and slot is None:
            kind = "list"
        target = rng.choice(live) if kind in ("update", "delete") else None
        if target is not None:
            user.live.pop(target[0])  # one request per span at a time
    if kind == "page":
        status = request(port, "GET", f"/documents/{doc}", headers=auth)[0]
    elif kind == "queue":
        status = request(port, "GET", "/", headers=auth)[0]
    elif kind == "list":
        status = request(port, "GET", f"/api/documents/{doc}/spans", headers=auth)[0]
    elif kind == "create":
        body = {"label": rng.choice(LABELS), "token_start": slot[1], "token_end": slot[1]}
        status, span, _ = request(port, "POST", f"/api/documents/{slot[0]}/spans", body, auth)
        if status == 201:
            with user.lock:
                user.live[span["id"]] = span["version"]
    elif kind == "update":
        body = {"version": target[1], "note": f"n{rng.random():.6f}"}
        status, span, _ = request(port, "PATCH", f"/api/spans/{target[0]}", body, auth)
        with user.lock:
            user.live[target[0]] = span["version"] if status == 200 else target[1]
    else:
        status = request(port, "DELETE", f"/api/spans/{target[0]}", headers=auth)[0]
    return kind, status


def run(rate: float, seconds: float, workers: int, users: int) -> dict:
    """Serve a fresh database and offer `rate` requests/s for `seconds`; the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        tokens = prepare_database(db_path, users)
        words = word_tokens(db_path)
        rng = random.Random(7)
        annotators = []
        for name in sorted(n for n in tokens if n != "boss"):
            slots = [(d, i) for d, ids in words.items() for i in ids]
            rng.shuffle(slots)
            annotators.append(Annotator(name, tokens[name], slots))
        kinds = [k for k, _ in MIX]
        weights = [w for _, w in MIX]
        results: list[tuple[str, int, float]] = []
        errors: list[str] = []
        with Server(db_path, workers) as server, ThreadPoolExecutor(max_workers=64) as pool:
            for user in annotators[:4]:  # warm every worker's connection and templates
                request(server.port, "GET", "/", headers={"Authorization": f"Bearer {user.token}"})
            total = int(rate * seconds)
            start = time.perf_counter() + 0.2

            def fire(i: int, due: float) -> None:
                local = random.Random(i)
                kind = local.choices(kinds, weights)[0]
                user = annotators[i % len(annotators)]
                try:
                    kind, status = one_request(server.port, user, kind, local)
                except Exception as exc:  # connection refused, reset: counted as errors
                    errors.append(f"{kind}: {type(exc).__name__}: {exc}")
                    return
                results.append((kind, status, time.perf_counter() - due))

            for i in range(total):
                due = start + i / rate
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                pool.submit(fire, i, due)
            pool.shutdown(wait=True)
            elapsed = time.perf_counter() - start
    latencies = [r[2] * 1000 for r in results]
    bad = [r for r in results if r[1] >= 500 or r[1] in (0,)]
    unexpected = [r for r in results if r[1] not in (200, 201, 204)]
    by_kind = {}
    for kind, _status, seconds_taken in results:
        by_kind.setdefault(kind, []).append(seconds_taken * 1000)
    return {
        "offered_rate": rate,
        "sent": total,
        "completed": len(results),
        "throughput": len(results) / elapsed,
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies),
        "errors": len(errors) + len(bad),
        "unexpected_status": len(unexpected),
        "by_kind": {
            k: (len(v), percentile(v, 0.5), percentile(v, 0.99)) for k, v in by_kind.items()
        },
        "error_samples": errors[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--users", type=int, default=16)
    args = parser.parse_args()
    figures = run(args.rate, args.seconds, args.workers, args.users)
    print(
        f"offered {figures['offered_rate']:.0f} req/s for {args.seconds:.0f} s "
        f"against gunicorn with {args.workers} workers"
    )
    print(
        f"completed {figures['completed']}/{figures['sent']}, "
        f"throughput {figures['throughput']:.1f} req/s"
    )
    print(
        f"latency ms: p50 {figures['p50']:.1f}  p95 {figures['p95']:.1f}  "
        f"p99 {figures['p99']:.1f}  max {figures['max']:.1f}"
    )
    for kind, (n, p50, p99) in sorted(figures["by_kind"].items()):
        print(f"  {kind:<7} n={n:<5} p50 {p50:6.1f}  p99 {p99:6.1f}")
    print(
        f"errors (5xx or no answer): {figures['errors']}; non-2xx: {figures['unexpected_status']}"
    )
    for sample in figures["error_samples"]:
        print(f"  {sample}")
    verdict = figures["p99"] < 50 and figures["errors"] == 0
    print("target p99 < 50 ms, no errors:", "met" if verdict else "NOT met")


if __name__ == "__main__":
    main()
