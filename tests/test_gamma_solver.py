"""The exact alignment's shortcuts change nothing: reduced-cost fixing before the integer
program, the compiled enumeration of candidates, and aligning the samples in worker processes."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.agreement import gamma_alignment
from annotator.agreement.alpha_u import Unit
from annotator.agreement.gamma import gamma, shuffle_sample
from annotator.agreement.gamma_alignment import Units, best_alignment


def _dense(n: int, per_annotator: int, length: int, seed: int) -> list[Unit]:
    # annotators who roughly agree on crowded spans: the LP relaxation is often fractional here
    rng = np.random.default_rng(seed)
    true = sorted(rng.integers(0, length, size=per_annotator))
    units = set()
    for a in range(n):
        for s in true:
            if rng.random() < 0.15:
                continue
            start = int(s + rng.integers(-8, 9))
            units.add(Unit(f"a{a}", "xy"[rng.integers(2)], start, start + int(rng.integers(6, 40))))
    return sorted(units)


def _arrays(units: list[Unit]) -> Units:
    annotators = sorted({u.annotator for u in units})
    return Units.from_units(units, annotators, sorted({u.category for u in units}))


@pytest.mark.slow
def test_reduced_cost_fixing_keeps_the_best_alignment(monkeypatch) -> None:
    """Continua whose LP is fractional: with the columns ruled out by reduced costs, the integer
    program finds the same best disorder as over every column."""
    fractional_seen = 0
    original_milp = gamma_alignment.milp

    def counting_milp(*args, **kwargs):
        nonlocal fractional_seen
        fractional_seen += 1
        return original_milp(*args, **kwargs)

    monkeypatch.setattr(gamma_alignment, "milp", counting_milp)
    monkeypatch.setattr(gamma_alignment, "_DP_UNITS", 0)  # every component to the LP
    continua = []
    rng = np.random.default_rng(0)
    for seed in range(8):
        arrays = _arrays(_dense(6, 12, 400, seed))
        continua += [arrays, shuffle_sample(arrays, 0, 440, rng)]  # samples: more fractional
    found = [best_alignment(arrays).disorder for arrays in continua]
    assert fractional_seen > 0  # the integer program ran, so the fixing was exercised

    def every_column(a_mat, costs, x, duals, comp, open_cols, deadline=None):
        return open_cols

    monkeypatch.setattr(gamma_alignment, "_may_be_optimal", every_column)
    for arrays, disorder in zip(continua, found, strict=True):
        assert best_alignment(arrays).disorder == pytest.approx(disorder, abs=1e-12)


def test_samples_aligned_in_workers_give_the_same_figures(monkeypatch) -> None:
    """Two worker processes or none: the same samples, the same stopping point, the same
    result (fixed seed), with the adaptive sample count and with a fixed one."""
    from annotator.agreement import gamma as gamma_module

    monkeypatch.setattr(gamma_module, "_PARALLEL_FROM_SECONDS", 0.0)  # fork even for this
    units = _dense(4, 15, 600, seed=3)
    annotators = sorted({u.annotator for u in units})
    for max_samples in (None, 200):
        alone = gamma(units, annotators, samples=12, max_samples=max_samples, workers=1)
        shared = gamma(units, annotators, samples=12, max_samples=max_samples, workers=2)
        assert alone.status == "ok" and alone.samples >= 12
        assert shared == alone
