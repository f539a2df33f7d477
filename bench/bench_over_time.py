"""What agreement over time adds to the report: `agreement_by_batch` and
`agreement_by_scheme_version` next to one `agreement_report`, on generated documents.

    .venv/bin/python bench/bench_over_time.py [--documents 1000] [--batch-size 10]

Prints seconds per call (best of three) and the ratio to the plain report.
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np

from annotator.agreement.over_time import (
    DocumentHistory,
    agreement_by_batch,
    agreement_by_scheme_version,
)
from annotator.agreement.report import agreement_report
from annotator.core.records import AgreementDocument, SpanData

LABELS = ["STATE_PROPAGANDA", "INTEL_ESTIMATE", "EDITORIAL_FRAMING"]
ANNOTATORS = ["anna", "ben", "cem"]


def documents(n: int, tokens: int, rng: random.Random) -> list[AgreementDocument]:
    """`n` documents of `tokens` tokens, each annotator with about one span per 40 tokens."""
    result = []
    for d in range(n):
        layout = np.array([[2 * i, 2 * i + 1] for i in range(tokens)])
        spans = {}
        for name in ANNOTATORS:
            mine = []
            for _ in range(tokens // 40):
                ts = rng.randrange(tokens - 8)
                te = ts + rng.randrange(8)
                mine.append(SpanData(2 * ts, 2 * te + 1, ts, te, rng.choice(LABELS)))
            spans[name] = mine
        result.append(AgreementDocument(d + 1, f"d{d}", layout, spans))
    return result


def best_of(three, fn) -> float:
    times = []
    for _ in range(three):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--tokens", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(15)
    docs = documents(args.documents, args.tokens, rng)
    history = {
        d.id: DocumentHistory(f"2026-01-01T00:{d.id:06d}", 1 + d.id * 3 // len(docs)) for d in docs
    }
    plain = best_of(3, lambda: agreement_report(docs, ANNOTATORS, LABELS, bootstrap=args.bootstrap))
    batches = best_of(
        3,
        lambda: agreement_by_batch(
            docs, ANNOTATORS, LABELS, history, batch_size=args.batch_size, bootstrap=args.bootstrap
        ),
    )
    versions = best_of(
        3,
        lambda: agreement_by_scheme_version(
            docs, ANNOTATORS, LABELS, history, bootstrap=args.bootstrap
        ),
    )
    print(f"{args.documents} documents x {args.tokens} tokens, {len(ANNOTATORS)} annotators")
    print(f"agreement_report             {plain:8.3f} s")
    print(
        f"agreement_by_batch ({args.batch_size:>3})     {batches:8.3f} s  ({batches / plain:.1f}x)"
    )
    print(f"agreement_by_scheme_version  {versions:8.3f} s  ({versions / plain:.1f}x)")


if __name__ == "__main__":
    main()
