"""Import throughput of ~10 MB of German text next to the raw spaCy tokenizer on the same text.

Run: .venv/bin/python bench/bench_import.py [--mb 10]
     .venv/bin/python bench/bench_import.py --memory [--sizes 10000 100000] [--repeat 2]
       (issue 18: import in bounded memory, with 3 annotators x 20 spans; bench_import_memory)
Prints documents/s and tokens/s of `annotator import` (canonicalise, hash, tokenize + sentencize,
store tokens, one transaction) and of the bare tokenizer and the bare pipeline, and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from annotator import store
from annotator.core.tokenize import pipeline
from annotator.formats.base import ImportRecord
from annotator.services.imports import import_records

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def german_texts(megabytes: float) -> list[str]:
    """The corpus repeated to `megabytes` of UTF-8, each copy made unique by a numbered line."""
    articles = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    texts, size, n = [], 0, 0
    while size < megabytes * 1_000_000:
        text = f"Ausgabe {n}\n" + articles[n % len(articles)]
        texts.append(text)
        size += len(text.encode("utf-8"))
        n += 1
    return texts


def main() -> None:
    if "--memory" in sys.argv:
        sys.argv.remove("--memory")
        from bench_import_memory import main as memory_main

        memory_main()
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=10.0)
    args = parser.parse_args()
    texts = german_texts(args.mb)
    nlp = pipeline("de")
    nlp("Aufwärmen.")  # build lazily created tables outside the timings

    start = time.perf_counter()
    n_tokens = sum(len(doc) for doc in nlp.tokenizer.pipe(texts, batch_size=64))
    raw_tokenizer = time.perf_counter() - start

    start = time.perf_counter()
    for _doc in nlp.pipe(texts, batch_size=64):
        pass
    raw_pipeline = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        db = store.connect(Path(tmp) / "bench.db")
        records = (
            ImportRecord(text=t, source=f"bench:{i}", external_id=f"bench-{i}")
            for i, t in enumerate(texts)
        )
        start = time.perf_counter()
        report = import_records(db, records)
        imported = time.perf_counter() - start
        assert report.documents_added == len(texts)
        db.conn.close()

    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"text: {mb:.1f} MB, {len(texts)} documents, {n_tokens} tokens")
    for name, seconds in (
        ("raw tokenizer (nlp.tokenizer.pipe)", raw_tokenizer),
        ("raw pipeline (tokenizer + sentencizer)", raw_pipeline),
        ("annotator import", imported),
    ):
        print(
            f"{name:<40} {seconds:6.2f} s  {len(texts) / seconds:8.0f} docs/s  "
            f"{n_tokens / seconds:10.0f} tokens/s"
        )
    print(f"import throughput / raw tokenizer: {raw_tokenizer / imported:.0%} (target >= 70%)")
    print(f"import throughput / raw pipeline:  {raw_pipeline / imported:.0%}")


if __name__ == "__main__":
    main()
