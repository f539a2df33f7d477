"""Import in bounded memory (issue 18): N documents of random pseudo-words (every document brings
new words: the worst case for spaCy's string store), 3 annotators with 20 spans each per
document (JSONL-like records: one per document and annotator, done), imported in one
transaction in a fresh process per size; peak resident memory (ru_maxrss) and documents/s,
next to the plain-text import of the same texts (no spans).

Targets: peak memory ratio largest/smallest under 1.2; throughput with spans within 70% of the
plain-text import.

    .venv/bin/python bench/bench_import_memory.py [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ANNOTATORS = ("anna", "ben", "cem")
WORDS_PER_DOC = 120
SPANS = 20


def pseudo_word(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzäöü") for _ in range(rng.randint(3, 11)))


def records(n: int, with_spans: bool):
    """ImportRecords of n documents (3 per document with spans, one per annotator)."""
    from annotator.formats.base import ImportedSpan, ImportRecord

    rng = random.Random(18)
    for i in range(n):
        words = [pseudo_word(rng) for _ in range(WORDS_PER_DOC)]
        text = f"Dokument {i}. " + " ".join(words) + "."
        if not with_spans:
            yield ImportRecord(text=text, source=f"bench:{i}", external_id=f"doc-{i}")
            continue
        starts = [text.index(" ", 10 + k * (len(text) // (SPANS + 1))) + 1 for k in range(SPANS)]
        for a in ANNOTATORS:
            spans = []
            for s in starts:
                e = text.find(" ", s + 1)
                e = len(text) - 1 if e < 0 else e
                spans.append(ImportedSpan(start=s, end=e, label="EDITORIAL_FRAMING"))
            yield ImportRecord(
                text=text,
                source=f"bench:{i}:{a}",
                external_id=f"doc-{i}",
                annotator=a,
                spans=spans,
                done=True,
            )


def measure(n: int, with_spans: bool, db_path: str) -> None:
    """Child process: one import, one JSON line of figures."""
    from annotator import store
    from annotator.services import accounts
    from annotator.services.imports import import_records

    db = store.connect(Path(db_path))
    if with_spans:
        for a in ANNOTATORS:
            accounts.create_user(db, a, "annotator", None, actor="bench")
    start, cpu_start = time.perf_counter(), time.process_time()
    report = import_records(db, records(n, with_spans))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    assert report.documents_added == n, report
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_kb": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(int(args.measure[0]), args.measure[1] == "spans", args.measure[2])
        return
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            for kind in ("plain", "spans"):
                db = Path(tmp) / f"{kind}-{n}.db"
                child = subprocess.run(
                    [sys.executable, __file__, "--measure", str(n), kind, str(db)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                f = json.loads(child.stdout.strip().splitlines()[-1])
                figures[(kind, n)] = f
                db.unlink()
                print(
                    f"{kind:>5} {n:>7,} documents: {f['seconds']:7.1f} s, "
                    f"{n / f['seconds']:6.0f} documents/s, peak RSS {f['peak_kb'] / 1024:6.1f} MB "
                    f"(CPU {f['cpu_seconds']:.1f} s; load average {_load()})",
                    flush=True,
                )
    small, large = min(args.sizes), max(args.sizes)
    if small != large:
        ratio = figures[("spans", large)]["peak_kb"] / figures[("spans", small)]["peak_kb"]
        print(f"peak memory with spans {large:,} / {small:,}: {ratio:.2f} (target < 1.2)")
    for n in args.sizes:
        plain, spans = figures[("plain", n)], figures[("spans", n)]
        share = plain["seconds"] / spans["seconds"]
        cpu_share = plain["cpu_seconds"] / spans["cpu_seconds"]
        print(
            f"{n:,}: throughput with spans / plain text: {share:.0%} "
            f"(CPU time: {cpu_share:.0%}) (target >= 70%)"
        )


def _load() -> str:
    # The machine is shared: wall-clock throughput moves with the others' load, CPU time less.
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
