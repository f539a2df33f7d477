"""alpha_U against Krippendorff's published examples, DKPro Statistics and a literal DKPro port."""

from __future__ import annotations

import functools
import json
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.agreement.alpha_u import (
    Unit,
    alpha_u,
    alpha_u_by_category,
    category_disagreements,
    corpus_continuum,
    unitizing_report,
)
from annotator.agreement.u_alpha import u_alpha_family
from annotator.core.records import AgreementDocument, SpanData

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "agreement_reference"


@functools.cache
def _cases() -> dict[str, dict]:
    # read on first use inside a test, never when the module is imported
    cases = json.loads((DATA / "unitizing_reference_cases.json").read_text())["alpha_U_1995_2004"]
    return {c["id"]: c for c in cases}


def _case(case_id: str, stretch: int = 1) -> tuple[list[Unit], list[str], int, int]:
    case = _cases()[case_id]
    units = [
        Unit(str(r), c, b * stretch, (b + length) * stretch) for b, length, r, c in case["units"]
    ]
    return units, [str(r) for r in range(case["R"])], case["L"] * stretch, case["B"] * stretch


def test_krippendorff_2004_worked_example() -> None:
    units, raters, length, begin = _case("krippendorff2004_c_k")
    assert alpha_u(units, raters, length, begin=begin) == pytest.approx(0.8591, abs=0.0005)
    parts = alpha_u_by_category(units, raters, length, begin=begin)
    expected = _cases()["krippendorff2004_c_k"]["expected"]
    for category in ("c", "k"):
        observed, chance = parts[category]
        assert observed == pytest.approx(expected[category]["D_o"], abs=5e-5)
        assert chance == pytest.approx(expected[category]["D_e"], abs=5e-5)
        assert 1 - observed / chance == pytest.approx(expected[category]["alpha"], abs=5e-5)


@pytest.mark.parametrize(
    ("first", "second", "distance"),
    [((225, 70), (220, 80), 50), ((370, 30), (355, 20), 850), (None, (400, 20), 400)],
)
def test_krippendorff_2004_distances(first, second, distance) -> None:
    # with two raters D_o = sum of distances / L^2, so one pair of units exposes delta
    units = [Unit("1", "c", second[0], second[0] + second[1])]
    if first is not None:
        units.append(Unit("0", "c", first[0], first[0] + first[1]))
    observed, _ = category_disagreements(units, ["0", "1"], "c", 300, 150)
    assert observed * 300**2 == pytest.approx(distance)


def test_dkpro_unitizing_agreement_test() -> None:
    units, raters, length, begin = _case("dkpro_UnitizingAgreementTest")
    observed, chance = alpha_u_by_category(units, raters, length, begin=begin)["A"]
    assert observed == pytest.approx(0.91, abs=5e-5)
    assert chance == pytest.approx(0.5351, abs=1e-4)  # DKPro states four decimals, truncated
    assert alpha_u(units, raters, length, begin=begin) == pytest.approx(-0.7003, abs=5e-5)


def test_dkpro_single_unit_three_raters() -> None:
    units, raters, length, begin = _case("dkpro_single_unit_3raters")
    assert alpha_u(units, raters, length, begin=begin) == pytest.approx(0.0, abs=1e-12)


def test_krippendorff_1995_observed_disagreements() -> None:
    units, raters, length, begin = _case("krippendorff1995_examples_A_to_D")
    parts = alpha_u_by_category(units, raters, length, begin=begin)
    for category, value in _cases()["krippendorff1995_examples_A_to_D"]["expected"]["D_o"].items():
        assert parts[category][0] == pytest.approx(value, abs=1e-5)


def test_krippendorff_1995_expected_at_stretch() -> None:
    # DKPro stretches the 24-unit continuum by 50,000 to approach the paper's continuous D_e
    units, raters, length, begin = _case("krippendorff1995_examples_A_to_D", stretch=50_000)
    parts = alpha_u_by_category(units, raters, length, begin=begin)
    expected = _cases()["krippendorff1995_examples_A_to_D"]["expected"]
    for category, value in expected["D_e_at_stretch_50000_tol_0.005"].items():
        assert parts[category][1] == pytest.approx(value, abs=0.005)
    for category, value in expected["alpha_at_stretch_50000_tol_0.02"].items():
        observed, chance = parts[category]
        assert 1 - observed / chance == pytest.approx(value, abs=0.02)


def test_edge_cases() -> None:
    one = [Unit("a", "X", 3, 8), Unit("b", "X", 3, 8)]
    assert alpha_u(one, ["a", "b"], 20) == 1.0
    assert alpha_u([], ["a", "b"], 20) is None
    assert alpha_u(one, ["a"], 20) is None
    assert alpha_u(one, ["a", "b"], 20, categories=["Y"]) is None


def _dkpro_observed(
    units: list[Unit], raters: list[str], category: str, begin: int, length: int
) -> float:
    """A literal port of DKPro's calculateObservedCategoryDisagreement sweep."""

    def distance(o1, l1, c1, o2, l2, c2):
        begin_diff, length_diff = o1 - o2, l1 - l2
        if c1 is not None and c2 is not None and -l1 < begin_diff < l2:
            return begin_diff**2 + (begin_diff + length_diff) ** 2
        if c1 is not None and c2 is None and -length_diff >= begin_diff >= 0:
            return l1 * l1
        if c1 is None and c2 is not None and -length_diff <= begin_diff <= 0:
            return l2 * l2
        return 0

    result = 0.0
    for r1, r2 in combinations(raters, 2):
        it1 = iter(
            sorted(
                (u.start, u.end - u.start)
                for u in units
                if u.annotator == r1 and u.category == category
            )
        )
        it2 = iter(
            sorted(
                (u.start, u.end - u.start)
                for u in units
                if u.annotator == r2 and u.category == category
            )
        )
        next1, next2 = next(it1, None), next(it2, None)
        off1 = off2 = pos = begin
        len1 = len2 = 0
        cat1 = cat2 = None
        while pos < begin + length and (next1 is not None or next2 is not None):
            if pos == off1 + len1:
                if next1 is not None and pos == next1[0]:
                    len1, cat1 = next1[1], category
                    next1 = next(it1, None)
                else:
                    len1, cat1 = (next1[0] if next1 is not None else begin + length) - pos, None
                off1 = pos
            if pos == off2 + len2:
                if next2 is not None and pos == next2[0]:
                    len2, cat2 = next2[1], category
                    next2 = next(it2, None)
                else:
                    len2, cat2 = (next2[0] if next2 is not None else begin + length) - pos, None
                off2 = pos
            result += distance(off1, len1, cat1, off2, len2, cat2)
            pos = min(off1 + len1, off2 + len2)
    r = len(raters)
    return result * 2.0 / (r * (r - 1) * length * length)


@st.composite
def disjoint_units(draw, raters=("r0", "r1", "r2"), length=60):
    units = []
    for rater in raters:
        cuts = sorted(draw(st.sets(st.integers(0, length), max_size=8)))
        for s, e in zip(cuts[::2], cuts[1::2], strict=False):
            units.append(Unit(rater, draw(st.sampled_from("AB")), s, e))
    return units


@settings(max_examples=150, deadline=None)
@given(disjoint_units())
def test_observed_matches_literal_dkpro_sweep(units) -> None:
    raters = ["r0", "r1", "r2"]
    for category in "AB":
        mine = [u for u in units if u.category == category]
        observed, _ = category_disagreements(mine, raters, category, 60, 0)
        assert observed == pytest.approx(_dkpro_observed(mine, raters, category, 0, 60), abs=1e-12)


def _doc(
    doc_id: int, n_chars: int, spans: dict[str, list[tuple[int, int, str]]]
) -> AgreementDocument:
    tokens = [(i, i + 1) for i in range(n_chars)]
    return AgreementDocument(
        doc_id,
        f"d{doc_id}",
        tokens,
        {a: [SpanData(s, e, s, e - 1, label) for s, e, label in v] for a, v in spans.items()},
    )


def test_corpus_continuum_concatenates_done_documents() -> None:
    docs = [
        _doc(1, 10, {"a": [(2, 5, "L")], "b": [(2, 6, "L")]}),
        _doc(2, 50, {"a": [(0, 3, "L")]}),  # b did not finish: left out
        _doc(3, 20, {"a": [], "b": [(4, 9, "M")]}),
    ]
    continuum = corpus_continuum(docs, ["a", "b"], ["L", "M"])
    assert continuum.documents == 2
    assert continuum.length == 30
    assert sorted(continuum.units) == sorted(
        [Unit("a", "L", 2, 5), Unit("b", "L", 2, 6), Unit("b", "M", 14, 19)]
    )


def test_unitizing_report_matches_direct_computation() -> None:
    docs = [
        _doc(1, 40, {"a": [(2, 9, "L"), (20, 30, "M")], "b": [(3, 9, "L"), (21, 30, "M")]}),
        _doc(2, 40, {"a": [(5, 15, "L")], "b": [(5, 12, "L"), (30, 35, "L")]}),
        _doc(3, 40, {"a": [(1, 4, "M")]}),
    ]
    report = unitizing_report(docs, ["a", "b"], ["L", "M"])
    units = [
        Unit("a", "L", 2, 9), Unit("a", "M", 20, 30), Unit("b", "L", 3, 9), Unit("b", "M", 21, 30),
        Unit("a", "L", 45, 55), Unit("b", "L", 45, 52), Unit("b", "L", 70, 75),
    ]  # fmt: skip
    assert report["documents"] == 2
    assert report["pooled"]["value"] == pytest.approx(alpha_u(units, ["a", "b"], 80))
    assert report["pooled"]["units"] == 7
    assert report["by_label"]["M"]["value"] == pytest.approx(
        alpha_u(units, ["a", "b"], 80, categories=["M"])
    )
    assert report["by_label"]["M"]["units"] == 2
    assert report["pairs"][0]["pooled"] == pytest.approx(report["pooled"]["value"])


def test_unitizing_report_undefined_is_none() -> None:
    docs = [_doc(1, 10, {"a": [], "b": []})]
    report = unitizing_report(docs, ["a", "b"], ["L"])
    assert report["pooled"] == {"value": None, "units": 0}
    assert report["by_label"]["L"]["value"] is None
    assert unitizing_report([], ["a"], ["L"])["pooled"]["value"] is None


def test_u_alpha_family_krippendorff_2019_figure_12_11() -> None:
    case = json.loads((DATA / "unitizing_reference_cases.json").read_text())["u_alpha_2016_family"][
        0
    ]
    units = [Unit(a, c, s, e) for a, spans in case["observers"].items() for s, e, c in spans]
    result = u_alpha_family(units, list(case["observers"]), case["L"])
    assert result["u_alpha"] == pytest.approx(0.51, abs=0.005)
    assert result["bar_u_alpha"] == pytest.approx(0.413, abs=0.002)
    # the book prints ~0.724; published implementations give 0.7256 (pairwise) to 0.7283 (union)
    assert 0.7236 <= result["cu_alpha"] <= 0.7283
    for value, expected in case["expected"]["k_u_alpha"].items():
        assert result["k_u_alpha"][value] == pytest.approx(expected, abs=1e-9)
    assert result["k_u_alpha"]["7"] is None  # only Alex used 7, never intersecting another value
