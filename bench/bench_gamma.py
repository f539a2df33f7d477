"""Benchmark: gamma on 3 annotators x 100 spans and 2 annotators x 1,000 spans.

Times annotator.agreement.gamma.gamma next to pygamma-agreement's Continuum.compute_gamma on the
same continua, same dissimilarity (alpha = beta = delta_empty = 1), same sampler family and 30
samples, when pygamma-agreement is installed; otherwise prints its published cost. Run:

    .venv/bin/python bench/bench_gamma.py [--repeat N] [--skip-pygamma]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time

import numpy as np

from annotator.agreement.alpha_u import Unit
from annotator.agreement.gamma import gamma

LABELS = ("STATE_PROPAGANDA", "INTEL_ESTIMATE", "EDITORIAL_FRAMING")


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


def run_ours(units: list[Unit], annotators: list[str], sampler: str) -> tuple[float, object]:
    """Seconds and result of our gamma (30 samples)."""
    t0 = time.perf_counter()
    result = gamma(units, annotators, samples=30, sampler=sampler)
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


def run_pygamma(units: list[Unit], sampler: str) -> tuple[float, float, float]:
    """Seconds, gamma and observed disorder from pygamma-agreement (30 samples)."""
    import pygamma_agreement as pa
    from pyannote.core import Segment

    continuum = pa.Continuum()
    for u in units:
        continuum.add(u.annotator, Segment(u.start, u.end), u.category)
    diss = pa.CombinedCategoricalDissimilarity(alpha=1, beta=1, delta_empty=1)
    chosen = (
        pa.ShuffleContinuumSampler() if sampler == "shuffle" else pa.StatisticalContinuumSampler()
    )
    np.random.seed(4772)
    t0 = time.perf_counter()
    with _quiet_stdout():
        result = continuum.compute_gamma(diss, n_samples=30, sampler=chosen)
        value, observed = float(result.gamma), float(result.observed_disorder)
    return time.perf_counter() - t0, value, observed


def main() -> None:
    """Print timings and values for both continua."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pygamma", action="store_true")
    parser.add_argument("--sampler", default="shuffle", choices=["shuffle", "statistical"])
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; 30 Monte-Carlo samples each", flush=True)

    have_pygamma = False
    if not args.skip_pygamma:
        t0 = time.perf_counter()
        try:
            import logging

            logging.disable(logging.WARNING)  # pygamma warns about the missing CBC solver each call
            import pygamma_agreement  # noqa: F401

            have_pygamma = True
            print(f"pygamma-agreement import: {time.perf_counter() - t0:.1f} s", flush=True)
        except ImportError:
            print(
                "pygamma-agreement not installed: published cost about 5 s for 3 x 100"
                " plus about 9 s import"
            )

    for n_annotators, n_spans in ((3, 100), (2, 1000)):
        units = synthetic_continuum(n_annotators, n_spans, seed=n_annotators * 1000 + n_spans)
        annotators = sorted({u.annotator for u in units})
        ours = [run_ours(units, annotators, args.sampler) for _ in range(args.repeat)]
        best = min(t for t, _ in ours)
        result = ours[0][1]
        print(
            f"{n_annotators} x {n_spans} ({len(units)} units), sampler={args.sampler}: ours "
            f"{best:.3f} s (best of {args.repeat}), gamma {result.gamma:.4f}, "
            f"observed {result.observed_disorder:.6f}, expected {result.expected_disorder:.4f} "
            f"+- {result.expected_disorder_sd:.4f} (sd over samples)",
            flush=True,
        )
        if have_pygamma:
            seconds, value, observed = run_pygamma(units, args.sampler)
            print(
                f"    pygamma-agreement {seconds:.2f} s, gamma {value:.4f}, "
                f"observed {observed:.6f}; "
                f"speed-up {seconds / best:.1f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
