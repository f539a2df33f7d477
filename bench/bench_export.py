"""JSONL export of 10,000 and 100,000 synthetic documents: documents/s and peak memory.

Run: .venv/bin/python bench/bench_export.py [--sizes 10000 100000] [--keep]
Each size gets a synthetic database (paragraph-sized German-like documents of ~80 tokens, one
annotator with 3 spans per document, every document done), built with bulk store inserts and
no spaCy (tokens come from splitting on spaces, stored through the same `insert_document`).
The export then runs in a fresh subprocess per size, `export_records` -> `write_jsonl` to a file,
and reports documents/s and the process's peak resident memory (getrusage ru_maxrss) next to
the resident memory before the export started. Targets: >= 2,000 documents/s; peak memory for
100,000 documents within 20% of that for 10,000.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from annotator import store
from annotator.store.imports import insert_spans
from annotator.store.spans import Span

WORDS = (
    "Nordkorea entsandte rund 11.000 Soldaten nach Russland , sagte der Geheimdienst . "
    "Die Truppen kämpfen in der Region Kursk gegen ukrainische Einheiten „ Befreiung “ – "
    "so nennt es die Staatsagentur KCNA ; Beobachter sprechen von Kanonenfutter"
).split()
LABELS = ("STATE_PROPAGANDA", "INTEL_ESTIMATE", "EDITORIAL_FRAMING")


class _Tokens:
    """The token columns `insert_document` stores, for a text of space-separated tokens."""

    def __init__(self, words: list[str]):
        lengths = np.array([len(w) for w in words], dtype=np.int32)
        self.starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(np.int32)
        self.ends = self.starts + lengths
        self.ws = np.ones(len(words), dtype=bool)
        self.ws[-1] = False
        self.space = np.zeros(len(words), dtype=bool)
        self.sentences = np.zeros(1, dtype=np.int32)


def build(path: Path, n: int, seed: int = 1) -> None:
    """A database of `n` synthetic documents, each done by annotator `anna` with 3 spans."""
    rng = random.Random(seed)
    db = store.connect(path)
    with store.write_transaction(db):
        db.conn.execute(
            "INSERT INTO user (name, role, created) VALUES ('anna', 'annotator', ?)", [store.now()]
        )
        spans: list[Span] = []
        for i in range(n):
            words = [f"Dokument{i}"] + [rng.choice(WORDS) for _ in range(rng.randint(60, 100))]
            text = " ".join(words)
            tokens = _Tokens(words)
            document_id = store.insert_document(
                db,
                external_id=f"synthetic-{i}",
                title=f"Dokument {i}",
                text=text,
                text_sha256=f"{i:064x}",  # unique; the bench never re-imports
                lang="de",
                meta={},
                analysis=tokens,
            )
            for k in range(3):
                first = rng.randrange(k * 20 + 1, k * 20 + 15)
                last = first + rng.randrange(0, 4)
                spans.append(
                    Span(
                        str(uuid.uuid4()),
                        document_id,
                        "anna",
                        LABELS[k],
                        int(tokens.starts[first]),
                        int(tokens.ends[last]),
                        first,
                        last,
                    )
                )
            if len(spans) >= 30_000:
                insert_spans(db, spans, "bench")
                spans = []
        insert_spans(db, spans, "bench")
        db.conn.executemany(
            "INSERT INTO document_status (document_id, annotator, status, updated) "
            "VALUES (?, 'anna', 'done', ?)",
            [(d, store.now()) for d in range(1, n + 1)],
        )
    db.conn.close()


def measure(db_path: str, out_path: str) -> None:
    """Child process: export everything to JSONL and print one JSON line of figures."""
    from annotator.formats.export_record import write_jsonl
    from annotator.services.exports import export_records

    db = store.connect(db_path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with open(out_path, "w", encoding="utf-8") as fh:
        count = write_jsonl(export_records(db, annotators=["anna"]), fh)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps({"records": count, "seconds": seconds, "rss_before_kb": before, "peak_kb": peak})
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--keep", action="store_true", help="keep the databases in /tmp")
    parser.add_argument("--measure", nargs=2, metavar=("DB", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            db_path = Path(tempfile.gettempdir() if args.keep else tmp) / f"bench-export-{n}.db"
            if not db_path.exists():
                start = time.perf_counter()
                build(db_path, n)
                print(f"built {n:,} documents in {time.perf_counter() - start:.1f} s")
            out = Path(tmp) / f"export-{n}.jsonl"
            child = subprocess.run(
                [sys.executable, __file__, "--measure", str(db_path), str(out)],
                check=True,
                capture_output=True,
                text=True,
            )
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            assert figures["records"] == n
            results[n] = figures
            print(
                f"{n:>7,} documents: {figures['seconds']:6.2f} s, "
                f"{n / figures['seconds']:7,.0f} documents/s, "
                f"peak RSS {figures['peak_kb'] / 1024:6.1f} MB "
                f"(before export {figures['rss_before_kb'] / 1024:.1f} MB), "
                f"output {out.stat().st_size / 1e6:.0f} MB"
            )
            out.unlink()
    slowest = min(n / f["seconds"] for n, f in results.items())
    print(f"slowest rate: {slowest:,.0f} documents/s (target >= 2,000)")
    if len(results) >= 2:
        small, large = min(results), max(results)
        ratio = results[large]["peak_kb"] / results[small]["peak_kb"]
        print(f"peak memory {large:,} / {small:,}: {ratio:.2f} (target <= 1.20)")


if __name__ == "__main__":
    main()
