"""The exact alignment's shortcuts change nothing: reduced-cost fixing before the integer
program, the compiled enumeration of candidates, and aligning the samples in worker processes."""

from __future__ import annotations

from pathlib import Path

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


def _count_calls(monkeypatch, name: str) -> list[None]:
    """gamma_alignment.<name> wrapped so that each call appends to the list returned."""
    calls: list[None] = []
    original = getattr(gamma_alignment, name)

    def counted(*args, **kwargs):
        calls.append(None)
        return original(*args, **kwargs)

    monkeypatch.setattr(gamma_alignment, name, counted)
    return calls


def _count_listings(monkeypatch) -> list[None]:
    """gamma_dp.price_alignments wrapped so that each call listing every column within a
    threshold (per_anchor = 0: the exact step's) appends to the list returned."""
    from annotator.agreement import gamma_dp

    calls: list[None] = []
    original = gamma_dp.price_alignments

    def counted(*args):
        if args[14] == 0:
            calls.append(None)
        return original(*args)

    monkeypatch.setattr(gamma_dp, "price_alignments", counted)
    return calls


def _arrays(units: list[Unit]) -> Units:
    annotators = sorted({u.annotator for u in units})
    return Units.from_units(units, annotators, sorted({u.category for u in units}))


@pytest.mark.slow
def test_reduced_cost_fixing_keeps_the_best_alignment(monkeypatch) -> None:
    """Continua whose LP is fractional: with the columns ruled out by reduced costs, the integer
    program finds the same best disorder as over every column."""
    milp_calls = _count_calls(monkeypatch, "milp")
    monkeypatch.setattr(gamma_alignment, "_DP_UNITS", 0)  # every component to the LP
    continua = []
    rng = np.random.default_rng(0)
    for seed in range(8):
        arrays = _arrays(_dense(6, 12, 400, seed))
        continua += [arrays, shuffle_sample(arrays, 0, 440, rng)]  # samples: more fractional
    found = [best_alignment(arrays).disorder for arrays in continua]
    assert len(milp_calls) > 0  # the integer program ran, so the fixing was exercised

    def every_column(a_mat, parts, empty, costs, x, duals, comp, open_cols, deadline=None):
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


def _partition_disorder(arrays: Units, alignment) -> float:
    # every unit exactly once, at most one per annotator, and the disorder from scratch
    tuples = alignment.tuples
    real = tuples[tuples >= 0]
    assert sorted(real.tolist()) == list(range(len(arrays.starts)))
    for column in range(arrays.n_annotators):
        members = tuples[:, column]
        assert (arrays.owners[members[members >= 0]] == column).all()
    n = arrays.n_annotators
    total = 0.0
    for row in tuples:
        cost = 0.0
        for i in range(n):
            for j in range(i + 1, n):
                u, v = row[i], row[j]
                if u < 0 or v < 0:
                    cost += 1.0
                    continue
                _, d = gamma_alignment.pair_dissimilarity(
                    arrays.starts[u], arrays.ends[u], arrays.cats[u],
                    arrays.starts[v], arrays.ends[v], arrays.cats[v],
                    gamma_alignment.Dissimilarity(),
                )  # fmt: skip
                cost += float(d)
        total += cost / (n * (n - 1) / 2)
    return total / (len(arrays.starts) / n)


@pytest.mark.slow
def test_column_generation_finds_the_best_alignment_the_listing_finds(monkeypatch) -> None:
    """Four to ten annotators, observed continua and shuffled samples small enough to list
    every candidate: generating the columns from LP duals (and the exact step where that LP
    is fractional) gives the same least disorder, as a valid partition."""
    # (annotators, units each, length, seed, sample?): the listing takes under a second on each
    # (up to 20 s on some ten-annotator continua); the eight-annotator sample of seed 4 has a
    # fractional LP
    cases = [(4, 14, 500, 0, False), (4, 14, 500, 1, True), (6, 14, 400, 0, False),
             (6, 14, 400, 1, True), (6, 14, 400, 3, False), (8, 7, 300, 1, False),
             (8, 7, 300, 4, True), (8, 7, 300, 5, True), (10, 5, 250, 1, False),
             (10, 5, 250, 2, True), (10, 6, 300, 1, False), (10, 6, 300, 3, True)]  # fmt: skip
    continua = []
    for n, per, length, seed, sample in cases:
        arrays = _arrays(_dense(n, per, length, seed))
        rng = np.random.default_rng(seed)
        continua.append(shuffle_sample(arrays, 0, length + 40, rng) if sample else arrays)
    monkeypatch.setattr(gamma_alignment, "_ENUMERATED_ROWS", 10**9)
    monkeypatch.setattr(gamma_alignment, "_PRICED_FROM_ANNOTATORS", 100)
    listed = [best_alignment(arrays).disorder for arrays in continua]
    monkeypatch.setattr(gamma_alignment, "_ENUMERATED_ROWS", 0)  # every chunk generated
    exact_steps = _count_calls(monkeypatch, "_exact_where_fractional")
    listings = _count_listings(monkeypatch)
    drops: list[None] = []
    drop = gamma_alignment._MasterLP.drop
    monkeypatch.setattr(
        gamma_alignment._MasterLP, "drop", lambda lp, mask: drops.append(None) or drop(lp, mask)
    )
    # the fractional components' integer programs together (small), then each alone; then
    # the gap listed by a hundredth first, so that the listing mostly has to widen, and every
    # nonbasic column of positive reduced cost dropped from the master LP after each round
    alone, window, above = (gamma_alignment._MILP_ALONE_COLUMNS, gamma_alignment._FIRST_WINDOW,
                            gamma_alignment._DROP_ABOVE)  # fmt: skip
    settings = [(alone, window, above), (1, window, above), (alone, 0.01, 1e-9)]
    for alone, window, above in settings:
        monkeypatch.setattr(gamma_alignment, "_MILP_ALONE_COLUMNS", alone)
        monkeypatch.setattr(gamma_alignment, "_FIRST_WINDOW", window)
        monkeypatch.setattr(gamma_alignment, "_DROP_ABOVE", above)
        for arrays, disorder in zip(continua, listed, strict=True):
            alignment = best_alignment(arrays)
            assert alignment.disorder == pytest.approx(disorder, abs=1e-9)
            assert _partition_disorder(arrays, alignment) == pytest.approx(disorder, abs=1e-9)
    assert len(exact_steps) > 0  # some LP was fractional, so the exact step was exercised
    assert len(listings) > len(exact_steps)  # and some listing within a part of the gap widened
    assert len(drops) > 0  # and columns left the master LP


@pytest.mark.slow
def test_ten_annotators_get_an_exact_alignment_instead_of_too_large() -> None:
    """Ten annotators x 20 crowded units: 3.4 million candidate unitary alignments, past the
    budget of a million at which the listing stops (before: GammaTooLarge); column
    generation aligns it within the default budget, as a valid partition."""
    arrays = _arrays(_dense(10, 20, 800, seed=1))
    alignment = best_alignment(arrays, budget=gamma_alignment.GammaBudget())
    assert alignment is not None
    assert _partition_disorder(arrays, alignment) == pytest.approx(alignment.disorder, abs=1e-9)
    # a necessary condition of the least disorder: no unitary alignment is dearer than its
    # units alone
    for row, cost in zip(alignment.tuples, alignment.unitary_disorders, strict=True):
        assert cost <= (row >= 0).sum() * 1.0 + 1e-9


def test_highs_prints_nothing_into_standard_output() -> None:
    """HiGHS prints its banner from C++ straight to file descriptor 1 on the first solver of a
    process; a fresh process that aligns ten annotators (the generated columns' LP) and prints
    JSON leaves nothing else in standard output, so `annotator agreement --json` parses."""
    import json
    import subprocess
    import sys

    script = (
        "import json, sys\n"
        "sys.path.insert(0, 'tests')\n"
        "from test_gamma_solver import _arrays, _dense\n"
        "from annotator.agreement.gamma_alignment import best_alignment\n"
        "print(json.dumps({'disorder': best_alignment(_arrays(_dense(10, 5, 250, 1))).disorder}))\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout)["disorder"] > 0


def test_a_solve_in_a_request_thread_keeps_the_other_threads_standard_output(tmp_path) -> None:
    """In a threaded web worker (`/api/agreement?gamma=1`) gamma is solved in a request thread
    while other threads write to standard output (the server's log): none of their lines may
    be lost while HiGHS runs. A fresh process solves in a second thread and writes numbered
    lines from its main thread until the solve ends; every line reaches the file."""
    import subprocess
    import sys

    script = (
        "import os, sys, threading\n"
        "sys.path.insert(0, 'tests')\n"
        "from test_gamma_solver import _arrays, _dense\n"
        "from annotator.agreement.gamma_alignment import best_alignment\n"
        "arrays = _arrays(_dense(10, 20, 800, 3))\n"
        "solver = threading.Thread(target=best_alignment, args=(arrays,))\n"
        "solver.start()\n"
        "written = 0\n"
        "while solver.is_alive():\n"
        "    os.write(1, b'log line\\n')\n"
        "    written += 1\n"
        "solver.join()\n"
        "print(written, file=sys.stderr)\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "stdout.txt"
    with out.open("wb") as sink:
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=root, stdout=sink, stderr=subprocess.PIPE,
            text=True, check=True,
        )  # fmt: skip
    written = int(done.stderr.strip().splitlines()[-1])
    kept = out.read_bytes().count(b"log line\n")
    assert written > 0
    assert kept == written


def test_large_components_are_solved_alone_and_every_component_once():
    from annotator.agreement.gamma_alignment import _ALONE_UNITS, _CHUNK_UNITS, _chunks

    sizes = np.array([3, _ALONE_UNITS, 40, _ALONE_UNITS + 7, 2_000, 1_500, 10])
    comps = np.arange(len(sizes))
    chunks = _chunks(comps, sizes)
    assert sorted(int(c) for chunk in chunks for c in chunk) == comps.tolist()
    for chunk in chunks:
        if (sizes[chunk] >= _ALONE_UNITS).any():
            assert len(chunk) == 1  # a large component shares its solve with no other
        else:
            assert sizes[chunk[:-1]].sum() < _CHUNK_UNITS  # a run starts below the chunk size
    assert _chunks(np.zeros(0, dtype=np.int64), sizes) == []
