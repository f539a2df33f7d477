"""JSONL and spaCy export of 10,000 and 100,000 synthetic documents: records/s and peak memory.

Run: .venv/bin/python bench/bench_export.py [--sizes 10000 100000] [--tokens 800] [--keep]
Each size gets a synthetic database (German-like documents of ~800 tokens by default, 3
annotators (`--annotators`) with 3 spans each per document, each annotator done on about 95%
of the documents: ~28,500 records for 10,000 documents), built with bulk store inserts and
no spaCy (tokens come from splitting on spaces, stored through the same `insert_document`).
The export then runs in a fresh subprocess per size and format, `export_records` ->
`write_export` as `annotator export --all` runs them (default options), and reports
records/s (wall and per CPU second: the machine may be shared) and the process's peak resident
memory (getrusage ru_maxrss) next to the resident memory before the export started.
Targets (issue 18): >= 1,000 records/s on 800-token documents for both formats;
peak memory for 100,000 documents within 20% of that for 10,000.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
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


ANNOTATORS = ("anna", "ben", "cem", "dora", "emil", "fritz")


def build(path: Path, n: int, seed: int = 1, tokens_per_doc: int = 800, annotators: int = 3) -> int:
    """A database of `n` synthetic documents of about `tokens_per_doc` tokens, each done by
    about 95% of `annotators` annotators with 3 spans each; the number of done layers."""
    rng = random.Random(seed)
    names = ANNOTATORS[:annotators]
    db = store.connect(path)
    done: list[tuple[int, str, str]] = []
    with store.write_transaction(db):
        db.conn.executemany(
            "INSERT INTO user (name, role, created) VALUES (?, 'annotator', ?)",
            [(name, store.now()) for name in names],
        )
        spans: list[Span] = []
        for i in range(n):
            size = rng.randint(tokens_per_doc * 3 // 4, tokens_per_doc * 5 // 4)
            words = [f"Dokument{i}"] + [rng.choice(WORDS) for _ in range(size)]
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
            for name in names:
                if rng.random() < 0.05:
                    continue
                done.append((document_id, name, store.now()))
                for k in range(3):
                    first = rng.randrange(k * 20 + 1, k * 20 + 15)
                    last = first + rng.randrange(0, 4)
                    spans.append(
                        Span(
                            str(uuid.uuid4()),
                            document_id,
                            name,
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
            "VALUES (?, ?, 'done', ?)",
            done,
        )
    db.conn.close()
    return len(done)


def measure(db_path: str, out_path: str, fmt: str) -> None:
    """Child process: export everything as `fmt` (write_export, the CLI's path, default
    options) and print one JSON line of figures."""
    from annotator.formats.registry import FORMATS
    from annotator.services.exports import export_records, write_export

    db = store.connect(db_path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), time.process_time()
    columns = FORMATS[fmt].reads_token_columns  # as `annotator export` asks for them
    count = write_export(export_records(db, token_columns=columns), fmt, Path(out_path))
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "records": count,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "rss_before_kb": before,
                "peak_kb": peak,
            }
        )
    )


def _layer_count(db_path: Path) -> int:
    db = store.connect(db_path)
    count = db.conn.execute(
        "SELECT count(*) FROM document_status WHERE status = 'done'"
    ).fetchone()[0]
    db.conn.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--tokens", type=int, default=800, help="tokens per document (mean)")
    parser.add_argument("--formats", nargs="+", default=["jsonl", "spacy"])
    parser.add_argument("--annotators", type=int, default=3, choices=range(1, 7))
    parser.add_argument("--keep", action="store_true", help="keep the databases in /tmp")
    parser.add_argument("--measure", nargs=3, metavar=("DB", "OUT", "FMT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    results: dict[tuple[str, int], dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            db_path = Path(tempfile.gettempdir() if args.keep else tmp) / f"bench-export-{n}.db"
            db_path = db_path.with_name(f"bench-export-{n}-{args.tokens}-{args.annotators}.db")
            if not db_path.exists():
                start = time.perf_counter()
                build(db_path, n, tokens_per_doc=args.tokens, annotators=args.annotators)
                print(f"built {n:,} documents in {time.perf_counter() - start:.1f} s")
            expected = _layer_count(db_path)
            for fmt in args.formats:
                out = Path(tmp) / f"export-{n}.{fmt}"
                child = subprocess.run(
                    [sys.executable, __file__, "--measure", str(db_path), str(out), fmt],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                figures = json.loads(child.stdout.strip().splitlines()[-1])
                assert figures["records"] == expected, (figures["records"], expected)
                results[(fmt, n)] = figures
                files = list(out.rglob("*")) if out.is_dir() else [out]
                size = sum(f.stat().st_size for f in files if f.is_file())
                shape = f"{len(files)} shards" if out.is_dir() else "one file"
                print(
                    f"{fmt:>5} {n:>7,} documents, {expected:,} records: "
                    f"{figures['seconds']:6.2f} s, "
                    f"{expected / figures['seconds']:7,.0f} records/s "
                    f"({expected / figures['cpu_seconds']:,.0f} per CPU second), "
                    f"peak RSS {figures['peak_kb'] / 1024:6.1f} MB "
                    f"(before export {figures['rss_before_kb'] / 1024:.1f} MB), "
                    f"output {size / 1e6:.0f} MB ({shape})"
                )
                shutil.rmtree(out) if out.is_dir() else out.unlink()
    for fmt in args.formats:
        mine = {n: f for (f_, n), f in results.items() if f_ == fmt}
        slowest = min(f["records"] / f["seconds"] for f in mine.values())
        print(f"{fmt}: slowest rate {slowest:,.0f} records/s (target >= 1,000)")
        if len(mine) >= 2:
            small, large = min(mine), max(mine)
            ratio = mine[large]["peak_kb"] / mine[small]["peak_kb"]
            print(f"{fmt}: peak memory {large:,} / {small:,}: {ratio:.2f} (target <= 1.20)")


if __name__ == "__main__":
    main()
