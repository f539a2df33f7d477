"""gamma against DKPro/pygamma fixtures, pygamma's own test continua, brute force and pygamma."""

from __future__ import annotations

import csv
import functools
import json
from itertools import combinations, product
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.agreement.alpha_u import Unit
from annotator.agreement.gamma import (
    DocumentContinuum,
    _batches,
    batch_shuffle_sample,
    gamma,
    gamma_report,
)
from annotator.agreement.gamma_alignment import (
    Dissimilarity,
    GammaBudget,
    Units,
    best_alignment,
    pair_dissimilarity,
)
from annotator.core.records import AgreementDocument, SpanData

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "agreement_reference"


@functools.cache
def _reference() -> dict:
    # read on first use (a test, or collection below), never when the module is imported
    return json.loads((DATA / "gamma_reference_cases.json").read_text())


def pytest_generate_tests(metafunc) -> None:
    """The reference cases as parameters, read at collection."""
    if "fig10_case" in metafunc.fixturenames:
        metafunc.parametrize("fig10_case", _reference()["positional_dissimilarity_fig10"])
    if "entry" in metafunc.fixturenames:
        fixtures = _reference()["dkpro_pygamma_fixtures"]
        metafunc.parametrize("entry", fixtures, ids=[Path(e["file"]).stem for e in fixtures])


def _units(rows: list[dict]) -> list[Unit]:
    return [Unit(r["annotator"], r["category"], r["start"], r["end"]) for r in rows]


def _arrays(units: list[Unit], annotators: list[str] | None = None) -> Units:
    annotators = annotators or sorted({u.annotator for u in units})
    return Units.from_units(units, annotators, sorted({u.category for u in units}))


def _fixture(entry: dict) -> tuple[dict, Dissimilarity]:
    data = json.loads((DATA / entry["file"]).read_text())
    p = data["params"]
    return data, Dissimilarity(p["alpha"], p["beta"], p["deltaEmpty"])


def _csv(name: str) -> list[Unit]:
    with open(DATA / "pygamma_tests" / name) as f:
        return [Unit(r[0], r[1], float(r[2]), float(r[3])) for r in csv.reader(f)]


def test_positional_dissimilarity_figure_10(fig10_case) -> None:
    (s1, e1), (s2, e2) = fig10_case["u1"], fig10_case["u2"]
    positional, _ = pair_dissimilarity(s1, e1, 0, s2, e2, 0, Dissimilarity())
    assert positional == pytest.approx(fig10_case["d_pos"])


def test_dkpro_fixture_pair_dissimilarities(entry) -> None:
    data, diss = _fixture(entry)
    by_annotator: dict[str, list[dict]] = {}
    for row in data["continuum"]:
        by_annotator.setdefault(row["annotator"], []).append(row)
    for pair in data["tier1"]["pairDissimilarities"]:
        u = by_annotator[pair["annotatorA"]][pair["unitIndexA"]]
        v = by_annotator[pair["annotatorB"]][pair["unitIndexB"]]
        positional, combined = pair_dissimilarity(
            u["start"], u["end"], u["category"], v["start"], v["end"], v["category"], diss
        )
        assert positional == pytest.approx(pair["positional"], rel=1e-5, abs=1e-6)
        assert combined == pytest.approx(pair["combined"], rel=1e-5, abs=1e-6)


def test_dkpro_fixture_best_alignment_disorder(entry) -> None:
    data, diss = _fixture(entry)
    alignment = best_alignment(_arrays(_units(data["continuum"])), diss)
    assert alignment.disorder == pytest.approx(entry["best_alignment_disorder_expected"], abs=1e-5)
    # the fixtures also hold pygamma's sampled continua with their exact disorders
    for sample in data["tier2"]["sampledContinua"]:
        annotators = sorted({r["annotator"] for r in data["continuum"]})
        aligned = best_alignment(_arrays(_units(sample["units"]), annotators), diss)
        assert aligned.disorder == pytest.approx(sample["bestAlignmentDisorder"], abs=1e-5)


def test_dkpro_fixture_gamma_in_pygamma_range(entry) -> None:
    data, diss = _fixture(entry)
    units = _units(data["continuum"])
    # pygamma's default sampler; 100 samples keep us inside the spread of its 30-sample runs
    result = gamma(
        units,
        sorted({u.annotator for u in units}),
        dissimilarity=diss,
        samples=100,
        sampler="statistical",
    )
    low, high = entry["gamma_range_here"]
    assert low - 1e-9 <= result.gamma <= high + 1e-9


def test_pygamma_alex_paul_suzan() -> None:
    expected = _reference()["pygamma_AlexPaulSuzan"]["expected_from_tests/test_gammas.py"]
    units = _csv("AlexPaulSuzan.csv")
    annotators = sorted({u.annotator for u in units})
    diss = Dissimilarity(alpha=3, beta=1, delta_empty=1)
    alignment = best_alignment(_arrays(units), diss)
    assert len(alignment.tuples) == expected["n_unitary_alignments"]
    assert alignment.disorder == pytest.approx(0.96, rel=0.01)
    result = gamma(units, annotators, dissimilarity=diss, sampler="shuffle")
    assert expected["gamma"][0] <= result.gamma <= expected["gamma"][1]
    assert expected["gamma_cat"][0] <= result.gamma_cat <= expected["gamma_cat"][1]
    for category, value in expected["gamma_k"].items():
        if value == "<=0":
            assert result.gamma_k[category] <= 0
        else:
            assert result.gamma_k[category] == pytest.approx(value, abs=0.01)


def test_pygamma_3by100() -> None:
    expected = _reference()["pygamma_3by100"]["expected_from_tests/test_gammas.py"]
    units = _csv("3by100.csv")
    diss = Dissimilarity(alpha=3, beta=1, delta_empty=1)
    assert len(best_alignment(_arrays(units), diss).tuples) == expected["n_unitary_alignments"]
    result = gamma(
        units, sorted({u.annotator for u in units}), dissimilarity=diss, sampler="statistical"
    )
    assert expected["gamma"][0] <= result.gamma <= expected["gamma"][1]
    assert expected["gamma_cat"][0] <= result.gamma_cat <= expected["gamma_cat"][1]
    for category, bounds in expected["gamma_k"].items():
        if isinstance(bounds, str):
            assert result.gamma_k[category] >= 0.96
        else:
            assert bounds[0] <= result.gamma_k[category] <= bounds[1]


def _brute_force_disorder(units: list[Unit], annotators: list[str], diss: Dissimilarity) -> float:
    """Exhaustive minimum over all partitions into unitary alignments, no pruning."""
    by_annotator = [[u for u in units if u.annotator == a] for a in annotators]
    n = len(annotators)

    def d(u, v):
        if u is None or v is None:
            return diss.delta_empty
        ratio = (abs(u.start - v.start) + abs(u.end - v.end)) / (u.end - u.start + v.end - v.start)
        return diss.alpha * ratio**2 * diss.delta_empty + diss.beta * diss.delta_empty * (
            u.category != v.category
        )

    tuples = []
    for combo in product(*[[*group, None] for group in by_annotator]):
        members = frozenset(u for u in combo if u is not None)
        if members:
            cost = sum(d(u, v) for u, v in combinations(combo, 2)) / (n * (n - 1) / 2)
            tuples.append((members, cost))
    everything = frozenset(units)
    memo: dict[frozenset, float] = {}

    def cover(left: frozenset) -> float:
        if not left:
            return 0.0
        if left not in memo:
            pivot = min(left)
            memo[left] = min(c + cover(left - m) for m, c in tuples if pivot in m and m <= left)
        return memo[left]

    return cover(everything) / (len(units) / n)


@st.composite
def small_continua(draw):
    n = draw(st.integers(2, 3))
    units = set()
    for a in range(n):
        for _ in range(draw(st.integers(0, 3))):
            start = draw(st.integers(0, 30))
            units.add(
                Unit(f"a{a}", draw(st.sampled_from("xy")), start, start + draw(st.integers(1, 12)))
            )
    return sorted(units), [f"a{a}" for a in range(n)]


@settings(max_examples=60, deadline=None)
@given(
    small_continua(),
    st.sampled_from([Dissimilarity(), Dissimilarity(3, 2, 1), Dissimilarity(1, 1, 0.5)]),
)
def test_best_alignment_equals_brute_force(continuum, diss) -> None:
    units, annotators = continuum
    alignment = best_alignment(_arrays(units, annotators), diss)
    if not units:
        assert alignment is None
        return
    assert alignment.disorder == pytest.approx(
        _brute_force_disorder(units, annotators, diss), abs=1e-9
    )
    covered = sorted(int(i) for i in alignment.tuples.ravel() if i >= 0)
    assert covered == list(range(len(units)))


def test_undefined_and_degenerate_cases() -> None:
    one = [Unit("a", "x", 0, 10)]
    assert gamma(one, ["a"]).gamma is None
    assert gamma([], ["a", "b"]).gamma is None
    identical = [Unit("a", "x", 0, 10), Unit("b", "x", 0, 10)]
    assert gamma(identical, ["a", "b"]).gamma == 1.0
    # "done, found nothing" is data: the empty annotator's silence is disagreement
    result = gamma(one, ["a", "b"], samples=5)
    assert result.observed_disorder == pytest.approx(
        2.0
    )  # one lone unit over 1/2 unit per annotator


def _doc(doc_id: int, spans: dict[str, list[tuple[int, int, str]]]) -> AgreementDocument:
    return AgreementDocument(
        doc_id,
        f"d{doc_id}",
        [(i, i + 1) for i in range(100)],
        {a: [SpanData(s, e, s, e - 1, label) for s, e, label in v] for a, v in spans.items()},
    )


def test_gamma_report_uses_done_documents_as_one_continuum() -> None:
    docs = [
        _doc(1, {"a": [(5, 20, "L"), (40, 60, "M")], "b": [(6, 20, "L"), (42, 60, "M")]}),
        _doc(2, {"a": [(10, 30, "L")]}),  # b not done: must not count as b finding nothing
        _doc(3, {"a": [(0, 10, "M")], "b": [(1, 10, "M"), (50, 70, "L")]}),
    ]
    report = gamma_report(docs, ["a", "b"], ["L", "M"], samples=10, max_samples=None, seed=7)
    units = [
        Unit("a", "L", 5, 20), Unit("a", "M", 40, 60), Unit("b", "L", 6, 20),
        Unit("b", "M", 42, 60), Unit("a", "M", 100, 110), Unit("b", "M", 101, 110),
        Unit("b", "L", 150, 170),
    ]  # fmt: skip
    # each document is its own continuum, aligned and sampled alone
    direct = gamma(units, ["a", "b"], begin=0, end=200, samples=10, seed=7, boundaries=[0, 100])
    assert report["documents"] == 2
    assert report["units"] == 7
    assert report["observed_disorder"] == pytest.approx(direct.observed_disorder)
    assert report["gamma"] == pytest.approx(direct.gamma)
    assert report["samples"] == 10 and report["seed"] == 7
    assert report["annotators"] == 2 and report["annotator_names"] == ["a", "b"]
    assert {"gamma_cat", "expected_disorder", "gamma_k", "alpha", "beta", "delta_empty"} <= set(
        report
    )
    assert gamma_report(docs, ["a"], ["L", "M"])["gamma"] is None


def _pygamma_continuum(pa, units: list[Unit]):
    from pyannote.core import Segment

    continuum = pa.Continuum()
    for u in units:
        continuum.add(u.annotator, Segment(u.start, u.end), u.category)
    return continuum


def _random_units(rng: np.random.Generator, n: int, k: int) -> list[Unit]:
    units = set()
    for a in range(n):
        for _ in range(k):
            start = int(rng.integers(0, 200))
            units.add(
                Unit(f"a{a}", "xyz"[rng.integers(3)], start, start + int(rng.integers(2, 30)))
            )
    return sorted(units)


def test_against_pygamma_agreement() -> None:
    pa = pytest.importorskip("pygamma_agreement")  # test-only dependency
    import logging

    logging.disable(logging.WARNING)  # pygamma warns on every solve that CBC is missing
    rng = np.random.default_rng(11)
    diss = Dissimilarity()
    theirs = pa.CombinedCategoricalDissimilarity(alpha=1, beta=1, delta_empty=1)
    for n, k in ((2, 8), (3, 5), (3, 7), (4, 4)):
        units = _random_units(rng, n, k)
        expected = _pygamma_continuum(pa, units).get_best_alignment(theirs).disorder
        assert best_alignment(_arrays(units), diss).disorder == pytest.approx(
            float(expected), rel=1e-5
        )

    units = _random_units(rng, 3, 6)
    np.random.seed(4772)
    reference = _pygamma_continuum(pa, units).compute_gamma(
        theirs, n_samples=30, sampler=pa.StatisticalContinuumSampler()
    )
    mine = gamma(units, sorted({u.annotator for u in units}), samples=30, sampler="statistical")
    their_chance = np.array([float(a.disorder) for a in reference.chance_alignments])
    # both expected disorders are means of 30 draws from one distribution: compare within 4 SE
    spread = 4 * np.sqrt(their_chance.var() / 30 + mine.expected_disorder_sd**2 / 30)
    assert abs(mine.expected_disorder - their_chance.mean()) <= spread
    assert mine.observed_disorder == pytest.approx(float(reference.observed_disorder), rel=1e-5)


def test_corpus_gamma_never_aligns_units_of_different_documents() -> None:
    """The corpus continuum puts documents end to end; a span at the end of one document and a
    span at the start of the next are different text, so the observed disorder is that of each
    document aligned alone: pygamma's disorder per document, weighted by its units."""
    pa = pytest.importorskip("pygamma_agreement")  # test-only dependency
    import logging

    logging.disable(logging.WARNING)
    theirs = pa.CombinedCategoricalDissimilarity(alpha=1, beta=1, delta_empty=1)
    tokens = [(0, 4), (5, 9), (10, 14)]
    # A marks the last word of document 1, B the first word of document 2: no agreement at all,
    # two lone units, disorder 2 (concatenated, they were aligned at disorder 1).
    lone = [
        AgreementDocument(1, "a", tokens, {"A": [SpanData(10, 14, 2, 2, "L")], "B": []}),
        AgreementDocument(2, "b", tokens, {"A": [], "B": [SpanData(0, 4, 0, 0, "L")]}),
    ]
    assert gamma_report(lone, ["A", "B"], ["L"], samples=5)["observed_disorder"] == 2.0

    rng = np.random.default_rng(5)
    documents, weighted, total = [], 0.0, 0
    for d in range(4):
        length = 40
        toks = [(i, i + 1) for i in range(length)]
        spans: dict[str, list[SpanData]] = {}
        units = []
        for a in ("A", "B", "C"):
            spans[a] = []
            for start in sorted(rng.choice(length - 6, size=2, replace=False)):
                end = int(start + rng.integers(2, 6))
                label = "LM"[rng.integers(2)]
                if any(s.label == label and s.start < end and start < s.end for s in spans[a]):
                    continue  # same-label overlaps would merge; keep the reference simple
                spans[a].append(SpanData(int(start), end, int(start), end - 1, label))
                units.append(Unit(a, label, int(start), end))
        # the last token of every document is marked by A, the first of the next by B
        spans["A"].append(SpanData(length - 1, length, length - 1, length - 1, "L"))
        units.append(Unit("A", "L", length - 1, length))
        if d:
            spans["B"].append(SpanData(0, 1, 0, 0, "L"))
            units.append(Unit("B", "L", 0, 1))
        documents.append(AgreementDocument(d, str(d), toks, spans))
        expected = _pygamma_continuum(pa, units).get_best_alignment(theirs).disorder
        weighted += float(expected) * len(units)
        total += len(units)
    report = gamma_report(documents, ["A", "B", "C"], ["L", "M"], samples=5)
    assert report["units"] == total
    assert report["observed_disorder"] == pytest.approx(weighted / total, rel=1e-6)


# issue 18: many annotators, budget, coverage, documents in the samples, adaptive samples ------


def _pygamma_disorder(units: list[Unit]) -> float:
    pa = pytest.importorskip("pygamma_agreement")  # test-only dependency
    import logging

    logging.disable(logging.WARNING)
    theirs = pa.CombinedCategoricalDissimilarity(alpha=1, beta=1, delta_empty=1)
    return float(_pygamma_continuum(pa, units).get_best_alignment(theirs).disorder)


@pytest.mark.parametrize(("n", "k", "seed"), [(4, 6, 1), (5, 5, 2), (6, 4, 3), (6, 5, 4)])
def test_observed_disorder_for_four_to_six_annotators_equals_pygamma(n, k, seed) -> None:
    """Dense continua (one component of all units: the LP path, not the small-component one)."""
    units = _random_units(np.random.default_rng(seed), n, k)
    arrays = _arrays(units)
    alignment = best_alignment(arrays)
    assert alignment.disorder == pytest.approx(_pygamma_disorder(units), rel=1e-6)
    covered = sorted(int(i) for i in alignment.tuples.ravel() if i >= 0)
    assert covered == list(range(len(units)))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_best_alignment_of_four_annotators_equals_brute_force(seed) -> None:
    rng = np.random.default_rng(seed)
    units = sorted(
        {
            Unit(f"a{a}", "xy"[rng.integers(2)], s, s + int(rng.integers(1, 12)))
            for a in range(4)
            for s in rng.integers(0, 30, size=int(rng.integers(0, 3)))
        }
    )
    annotators = [f"a{a}" for a in range(4)]
    if not units:
        return
    alignment = best_alignment(_arrays(units, annotators))
    expected = _brute_force_disorder(units, annotators, Dissimilarity())
    assert alignment.disorder == pytest.approx(expected, abs=1e-9)


def _crowded(n: int, k: int) -> list[Unit]:
    rng = np.random.default_rng(n * k)
    return [
        Unit(f"a{a}", "x", int(s), int(s) + int(rng.integers(10, 40)))
        for a in range(n)
        for s in rng.integers(0, 200, size=k)
    ]


def test_too_large_for_an_exact_alignment_is_a_result_not_a_crash() -> None:
    """20 annotators on one crowded document: past the budget the result says so, with the
    figures it could compute, instead of building a 13M-row candidate array."""
    units = _crowded(20, 30)
    annotators = [f"a{a}" for a in range(20)]
    result = gamma(units, annotators, samples=5)  # the default budget
    assert result.status == "too_large"
    assert result.gamma is None and result.observed_disorder is None
    assert "too large for an exact alignment" in result.reason
    assert result.units == len(set(units)) and result.annotators == 20
    small = gamma(_crowded(6, 10), [f"a{a}" for a in range(6)], budget=GammaBudget(candidates=50))
    assert small.status == "too_large" and "budget of 50" in small.reason
    assert gamma(_crowded(6, 10), [f"a{a}" for a in range(6)], samples=3).status == "ok"


def test_budget_past_the_observed_alignment_keeps_the_observed_disorder() -> None:
    units = _crowded(5, 8)
    annotators = [f"a{a}" for a in range(5)]
    full = gamma(units, annotators, samples=3)
    # a component limit only the (more scattered) samples reach, or the time budget: here the
    # time budget is spent already, so the observed figure stands and the samples are refused
    spent = gamma(units, annotators, samples=3, budget=GammaBudget(seconds=0))
    assert spent.status == "too_large" and spent.gamma is None
    assert full.status == "ok" and full.observed_disorder is not None


def test_report_uses_every_document_with_two_done_annotators_each_with_its_own() -> None:
    """Each document counts with the annotators who finished it; before, a document one of the
    selected annotators had not finished was dropped (documents: 1 here)."""
    ab = {"A": [(2, 10, "L"), (30, 44, "M")], "B": [(3, 10, "L"), (31, 40, "M")]}
    bc = {"B": [(5, 20, "L"), (50, 60, "L")], "C": [(5, 18, "L"), (70, 80, "M")]}
    abc = {"A": [(0, 8, "L")], "B": [(1, 8, "L"), (20, 30, "M")], "C": [(0, 9, "L")]}
    docs = [_doc(1, ab), _doc(2, bc), _doc(3, abc), _doc(4, {"C": [(1, 5, "L")]})]
    report = gamma_report(docs, ["A", "B", "C"], ["L", "M"], samples=5, max_samples=None)
    assert report["documents"] == 3 and report["annotators"] == 3
    assert report["units"] == 12 and report["coverage"] == "done"
    weighted = weight = 0.0
    for spans in (ab, bc, abc):
        units = [Unit(a, lab, s, e) for a, v in spans.items() for s, e, lab in v]
        share = len(units) / len(spans)  # mean units per annotator of that document
        weighted += _pygamma_disorder(units) * share
        weight += share
    assert report["observed_disorder"] == pytest.approx(weighted / weight, rel=1e-6)
    every = gamma_report(docs, ["A", "B", "C"], ["L", "M"], samples=5, all_annotators=True)
    assert every["documents"] == 1 and every["units"] == 4
    assert every["observed_disorder"] == pytest.approx(
        _pygamma_disorder([Unit(a, lab, s, e) for a, v in abc.items() for s, e, lab in v])
    )


def test_samples_stay_inside_their_documents() -> None:
    """The Monte-Carlo samples shuffle each document alone: every sampled unit keeps its
    document, starts inside it, and a document gets the units of its own annotators only."""
    docs = [
        DocumentContinuum([Unit("a", "x", 90, 99), Unit("b", "x", 91, 99)], ["a", "b"], 0, 100),
        DocumentContinuum(
            [Unit("a", "x", 100, 104), Unit("b", "y", 101, 103), Unit("b", "x", 150, 160)],
            ["a", "b"],
            100,
            300,
        ),
    ]
    (batch,) = _batches(docs, ["x", "y"])
    rng = np.random.default_rng(3)
    for _ in range(200):
        sample = batch_shuffle_sample(batch, rng)
        assert sample.groups is not None
        for g, (lo, hi) in enumerate([(0, 100), (100, 300)]):
            mine = sample.groups == g
            assert np.all((sample.starts[mine] >= lo) & (sample.starts[mine] <= hi))
            for owner in (0, 1):  # each sampled annotator copies one real annotator's units
                copied = sorted((sample.ends - sample.starts)[mine & (sample.owners == owner)])
                assert copied in (([9.0], [8.0]) if g == 0 else ([4.0], [2.0, 10.0]))


def test_samples_adapt_until_the_standard_error_is_under_the_bound() -> None:
    units = _random_units(np.random.default_rng(8), 3, 6)
    annotators = sorted({u.annotator for u in units})
    fixed = gamma(units, annotators, samples=10)
    assert fixed.samples == 10 and fixed.standard_error is not None
    loose = gamma(units, annotators, samples=10, max_samples=400, standard_error=0.05)
    tight = gamma(units, annotators, samples=10, max_samples=400, standard_error=0.005)
    assert 10 <= loose.samples <= tight.samples <= 400
    for result in (loose, tight):
        bound = 0.05 if result is loose else 0.005
        assert result.samples == 400 or result.standard_error <= bound
        if result.samples > 10:  # it stopped at the first sample count under the bound
            assert result.standard_error <= bound or result.samples == 400
    # the standard error is the delta-method one of gamma = 1 - D_o / mean(D_e)
    assert tight.standard_error == pytest.approx(
        tight.observed_disorder
        * tight.expected_disorder_sd
        * np.sqrt(tight.samples / (tight.samples - 1))
        / np.sqrt(tight.samples)
        / tight.expected_disorder**2
    )
    again = gamma(units, annotators, samples=10, max_samples=400, standard_error=0.005)
    assert again == tight  # fixed seed: the same samples, the same figures


@pytest.mark.parametrize(("n", "k", "span"), [(3, 15, 300), (3, 40, 400), (5, 12, 300)])
def test_dynamic_program_and_linear_program_find_the_same_disorder(monkeypatch, n, k, span):
    """The dynamic program (components of 45, 120 and 60 units here) and the LP find the same
    best disorder: forcing every component to the LP changes nothing."""
    from annotator.agreement import gamma_alignment

    rng = np.random.default_rng(n * k)
    units = sorted(
        {
            Unit(f"a{a}", "xy"[rng.integers(2)], int(s), int(s) + int(rng.integers(5, 30)))
            for a in range(n)
            for s in rng.integers(0, span, size=k)
        }
    )
    arrays = _arrays(units, [f"a{a}" for a in range(n)])
    mixed = best_alignment(arrays)
    monkeypatch.setattr(gamma_alignment, "_DP_UNITS", 0)
    by_lp = best_alignment(arrays)
    assert mixed.disorder == pytest.approx(by_lp.disorder, abs=1e-9)
    covered = sorted(int(i) for i in mixed.tuples.ravel() if i >= 0)
    assert covered == list(range(len(arrays.starts)))
