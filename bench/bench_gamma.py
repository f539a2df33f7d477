"""Benchmark: gamma for many annotators and on corpora, next to pygamma-agreement.

Cases (issue 18): six annotators x 320 units over 3 documents of ~5,000 characters; 10
annotators x 200 units; 1,000 documents x 3 annotators (~57,000 spans) and, with --corpus-10k,
10,000 documents. Each times annotator.agreement.gamma.gamma with 30 Monte-Carlo samples (the
comparison with pygamma-agreement uses the same 30) and then the adaptive default (at least
30 samples, until the standard error of gamma is under 0.01, at most 300).

pygamma-agreement enumerates every tuple of one unit (or none) per annotator: prod(p_i + 1)
tuples per continuum, 10^12 for one document of the six-annotator case, so it runs only where
that product is feasible (under 2 * 10^7 tuples); elsewhere the bench prints the product and
says it did not run. The ratio to pygamma is measured in this run on the six-annotator
continua it can solve and on the old 3 x 100 / 2 x 1,000 cases. Run:

    .venv/bin/python bench/bench_gamma.py [--skip-pygamma] [--skip-10k] [--budget SECONDS]
        [--only PART_OF_A_CASE_NAME ...]

Measured 2026-12-02 on 2 cores, quiet machine (load average 0.6), --budget 60, 2 workers:
- six annotators, 304 units in all, 3 documents (the issue's real case had 322 spans): 1.99 s
  for 30 samples, 1.70 s adaptive (30 samples, SE 0.0011): target < 2 s met. Document by
  document, one process each, the same 30 samples (run earlier the same day at load 3-6):
  ours 2.51 s CPU against pygamma-agreement's 2,112 s, 842x; observed disorders equal to 5.5e-8.
- six annotators x 320 units each (1,910 units): 15.0 s (before this round: out of budget).
- 10 x 200 (10 documents at the same density, or one of 8,000 characters): refused by the
  candidate budget in 1.0-1.3 s (over 1,000,000 candidate unitary alignments): target NOT met.
  Later the same day, with column generation, quiet machine (load 0.8): ten annotators with
  200 units in all, one document of 5,000 / 8,000 characters, 5.3 s / 4.9 s (same gamma
  0.5001 / 0.4842 as the listing; 10.9-11.8 s / 6.1 s at load 2-4); 200 each: the observed
  alignment exact in about 12 s, the samples out of the 120 s budget (their integer programs,
  158 s); 10 x 40 each (399 units) 18.6 s. Last, with HiGHS presolve only on sparse programs
  (--budget 600, load about 3): 200 each over 10 documents, 75.9 s exact for 30 samples
  (gamma 0.5614, SE 0.0008); the one document of 8,000 characters still too large after 210 s
  (over 1,000,000 candidates within the LP gap): target < 10 s NOT met.
- 10 x 200 each over 10 documents, third session, 15:04-15:10 UTC, quiet (load 1.1-1.3),
  --budget 600: 57.3 s for 30 samples, 60.7 s adaptive (gamma 0.5614, SE 0.0008); the code
  before this round (ceb7d99) in the same window 66.6 / 68.0 s. One sample in one process:
  pricing 2.3 s (17 rounds, about 45,000 columns), the LP 0.9 s, the exact integer step 1.6 s
  before and about 1.0 s after (large fractional components get a milp each). Target < 10 s
  NOT met.
- 10 x 200 each over 10 documents, fourth session, 21:00 UTC, loaded machine (load 1.9),
  --budget 600: components of 150 units or more solved alone (not one chunk of all ten
  documents): 82.7 s for 30 samples, 69.4 s adaptive, against 93.7 / 93.2 s for the code
  before (f536c05) in the same run; same gamma. One sample in one process: 5.7 -> 4.3 s.
  Pricing is 65% of a sample, the LPs 20%, milp 7%: with no pricing at all a sample would
  still cost about 1.5 s, so the target needs another algorithm, not tuning. NOT met.
  With a threshold of 100 units, in the same window (new / old): six annotators 1.47 / 1.21 s
  (two of its documents of 94-106 units went alone), 1,000 documents 3.76 / 4.16 s; the
  threshold is 150 so the six-annotator documents stay chunked as before (not re-measured).
- 1,000 documents x 3: 6.2 s (30 samples), 5.3 s adaptive while another developer's job held
  a core; alone (load 1.6) 3.58 s / 3.33 s: target < 5 s met. The six-annotator case alone:
  1.13 s / 1.09 s.
- 10,000 documents x 3 (543,112 units): 41.5 s: target < 60 s met.

Measured 2026-12-03, 10:20-11:02 UTC, code at bd2dfae, --skip-10k --budget 600, load 0.7 at
the start (a test run shared the machine for some minutes near the end):
- six annotators, 304 units: 1.00 s for 30 samples, 0.91 s adaptive; document by document
  against pygamma-agreement: 1.94 s against 2,031 s of CPU, 1,050x; observed disorders equal to
  5.5e-8. Six annotators x 320 each: 7.9 s. Ten annotators, 200 in all: 2.84 s.
- 10 x 200 each over 10 documents: 27.2 s for 30 samples, 29.0 s adaptive (gamma 0.5614);
  the one document of 8,000 characters, exact for the first time: 79.8 s / 71.7 s.
- 1,000 documents x 3: 2.78 s.
- 3 x 100 / 2 x 1,000: 0.23 / 0.22 s against pygamma's 6.8 / 17.2 s (29x / 78x).
- Then 10 x 200 each, runs alternated with worktrees. A worktree's first run after a checkout
  that changed gamma_dp.py compiles the pricing search inside the timing (the warm-up above
  compiles only the listing), which added some 10 s to single old-code figures measured this
  morning; with both caches warmed first (11:35 UTC, load 1.6-1.9): this stop's start
  (5e21ef7) 59.5 / 52.2 s for 30 samples, the code after its last change 24.9 / 27.6 s, 2.1x.
  What changed: pricing at the LP's own duals once its value stalls (pricing calls of one
  sample 165 -> 131), listing a quarter of the LP's gap first, a pricing search that allocates
  nothing per node (255 recorded pricing calls replayed in 1.15 s CPU instead of 3.02 s; one
  pass per node for the bound then 0.93 s), the primal simplex, and nonbasic columns of high
  reduced cost dropped from the master LP (LP time of eight samples 2.7-3.0 s against 4.8 s).
  One sample now (cProfile, three samples, 1.6 s each): pricing 39%, the master LPs 21%, the
  exact step's integer programs 12%, the Python bookkeeping around them most of the rest.
  Target < 10 s NOT met.

Measured 2026-12-03 (later), code at aba6d81, --skip-pygamma --skip-10k --budget 600, load 1.1
(pygamma not re-run; the ratios above stand from their own runs):
- six annotators, 304 units: 0.74 s for 30 samples, 0.68 s adaptive; the three documents
  alone 0.39 / 0.55 / 0.44 s. Six x 320 each: 4.96 s. Ten annotators, 200 in all: 1.52 s
  (1.53 s adaptive). 6 x 6 / 6 x 8: 0.39 / 0.34 s. 3 x 100 / 2 x 1,000: 0.11 / 0.12 s.
- 10 x 200 each over 10 documents: 15.56 s for 30 samples, 15.82 s adaptive (gamma 0.5614,
  SE 0.0008); runs alternated with 6d52d43 (caches warm for both): 19.18 / 18.93 s against
  15.95 / 15.63 s, the seeded first columns 17% faster. The one 8,000-character document
  (2,003 units, one component, not seeded): 62.7 s / 64.1 s.
- 1,000 documents x 3: 2.63 s (2.69 s adaptive, gamma 0.7012).
- One sample of 10 x 200 (cProfile): pricing about 45%, master LPs about 20%, the listing's
  integer programs about 23%. Tried without gain: the master's integer program as an upper
  bound (same gaps, 1.3 s against 0.3 s), a MIP solver started from a known solution, a first
  window of 1/16, seeding shares of 0.35 and (0.25, 0.4). Target < 10 s NOT met.
- 2026-12-04 00:41 UTC, same code, --skip-pygamma-six --only '3 x 100' --only '2 x 1,000', load
  0.1: 0.15 / 0.14 s against pygamma's 6.01 / 14.98 s in the same run (39x / 103x), same observed
  disorders.
- 2026-12-04 02:06-02:42 UTC, the same gamma code (at 8bda2bf), --skip-10k --only 'six
  annotators, ', in one run: six annotators, 304 units: 1.08 s for 30 samples (1.07 s adaptive),
  2 workers; document by document in one process, 30 samples each, ours 0.63 / 0.89 / 0.75 s
  against pygamma's 384.8 / 757.5 / 835.2 s: 2.28 s against 1,977.5 s of CPU, 868x; observed
  disorders equal to 5.5e-8. Then (02:43, load 0.0 at the start) ten annotators, 200 in all:
  1.93 s (1.71 s adaptive); 10 x 200 each over 10 documents: 19.03 s (21.81 s adaptive), the
  same gamma as above (the machine slower than the day before); 1,000 documents x 3: 3.02 s.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import time

import numpy as np

from annotator.agreement.alpha_u import Unit
from annotator.agreement.gamma import available_cores, gamma
from annotator.agreement.gamma_alignment import GammaBudget

LABELS = ("STATE_PROPAGANDA", "INTEL_ESTIMATE", "EDITORIAL_FRAMING")
FEASIBLE_TUPLES = 2 * 10**7


def synthetic_continuum(n_annotators: int, n_spans: int, seed: int) -> list[Unit]:
    """Annotators who mostly agree: shared spans with jittered edges, misses, label slips."""
    rng = np.random.default_rng(seed)
    gaps = rng.integers(20, 200, size=n_spans)
    lengths = rng.integers(5, 120, size=n_spans)
    starts = np.cumsum(gaps + np.concatenate(([0], lengths[:-1])))
    labels = rng.integers(len(LABELS), size=n_spans)
    units = []
    for a in range(n_annotators):
        for s, length, lab in zip(starts, lengths, labels, strict=True):
            if rng.random() < 0.1:  # missed span
                continue
            s2 = max(0, int(s + rng.integers(-6, 7)))
            e2 = max(s2 + 1, int(s + length + rng.integers(-6, 7)))
            label = lab if rng.random() > 0.1 else rng.integers(len(LABELS))
            units.append(Unit(f"ann{a}", LABELS[label], s2, e2))
        for _ in range(n_spans // 10):  # spurious spans
            s2 = int(rng.integers(0, starts[-1]))
            units.append(
                Unit(
                    f"ann{a}", LABELS[rng.integers(len(LABELS))], s2, s2 + int(rng.integers(5, 80))
                )
            )
    return units


def corpus_continuum(
    n_annotators: int, units_per_annotator: int, n_documents: int, length: int, seed: int
) -> tuple[list[Unit], list[float]]:
    """Documents end to end: per document a set of true spans (a slot each, up to 70% of it),
    which each annotator marks with jittered edges (10% missed, 10% relabelled), plus 10%
    spurious spans. Returns the units and the document starts."""
    rng = np.random.default_rng(seed)
    per_doc = max(1, units_per_annotator // n_documents)
    slot = length / per_doc
    units, starts_of_docs = [], []
    for d in range(n_documents):
        offset = d * length
        starts_of_docs.append(float(offset))
        starts = (np.arange(per_doc) * slot + rng.uniform(0, slot * 0.3, per_doc)).astype(int)
        lengths = rng.integers(5, max(6, int(slot * 0.7)), per_doc)
        labels = rng.integers(len(LABELS), size=per_doc)
        for a in range(n_annotators):
            seen = set()
            for s, n, lab in zip(starts, lengths, labels, strict=True):
                if rng.random() < 0.1:
                    continue
                s2 = max(0, int(s + rng.integers(-4, 5)))
                e2 = max(s2 + 1, min(length, int(s + n + rng.integers(-4, 5))))
                seen.add((s2, e2, lab if rng.random() > 0.1 else rng.integers(len(LABELS))))
            for _ in range(max(1, per_doc // 10)):
                s2 = int(rng.integers(0, length - 40))
                seen.add((s2, s2 + int(rng.integers(5, 40)), rng.integers(len(LABELS))))
            units += [Unit(f"ann{a}", LABELS[c], offset + s, offset + e) for s, e, c in seen]
    return units, starts_of_docs


def tuples_for_pygamma(units: list[Unit], boundaries: list[float]) -> int:
    """The largest prod(p_i + 1) pygamma would enumerate for one document's continuum."""
    edges = [*boundaries, math.inf] if boundaries else [-math.inf, math.inf]
    worst = 0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        counts: dict[str, int] = {}
        for u in units:
            if lo <= u.start < hi:
                counts[u.annotator] = counts.get(u.annotator, 0) + 1
        worst = max(worst, math.prod(c + 1 for c in counts.values()))
    return worst


BUDGET = {"seconds": 120.0}


WORKERS = {"n": available_cores()}


def run_ours(units, annotators, boundaries, *, adaptive: bool):
    """Seconds and result of our gamma: 30 samples, or the adaptive default."""
    t0 = time.perf_counter()
    result = gamma(
        units,
        annotators,
        samples=30,
        max_samples=300 if adaptive else None,
        boundaries=boundaries,
        budget=GammaBudget(seconds=BUDGET["seconds"]),
        workers=WORKERS["n"],
    )
    return time.perf_counter() - t0, result


@contextlib.contextmanager
def _quiet_stdout():
    # GLPK, pygamma's fallback solver, prints its log from C straight to file descriptor 1
    saved = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def run_pygamma(units: list[Unit]) -> tuple[float, float, float]:
    """Seconds, gamma and observed disorder from pygamma-agreement (30 shuffle samples)."""
    import pygamma_agreement as pa
    from pyannote.core import Segment

    continuum = pa.Continuum()
    for u in units:
        continuum.add(u.annotator, Segment(u.start, u.end), u.category)
    diss = pa.CombinedCategoricalDissimilarity(alpha=1, beta=1, delta_empty=1)
    np.random.seed(4772)
    t0 = time.perf_counter()
    with _quiet_stdout():
        result = continuum.compute_gamma(diss, n_samples=30, sampler=pa.ShuffleContinuumSampler())
        value, observed = float(result.gamma), float(result.observed_disorder)
    return time.perf_counter() - t0, value, observed


def _describe(result) -> str:
    if result.status != "ok":
        return f"{result.status}: {result.reason}"
    se = f"{result.standard_error:.4f}" if result.standard_error is not None else "-"
    return (
        f"gamma {result.gamma:.4f} +- {se} (SE), {result.samples} samples, "
        f"observed {result.observed_disorder:.6f}, expected {result.expected_disorder:.4f}"
    )


ONLY: list[str] = []  # --only: run just the cases whose name contains one of these


def measure(name, units, boundaries, have_pygamma, adaptive=True) -> None:
    """Print our figures (30 samples and adaptive) and pygamma's where feasible."""
    if ONLY and not any(part in name for part in ONLY):
        return
    annotators = sorted({u.annotator for u in units})
    docs = len(boundaries) or 1
    print(f"{name}: {len(annotators)} annotators, {len(units)} units, {docs} documents", flush=True)
    seconds, result = run_ours(units, annotators, boundaries, adaptive=False)
    print(f"    ours, 30 samples: {seconds:.2f} s; {_describe(result)}", flush=True)
    if adaptive:
        seconds_a, result_a = run_ours(units, annotators, boundaries, adaptive=True)
        print(f"    ours, adaptive:   {seconds_a:.2f} s; {_describe(result_a)}", flush=True)
    if not have_pygamma:
        return
    if boundaries and len(boundaries) > 1:
        print(
            "    pygamma-agreement: not run (it has no documents; one continuum would chain them)"
        )
        return
    tuples = tuples_for_pygamma(units, boundaries)  # one pass per document: only one here
    if tuples > FEASIBLE_TUPLES:
        print(
            f"    pygamma-agreement: not run, it would enumerate {tuples:.2e} tuples per alignment"
        )
    else:
        their, value, observed = run_pygamma(units)
        print(
            f"    pygamma-agreement, 30 samples: {their:.2f} s, gamma {value:.4f}, observed "
            f"{observed:.6f} (ours {result.observed_disorder:.6f}); ratio {their / seconds:.0f}x",
            flush=True,
        )


def measure_by_document(name, units, boundaries, length, have_pygamma) -> None:
    """pygamma-agreement has no documents: each document is run alone, by it and by us (one
    process, workers=1, so CPU seconds compare like with like on a shared machine), with the
    same 30 samples; the CPU times are summed and the observed disorders compared."""
    if ONLY and not any(part in name for part in ONLY):
        return
    annotators = sorted({u.annotator for u in units})
    print(f"{name}, document by document against pygamma-agreement (CPU seconds):", flush=True)
    ours_total = theirs_total = 0.0
    saved = WORKERS["n"]
    WORKERS["n"] = 1
    for d, lo in enumerate(boundaries):
        doc = [Unit(u.annotator, u.category, u.start - lo, u.end - lo) for u in units
               if lo <= u.start < lo + length]  # fmt: skip
        c0 = time.process_time()
        _, result = run_ours(doc, annotators, [], adaptive=False)
        seconds = time.process_time() - c0
        ours_total += seconds
        line = f"    document {d + 1} ({len(doc)} units): ours {seconds:.2f} s, {_describe(result)}"
        if have_pygamma:
            c0 = time.process_time()
            _, value, observed = run_pygamma(doc)
            their = time.process_time() - c0
            theirs_total += their
            line += (
                f"; pygamma {their:.1f} s, gamma {value:.4f}, observed {observed:.6f}"
                f" (difference {abs(observed - result.observed_disorder):.1e})"
            )
        print(line, flush=True)
    WORKERS["n"] = saved
    if have_pygamma:
        print(
            f"    total CPU: ours {ours_total:.2f} s, pygamma-agreement {theirs_total:.1f} s,"
            f" ratio {theirs_total / ours_total:.0f}x",
            flush=True,
        )


def main() -> None:
    """Print timings and values for every case."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-pygamma", action="store_true")
    parser.add_argument("--skip-10k", action="store_true")
    parser.add_argument(
        "--skip-pygamma-six",
        action="store_true",
        help="skip pygamma on the six-annotator documents (about 30 minutes)",
    )
    parser.add_argument("--workers", type=int, default=available_cores())
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args()
    BUDGET["seconds"] = args.budget
    WORKERS["n"] = args.workers
    ONLY.extend(args.only)
    # compile (or load from numba's cache) the dynamic program once, outside every timing
    t0 = time.perf_counter()
    run_ours(synthetic_continuum(3, 20, seed=1), ["ann0", "ann1", "ann2"], [], adaptive=False)
    print(f"warm-up (numba import and compiled-code cache): {time.perf_counter() - t0:.1f} s")
    print(f"cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}", flush=True)
    have_pygamma = False
    if not args.skip_pygamma:
        t0 = time.perf_counter()
        try:
            import logging

            logging.disable(logging.WARNING)  # pygamma warns about the missing CBC solver
            import pygamma_agreement  # noqa: F401

            have_pygamma = True
            print(f"pygamma-agreement import: {time.perf_counter() - t0:.1f} s", flush=True)
        except ImportError:
            print("pygamma-agreement not installed: no ratio")

    # the real case: six annotators, 322 spans in all over three newspaper documents
    units, bounds = corpus_continuum(6, 54, 3, 5000, seed=6)
    measure(f"six annotators, {len(units)} units in all, 3 documents of 5,000 characters",
            units, bounds, have_pygamma)  # fmt: skip
    if not args.skip_pygamma_six:
        measure_by_document("six annotators, 3 documents", units, bounds, 5000, have_pygamma)
    # six times denser: 320 units per annotator (1,910 in all) in the same three documents
    units, bounds = corpus_continuum(6, 320, 3, 5000, seed=6)
    measure("six annotators x 320 units each, 3 documents of 5,000 characters", units, bounds,
            have_pygamma)  # fmt: skip
    for k in (6, 8):
        units, _ = corpus_continuum(6, k, 1, 300, seed=60 + k)
        measure(f"six annotators x {k} units, one document (pygamma-feasible)", units, [],
                have_pygamma, adaptive=False)  # fmt: skip
    units = synthetic_continuum(3, 100, seed=3100)
    measure("3 x 100 (earlier bench case)", units, [], have_pygamma, adaptive=False)
    units = synthetic_continuum(2, 1000, seed=3000)
    measure("2 x 1,000 (earlier bench case)", units, [], have_pygamma, adaptive=False)
    # ten annotators and 200 units in all (20 each), read as the six-annotator case is read
    # (about 320 units in all); then 200 each
    units, bounds = corpus_continuum(10, 20, 1, 5000, seed=10)
    measure("10 annotators, 200 units in all, one document of 5,000 characters", units, [],
            have_pygamma)  # fmt: skip
    # ten annotators x 200 units each at the density of the six-annotator case (about 20 per
    # annotator per 5,000 characters), then all 200 in one document of 8,000 characters
    units, bounds = corpus_continuum(10, 200, 10, 5000, seed=10)
    measure("10 annotators x 200 units, 10 documents of 5,000 characters", units, bounds,
            have_pygamma)  # fmt: skip
    units, bounds = corpus_continuum(10, 200, 1, 8000, seed=10)
    measure("10 annotators x 200 units, one document of 8,000 characters", units, [],
            have_pygamma)  # fmt: skip
    units, bounds = corpus_continuum(3, 19_000, 1000, 4000, seed=1000)
    measure("1,000 documents x 3 annotators", units, bounds, have_pygamma)
    if not args.skip_10k:
        units, bounds = corpus_continuum(3, 190_000, 10_000, 4000, seed=10_000)
        measure("10,000 documents x 3 annotators", units, bounds, have_pygamma, adaptive=False)


if __name__ == "__main__":
    main()
