"""Benchmark of the agreement report next to the `krippendorff` package's alpha.

N documents (default 1,000) of 800 tokens, 3 annotators, 3 labels, 21 spans per annotator and
document. The corpus is generated in chunks and written to a real SQLite database through the
store layer (a large corpus never sits in memory), and the whole report is timed from that
database to JSON (fresh connection, empty token cache), as `annotator agreement --no-gamma`
runs: once with the default 1,000 bootstrap resamples and once without. In the same run
`krippendorff.alpha` (nominal) is timed on the pooled reliability matrix (coders x
label-document-token units, NaN where an annotator did not finish), and on the per-label
matrices, and the figures are compared. Target: the report under 1 times krippendorff.alpha
alone on the pooled matrix.

    .venv/bin/python bench/bench_agreement.py [--documents 1000] [--tokens 800] [--spans 21]
        [--reference-limit 30000]

krippendorff's dense implementation holds several (units x values x values) arrays, about
130 bytes per unit: past --reference-limit documents (30,000 documents are 72 M pooled units,
about 9 GB) it is not run; then only the report is timed, and the script says so. --keep PATH
keeps the database (and reuses it when it exists). --no-memory-report leaves out the in-memory
report (which holds every document) so that 100,000 documents fit: krippendorff then peaks at
23.4 GB, which needs a swap file on a 24 GiB machine. User and system CPU seconds are printed
apart: most of krippendorff's time is the kernel's zero-filling its fresh temporaries, which is
slow on this VM (4 GB of np.ones: 10.5 s, all system time), so the user seconds are the ratio
that carries to another machine.

Measured 2026-12-02 (fourth session), quiet machine, after the store's layers became lazy
(6aae537), each figure without / with the 1,000 resamples:
- 1k: report 0.44 / 0.61 s, krippendorff 0.36 s (ratio 1.23 / 1.71; by user CPU 1.33 / 2.02)
- 10k: 4.11 / 5.43 s against 12.24 s (0.34 / 0.44; user CPU 0.77 / 1.00)
- 30k: 11.9 / 12.0 s against 42.6 s, of which 9.7 s user and 32.8 s system (0.28 / 0.28;
  user CPU 0.95 / 1.11); the code before, earlier the same day: 21.5 / 18.3 s (user 1.58 / 1.47)
- 100k (--reference-limit 100000 --no-memory-report, a 32 GiB swap file): 56.5 / 53.1 s
  against 253.3 s, of which 39.6 s user, 124.2 s system and the rest waiting for 776,331 pages
  from swap (0.22 / 0.21; user CPU 0.88 / 0.98); the code before: 79.3 / 65.6 s (user 1.16 /
  1.19). The alpha is the same to the last digit, pooled and per label, at every size.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import krippendorff
import numpy as np
from harness import write_agreement_database

from annotator import store
from annotator.agreement.report import agreement_report
from annotator.core.labels import load_label_scheme
from annotator.core.records import AgreementDocument, SpanData
from annotator.services.reports import build_agreement_report
from annotator.store.documents import forget_cached_tokens

LABELS = ["STATE_PROPAGANDA", "INTEL_ESTIMATE", "EDITORIAL_FRAMING"]
ANNOTATORS = ["anna", "ben", "carla"]
CHUNK = 1000  # documents generated (and written) at a time


def synthetic_documents(
    n_docs: int = 1000,
    n_tokens: int = 800,
    spans_per_annotator: int = 21,
    annotators: list[str] = ANNOTATORS,
    labels: list[str] = LABELS,
    seed: int = 1,
) -> Iterator[AgreementDocument]:
    """Documents where every annotator copies a shared 'true' span set with jitter and noise.

    Spans of one annotator and label never overlap (as stored, DESIGN section 3); about 5% of
    the (document, annotator) pairs are not done, so missing data is exercised. Generated
    chunk by chunk (each chunk its own seeded stream), tokens as an (n, 2) array.
    """
    for chunk_first in range(0, n_docs, CHUNK):
        rng = np.random.default_rng([seed, chunk_first])
        size = min(CHUNK, n_docs - chunk_first)
        token_lengths = rng.integers(1, 9, size=(size, n_tokens))
        for c in range(size):
            d = chunk_first + c
            starts = np.concatenate([[0], np.cumsum(token_lengths[c] + 1)[:-1]])
            ends = starts + token_lengths[c]
            tokens = np.stack([starts, ends], axis=1)
            # One slot of n_tokens / spans tokens per span keeps one annotator's spans disjoint.
            slot = n_tokens // spans_per_annotator
            slot_first = np.arange(spans_per_annotator) * slot
            truth_start = slot_first + rng.integers(0, slot // 2, size=spans_per_annotator)
            truth_len = rng.integers(1, slot // 2, size=spans_per_annotator)
            truth_label = rng.integers(0, len(labels), size=spans_per_annotator)
            spans: dict[str, list[SpanData]] = {}
            for name in annotators:
                if rng.random() < 0.05:
                    continue
                # Most boundaries agree; about a third are off by up to two tokens.
                moved = rng.random((2, spans_per_annotator)) < 0.35
                jitter = rng.integers(-2, 3, size=(2, spans_per_annotator)) * moved
                relabel = rng.random(spans_per_annotator) < 0.1
                label = np.where(
                    relabel, rng.integers(0, len(labels), spans_per_annotator), truth_label
                )
                first, last = slot_first, slot_first + slot - 1
                ts = np.clip(truth_start + jitter[0], first, last)
                te = np.clip(truth_start + truth_len - 1 + jitter[1], ts, last)
                spans[name] = [
                    SpanData(int(starts[s]), int(ends[e]), s, e, labels[lab])
                    for s, e, lab in zip(ts.tolist(), te.tolist(), label.tolist(), strict=True)
                ]
            yield AgreementDocument(d + 1, f"synthetic-{d + 1:06d}", tokens, spans)


class ReliabilityMatrix:
    """The pooled coders x units matrix krippendorff.alpha takes, filled document by document:
    units are (label, document, token), NaN where an annotator did not finish the document.
    Documents with fewer than two done annotators are left out (no pairable value)."""

    def __init__(self, n_docs: int, n_tokens: int, annotators: list[str], labels: list[str]):
        self.annotators, self.labels = annotators, labels
        self.per_label = n_docs * n_tokens
        self.data = np.full((len(annotators), len(labels) * self.per_label), np.nan)
        self.used = 0

    def add(self, doc: AgreementDocument) -> AgreementDocument:
        """Put one document's units in (and hand the document on)."""
        done = [a for a in self.annotators if a in doc.spans]
        if len(done) < 2:
            return doc
        n = len(doc.tokens)
        for lab, label in enumerate(self.labels):
            at = lab * self.per_label + self.used
            for row, name in enumerate(self.annotators):
                if name not in doc.spans:
                    continue
                block = self.data[row, at : at + n]
                block[:] = 0.0
                for s in doc.spans[name]:
                    if s.label == label:
                        block[s.token_start : s.token_end + 1] = 1.0
        self.used += n
        return doc

    def pooled(self) -> np.ndarray:
        """The pooled matrix (labels side by side), trimmed to the documents used."""
        if self.used == self.per_label:
            return self.data
        firsts = [lab * self.per_label for lab in range(len(self.labels))]
        return np.concatenate([self.data[:, f : f + self.used] for f in firsts], axis=1)

    def label(self, lab: int) -> np.ndarray:
        """The matrix of one label (a view)."""
        first = lab * self.per_label
        return self.data[:, first : first + self.used]


def peak_mb() -> float:
    """Peak resident memory of this process so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def usage() -> tuple[float, float, int]:
    """User and system CPU seconds of this process so far, and its major page faults (pages
    read back from disk: from the swap file, when memory ran out)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime, r.ru_majflt


def spent(before: tuple[float, float, int], repeats: int = 1) -> tuple[float, float, int]:
    """usage() since `before`, per repeat (CPU) and in all (faults)."""
    now = usage()
    return (now[0] - before[0]) / repeats, (now[1] - before[1]) / repeats, now[2] - before[2]


def best_of(repeats: int, fn):
    """The fastest of `repeats` runs (seconds) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", "--docs", dest="docs", type=int, default=1000)
    parser.add_argument("--tokens", type=int, default=800)
    parser.add_argument("--spans", type=int, default=21, help="spans per annotator and document")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--reference-limit",
        type=int,
        default=30000,
        help="largest corpus (documents) krippendorff.alpha is run on (memory)",
    )
    parser.add_argument("--keep", help="keep the database at this path (reused when it exists)")
    parser.add_argument(
        "--no-memory-report",
        action="store_true",
        help="do not hold the documents for the in-memory report (its equality check); "
        "what lets krippendorff.alpha run on 100,000 documents with a swap file",
    )
    args = parser.parse_args()
    reference = args.docs <= args.reference_limit
    in_memory = reference and not args.no_memory_report
    repeats = args.repeats if args.docs <= 10000 else 1

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "bench.db"
        matrix = (
            ReliabilityMatrix(args.docs, args.tokens, ANNOTATORS, LABELS) if reference else None
        )
        docs: list[AgreementDocument] = []
        t0 = time.perf_counter()
        reused = path.exists()
        if not path.exists() or reference:
            generated = synthetic_documents(args.docs, args.tokens, args.spans)
            if in_memory:
                generated = (docs.append(matrix.add(d)) or d for d in generated)
            elif reference:
                generated = (matrix.add(d) for d in generated)
            if path.exists():
                for _ in generated:
                    pass
            else:
                write_agreement_database(path, generated, ANNOTATORS)
        n_spans = store.connect(path).conn.execute("SELECT COUNT(*) FROM span").fetchone()[0]
        built = "reused" if reused else f"built and written in {time.perf_counter() - t0:.1f} s"
        print(
            f"data: {args.docs} documents x {args.tokens} tokens, {len(ANNOTATORS)} annotators, "
            f"{len(LABELS)} labels, {n_spans} spans ({built}; "
            f"database {path.stat().st_size / 1e6:.0f} MB)"
        )

        def from_sqlite(bootstrap: int) -> str:
            db = store.connect(path)  # a fresh connection and empty token cache, as a worker
            forget_cached_tokens()
            try:
                report = build_agreement_report(db, load_label_scheme(), bootstrap=bootstrap)
                return json.dumps(report)
            finally:
                db.conn.close()

        before = usage()
        sqlite_time, sqlite_json = best_of(repeats, lambda: from_sqlite(0))
        sqlite_use = spent(before, repeats)
        before = usage()
        boot_time, _ = best_of(1, lambda: from_sqlite(1000))
        boot_use = spent(before)
        print(
            f"report SQLite -> JSON, --no-gamma: {sqlite_time:.2f} s without bootstrap, "
            f"{boot_time:.2f} s with the default 1,000 resamples (user / system CPU "
            f"{sqlite_use[0]:.2f} / {sqlite_use[1]:.2f} s, {boot_use[0]:.2f} / "
            f"{boot_use[1]:.2f} s); JSON {len(sqlite_json) / 1e6:.1f} MB; "
            f"peak memory so far {peak_mb():.0f} MB"
        )
        report = json.loads(sqlite_json)
        if not reference:
            print(
                f"krippendorff.alpha not run: {args.docs} documents > --reference-limit "
                f"{args.reference_limit} (its dense arrays need about 130 bytes per unit)"
            )
            return

        if in_memory:
            memory_time, memory_report = best_of(
                repeats, lambda: agreement_report(docs, ANNOTATORS, LABELS, bootstrap=0)
            )
        pooled = matrix.pooled()
        before = usage()
        pooled_time, pooled_alpha = best_of(
            repeats,
            lambda: krippendorff.alpha(reliability_data=pooled, level_of_measurement="nominal"),
        )
        pooled_use = spent(before, repeats)
        label_alpha = {
            label: krippendorff.alpha(
                reliability_data=matrix.label(lab), level_of_measurement="nominal"
            )
            for lab, label in enumerate(LABELS)
        }

    alpha = report["krippendorff_alpha"]
    print(f"\n{'':20} {'report':>10} {'krippendorff':>13}")
    print(f"{'alpha pooled':20} {alpha['pooled']['value']:10.6f} {pooled_alpha:13.6f}")
    worst = abs(alpha["pooled"]["value"] - pooled_alpha)
    for label in LABELS:
        ours = alpha["by_label"][label]["value"]
        worst = max(worst, abs(ours - label_alpha[label]))
        print(f"{'alpha ' + label:20.20} {ours:10.6f} {label_alpha[label]:13.6f}")
    print(f"largest difference: {worst:.2e}")
    same = memory_report["krippendorff_alpha"] == alpha if in_memory else None
    print(
        f"Fleiss pooled {report['fleiss_kappa']['pooled']['value']:.6f} "
        f"over {report['fleiss_kappa']['pooled']['documents']} documents"
    )
    for p in report["pairs"]:
        print(
            f"pair {p['a']}/{p['b']}: {p['documents']} documents, "
            f"kappa {p['cohen_kappa']['pooled']:.4f}, "
            f"F1 exact {p['f1_exact']['micro']:.4f} overlap {p['f1_overlap']['micro']:.4f} "
            f"partial {p['f1_partial']['micro']:.4f}"
        )
    if in_memory:
        print(
            f"\nagreement_report in memory (no bootstrap): {memory_time:.3f} s (same alpha: {same})"
        )
    print(f"whole report SQLite -> JSON, --no-gamma, no bootstrap: {sqlite_time:.3f} s")
    print(f"whole report SQLite -> JSON, --no-gamma, 1,000 resamples: {boot_time:.3f} s")
    print(
        f"krippendorff.alpha on the pooled matrix ({pooled.shape[0]} x {pooled.shape[1]:,}): "
        f"{pooled_time:.3f} s (user / system CPU {pooled_use[0]:.2f} / {pooled_use[1]:.2f} s; "
        f"{pooled_use[2]:,} major page faults, pages read back from swap)"
    )
    print(
        "ratio of user CPU seconds, report / krippendorff.alpha pooled: "
        f"{sqlite_use[0] / pooled_use[0]:.2f} without bootstrap, "
        f"{boot_use[0] / pooled_use[0]:.2f} with; of user + system: "
        f"{sum(sqlite_use[:2]) / sum(pooled_use[:2]):.2f} / "
        f"{sum(boot_use[:2]) / sum(pooled_use[:2]):.2f}"
    )
    print(
        f"ratio report / krippendorff.alpha pooled: {sqlite_time / pooled_time:.2f} without "
        f"bootstrap, {boot_time / pooled_time:.2f} with   target < 1: "
        f"{'ok' if boot_time < pooled_time else 'MISSED'}"
    )
    print(f"peak memory {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
