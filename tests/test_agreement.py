"""Agreement engine against published values, hand-computed span cases and the report contract."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import krippendorff
import numpy as np
import pytest

from annotator.agreement.coefficients import (
    cohen_kappa,
    cohen_kappa_from_table,
    fleiss_kappa_from_counts,
    nominal_alpha,
)
from annotator.agreement.report import agreement_report, score_against_gold
from annotator.cli.text_report import report_as_text
from annotator.core.records import AgreementDocument, SpanData
from tests.conftest import SHARED_DATA, shared_json

REFERENCE = SHARED_DATA / "agreement_reference"


def pytest_generate_tests(metafunc):
    """Case ids of the published examples, read at collection (a missing file fails the test)."""
    for argument, layout in (("alpha_case", "coders x units"), ("cohen_case", "contingency table")):
        if argument in metafunc.fixturenames:
            path = REFERENCE / "coding_reference_cases.json"
            ids = (
                [c["id"] for c in json.loads(path.read_text()) if c["layout"].startswith(layout)]
                if path.exists()
                else [str(path)]
            )
            metafunc.parametrize(argument, ids)


@pytest.fixture(scope="module")
def CASES() -> dict:
    return {c["id"]: c for c in shared_json("agreement_reference", "coding_reference_cases.json")}


@pytest.fixture(scope="module")
def EDGE() -> dict:
    return shared_json("agreement_reference", "edge_case_behaviour.json")


def assert_to_stated_precision(computed: float | None, published: float) -> None:
    """Equal once rounded to as many decimals as the published value shows."""
    assert computed is not None
    decimals = -Decimal(repr(published)).as_tuple().exponent
    assert abs(computed - published) <= 0.5 * 10.0**-decimals + 1e-12, (computed, published)


def expand_table(table: list[list[int]]) -> tuple[list[int], list[int]]:
    """Two coders' label vectors from a contingency table (rows: coder A)."""
    a, b = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [i] * count
            b += [j] * count
    return a, b


def test_nominal_alpha_reproduces_published_examples(alpha_case, CASES):
    case_id = alpha_case
    case = CASES[case_id]
    result = nominal_alpha(case["data"])
    expected = case["expected"]
    if "alpha_nominal" in expected:
        assert_to_stated_precision(result.value, expected["alpha_nominal"])
    if "alpha_nominal_2dp" in expected:
        assert_to_stated_precision(result.value, expected["alpha_nominal_2dp"])
    for key in ("D_o", "D_o_nominal"):
        if key in expected:
            assert_to_stated_precision(result.observed_disagreement, expected[key])
    for key in ("D_e", "D_e_nominal"):
        if key in expected:
            assert_to_stated_precision(result.expected_disagreement, expected[key])
    if "pairable_values" in expected:
        assert result.pairable_values == expected["pairable_values"]
        assert result.units == expected["pairable_units"]
    # And to the last digit against the independent implementation.
    data = np.array(
        [[np.nan if v is None else v for v in row] for row in case["data"]], dtype=object
    )
    codes = {v: i for i, v in enumerate(sorted({v for v in data.ravel() if v == v}, key=str))}
    numeric = np.array([[np.nan if v != v else codes[v] for v in row] for row in data], float)
    reference = krippendorff.alpha(reliability_data=numeric, level_of_measurement="nominal")
    assert result.value == pytest.approx(reference, abs=1e-12)


def test_hayes_krippendorff_nominal_matches_the_recorded_library_value(CASES):
    case = CASES["hayes_krippendorff_2007_ordinal"]
    assert nominal_alpha(case["data"]).value == pytest.approx(
        case["computed"]["nominal"], abs=1e-12
    )


def test_mary_dave_cohen_kappa_from_label_vectors(CASES):
    a, b = CASES["krippendorff2019_mary_dave"]["data"]
    assert cohen_kappa(a, b).value == pytest.approx(
        CASES["krippendorff2019_mary_dave"]["computed"]["cohen_kappa_sklearn"], abs=1e-12
    )


def test_cohen_kappa_reproduces_published_tables(cohen_case, CASES):
    case_id = cohen_case
    case = CASES[case_id]
    expected = case["expected"]
    result = cohen_kappa_from_table(case["data"])
    assert_to_stated_precision(result.value, expected["kappa"])
    assert_to_stated_precision(result.p_o, expected["p_o"])
    for key in ("p_e", "kappa_p_e"):
        if key in expected:
            assert_to_stated_precision(result.p_e, expected[key])
    a, b = expand_table(case["data"])
    assert cohen_kappa(a, b).value == pytest.approx(result.value, abs=1e-12)
    if "alpha_nominal" in expected:
        assert_to_stated_precision(nominal_alpha([a, b]).value, expected["alpha_nominal"])


def test_fleiss_1971_table_1(CASES):
    case = CASES["fleiss1971_30x6"]
    table = np.zeros((len(case["data"]), 5), dtype=int)
    for subject, ratings in enumerate(case["data"]):
        for category in ratings:
            table[subject, category - 1] += 1
    result = fleiss_kappa_from_counts(table)
    expected = case["expected"]
    assert_to_stated_precision(result.value, expected["fleiss_kappa"])
    assert_to_stated_precision(result.p_bar, expected["P_bar"])
    # The paper's P_e (0.2201) sums the squares of p_j rounded to three decimals; exactly it is
    # 0.21994, which the paper's value matches to three decimals.
    p_j = table.sum(axis=0) / table.sum()
    assert round(float((np.round(p_j, 3) ** 2).sum()), 4) == expected["P_e"]
    assert_to_stated_precision(result.p_e, round(expected["P_e"], 3))
    # The paper's per-category kappas are known to carry arithmetic slips (categories 1-3 differ
    # from any recomputation by up to 0.004), so they are checked against the recomputed values
    # and to within 0.005 of the printed ones.
    for j, value in enumerate(result.per_category, start=1):
        assert value == pytest.approx(case["computed"]["per_category"][str(j)], abs=1e-12)
        assert abs(value - expected["per_category_kappa"][str(j)]) < 0.005


def test_fleiss_wikipedia_example(CASES):
    case = CASES["wikipedia_fleiss_10x14"]
    result = fleiss_kappa_from_counts(case["data"])
    assert_to_stated_precision(result.value, case["expected"]["fleiss_kappa"])
    assert_to_stated_precision(result.p_bar, case["expected"]["P_bar"])
    assert_to_stated_precision(result.p_e, case["expected"]["P_e"])
    assert result.value == pytest.approx(case["computed"]["statsmodels_fleiss"], abs=1e-12)


def test_undefined_coefficients_are_none():
    assert nominal_alpha([[0, 0, 0], [0, 0, 0]]).value is None
    assert nominal_alpha([[1, None], [None, 2]]).value is None  # nothing pairable
    assert cohen_kappa([0, 0], [0, 0]).value is None
    assert cohen_kappa([], []).value is None
    assert fleiss_kappa_from_counts([[3, 0], [3, 0]]).value is None


# --- the report on small documents --------------------------------------------------------------

# Token i covers characters [2i, 2i + 1): one character and one space, so a span over tokens
# ts..te covers 2 (te - ts) + 1 characters.
TOKENS = [(2 * i, 2 * i + 1) for i in range(12)]


def span(ts: int, te: int, label: str = "X") -> SpanData:
    return SpanData(TOKENS[ts][0], TOKENS[te][1], ts, te, label)


def two_annotator_report(a: list[SpanData], b: list[SpanData], labels=("X", "Y")) -> dict:
    doc = AgreementDocument(1, "doc", TOKENS, {"a": a, "b": b})
    return agreement_report([doc], ["a", "b"], list(labels), bootstrap=0)


def test_overlapping_labels_hand_computed():
    pair = two_annotator_report(
        [span(0, 3, "X"), span(2, 5, "Y")], [span(2, 3, "X"), span(0, 1, "Y")]
    )["pairs"][0]
    assert pair["f1_exact"] == {"micro": 0.0, "by_label": {"X": 0.0, "Y": 0.0}}
    assert pair["f1_overlap"]["by_label"] == {"X": 1.0, "Y": 0.0}
    assert pair["f1_overlap"]["micro"] == pytest.approx(0.5)
    # X: |s| = 7 chars, |t| = 3, shared 3: P = 3/7, R = 1, F1 = 0.6. Y shares nothing.
    assert pair["f1_partial"]["by_label"]["X"] == pytest.approx(0.6)
    assert pair["f1_partial"]["by_label"]["Y"] == 0.0
    # Micro: P = (3/7) / 2, R = 1 / 2, F1 = 0.3.
    assert pair["f1_partial"]["micro"] == pytest.approx(0.3)


def test_nested_spans_hand_computed():
    pair = two_annotator_report([span(0, 9)], [span(1, 2), span(5, 6)])["pairs"][0]
    assert pair["f1_overlap"]["by_label"]["X"] == pytest.approx(2 / 3)
    assert pair["f1_exact"]["by_label"]["X"] == 0.0
    # P = (3 + 3) / 19 over one span, R = (3/3 + 3/3) / 2 = 1, F1 = 12/25.
    assert pair["f1_partial"]["by_label"]["X"] == pytest.approx(12 / 25)
    assert pair["f1_overlap"]["by_label"]["Y"] is None


def test_maximum_matching_beats_greedy():
    # a1 overlaps b1 (3 tokens) and b2 (1 token); a2 overlaps only b1. Matching each A span to its
    # largest overlap takes b1 for a1 and leaves a2 alone (1 match); the maximum is 2.
    a = [span(0, 3), span(4, 5)]
    b = [span(1, 4), span(0, 0)]
    pair = two_annotator_report(a, b)["pairs"][0]
    assert pair["f1_overlap"]["by_label"]["X"] == 1.0


def test_identical_spans_agree_perfectly():
    spans = [span(0, 2), span(4, 4, "Y"), span(6, 9)]
    report = two_annotator_report(spans, list(spans))
    pair = report["pairs"][0]
    for key in ("f1_exact", "f1_overlap", "f1_partial"):
        assert pair[key] == {"micro": 1.0, "by_label": {"X": 1.0, "Y": 1.0}}
    assert pair["cohen_kappa"] == {"pooled": 1.0, "by_label": {"X": 1.0, "Y": 1.0}}
    assert report["krippendorff_alpha"]["pooled"]["value"] == 1.0


def test_both_empty_is_undefined_not_zero(EDGE):
    report = two_annotator_report([], [])
    pair = report["pairs"][0]
    for key in ("f1_exact", "f1_overlap", "f1_partial"):
        assert pair[key] == {"micro": None, "by_label": {"X": None, "Y": None}}
    # sklearn's kappa is NaN and krippendorff raises here (edge_case_behaviour.json).
    assert EDGE["sklearn_kappa_both_all_O"] is None
    assert EDGE["krippendorff_alpha_both_all_O"].startswith("ValueError")
    assert pair["cohen_kappa"] == {"pooled": None, "by_label": {"X": None, "Y": None}}
    assert report["krippendorff_alpha"]["pooled"]["value"] is None
    assert report["krippendorff_alpha"]["pooled"]["units"] == 24
    assert report["fleiss_kappa"]["pooled"] == {"value": None, "documents": 1}
    assert report["by_document"][0]["alpha"] is None
    assert report["by_document"][0]["f1_overlap_mean"] is None


def test_one_empty_side(EDGE):
    report = two_annotator_report([span(1, 2)], [])
    pair = report["pairs"][0]
    for key in ("f1_exact", "f1_overlap", "f1_partial"):
        assert pair[key]["by_label"] == {"X": 0.0, "Y": None}
    assert pair["cohen_kappa"]["by_label"]["X"] == EDGE["sklearn_kappa_one_empty_other_span"]
    # alpha = 1 - (n - 1) * o_01 / (n_0 n_1) with n = 24, n_1 = 2, o_01 = 2.
    reference = krippendorff.alpha(
        reliability_data=np.array([[0, 1, 1] + [0] * 9, [0] * 12], float),
        level_of_measurement="nominal",
    )
    assert report["krippendorff_alpha"]["by_label"]["X"]["value"] == pytest.approx(
        reference, abs=1e-12
    )
    assert report["krippendorff_alpha"]["by_label"]["Y"]["value"] is None


def test_missing_annotators_and_shared_documents():
    docs = [
        AgreementDocument(1, "one", TOKENS, {"a": [span(0, 1)], "b": [span(0, 1)]}),
        AgreementDocument(2, "two", TOKENS, {"a": [span(3, 4)]}),  # only a: excluded
        AgreementDocument(3, "three", TOKENS, {"b": [], "c": [span(5, 5)]}),
    ]
    report = agreement_report(docs, ["a", "b", "c"], ["X"], bootstrap=0)
    assert report["documents"] == 2
    assert [d["external_id"] for d in report["by_document"]] == ["one", "three"]
    assert report["fleiss_kappa"]["pooled"] == {"value": None, "documents": 0}
    pairs = {(p["a"], p["b"]): p for p in report["pairs"]}
    assert pairs[("a", "b")]["documents"] == 1
    assert pairs[("a", "c")]["documents"] == 0
    assert pairs[("a", "c")]["cohen_kappa"]["pooled"] is None
    assert pairs[("a", "c")]["f1_overlap"]["micro"] is None
    assert pairs[("b", "c")]["f1_exact"]["micro"] == 0.0
    # Restricting the annotators drops c's document from the multi-annotator figures.
    restricted = agreement_report(docs, ["a", "b"], ["X"], bootstrap=0)
    assert restricted["documents"] == 1
    assert restricted["krippendorff_alpha"]["pooled"]["units"] == 12


def assert_plain_json(value) -> None:
    """Only dict, list, str, int, float (finite), bool and None: what json round-trips."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert type(k) is str
            assert_plain_json(v)
    elif isinstance(value, list):
        for v in value:
            assert_plain_json(v)
    else:
        assert value is None or type(value) in (str, int, float, bool), type(value)
        if type(value) is float:
            assert math.isfinite(value)


def test_report_has_exactly_the_design_shape():
    docs = [
        AgreementDocument(i, f"d{i}", TOKENS, {"a": [span(i, i + 2)], "b": [span(i + 1, i + 2)]})
        for i in range(6)
    ]
    report = agreement_report(docs, ["a", "b"], ["X", "Y"], bootstrap=50)
    assert_plain_json(report)
    assert json.loads(json.dumps(report)) == report
    assert set(report) == {
        "annotators",
        "labels",
        "documents",
        "krippendorff_alpha",
        "fleiss_kappa",
        "pairs",
        "by_document",
    }
    alpha = report["krippendorff_alpha"]
    assert set(alpha) == {"pooled", "by_label"}
    assert set(alpha["pooled"]) == {"value", "ci95", "units"}
    assert set(alpha["by_label"]) == {"X", "Y"}
    assert set(alpha["by_label"]["X"]) == {"value", "ci95", "units"}
    lo, hi = alpha["pooled"]["ci95"]
    assert lo <= hi
    assert alpha["by_label"]["Y"]["ci95"] is None  # alpha undefined for Y
    fleiss = report["fleiss_kappa"]
    assert set(fleiss["pooled"]) == {"value", "documents"}
    assert set(fleiss["by_label"]["X"]) == {"value", "documents"}
    (pair,) = report["pairs"]
    assert set(pair) == {
        "a",
        "b",
        "documents",
        "cohen_kappa",
        "f1_exact",
        "f1_overlap",
        "f1_partial",
    }
    for key in ("f1_exact", "f1_overlap", "f1_partial"):
        assert set(pair[key]) == {"micro", "by_label"}
    assert set(pair["cohen_kappa"]) == {"pooled", "by_label"}
    assert set(report["by_document"][0]) == {
        "document_id",
        "external_id",
        "alpha",
        "f1_overlap_mean",
    }
    assert (
        agreement_report(docs, ["a", "b"], ["X"], bootstrap=0)["krippendorff_alpha"]["pooled"][
            "ci95"
        ]
        is None
    )


def test_bootstrap_is_reproducible_and_seeded():
    docs = [
        AgreementDocument(
            i, f"d{i}", TOKENS, {"a": [span(i % 5, i % 5 + 3)], "b": [span(i % 3, 4)], "c": []}
        )
        for i in range(9)
    ]
    first = agreement_report(docs, ["a", "b", "c"], ["X"], bootstrap=300)
    again = agreement_report(docs, ["a", "b", "c"], ["X"], bootstrap=300)
    other = agreement_report(docs, ["a", "b", "c"], ["X"], bootstrap=300, seed=7)
    ci = first["krippendorff_alpha"]["pooled"]["ci95"]
    assert ci == again["krippendorff_alpha"]["pooled"]["ci95"]
    assert ci != other["krippendorff_alpha"]["pooled"]["ci95"]


def test_no_interval_from_a_single_document():
    """Resampling one document redraws it every time: no interval rather than a fake [x, x]."""
    one = [AgreementDocument(1, "d1", TOKENS, {"a": [span(0, 3)], "b": [span(1, 4)]})]
    report = agreement_report(one, ["a", "b"], ["X"], bootstrap=200)
    assert report["krippendorff_alpha"]["pooled"]["value"] is not None
    assert report["krippendorff_alpha"]["pooled"]["ci95"] is None
    two = one + [AgreementDocument(2, "d2", TOKENS, {"a": [span(2, 5)], "b": [span(2, 6)]})]
    assert agreement_report(two, ["a", "b"], ["X"], bootstrap=200)["krippendorff_alpha"]["pooled"][
        "ci95"
    ]


def test_score_against_gold_hand_computed():
    docs = [
        AgreementDocument(
            1, "one", TOKENS, {"a": [span(0, 1), span(4, 6), span(8, 8, "Y")], "b": [span(0, 1)]}
        ),
        AgreementDocument(2, "two", TOKENS, {"a": [span(2, 2)]}),
        AgreementDocument(3, "three", TOKENS, {"a": [span(0, 0)], "b": [span(0, 0)]}),
    ]
    gold = {1: [span(0, 1), span(5, 5), span(9, 10, "Y")], 2: []}
    result = score_against_gold(docs, ["a", "b"], ["X", "Y"], gold)
    assert result["documents_with_gold"] == 2
    a, b = result["by_annotator"]
    assert a["annotator"] == "a" and a["documents"] == 2
    # a: X spans (0-1), (4-6), (2-2) against gold (0-1), (5-5): exact 1, overlap 2.
    assert a["exact"]["by_label"]["X"] == {
        "precision": 1 / 3,
        "recall": 1 / 2,
        "f1": 2 / 5,
        "matched": 1,
        "annotator_spans": 3,
        "gold_spans": 2,
    }
    assert a["overlap"]["by_label"]["X"]["f1"] == pytest.approx(4 / 5)
    assert a["overlap"]["by_label"]["Y"]["matched"] == 0
    assert a["overlap"]["micro"]["f1"] == pytest.approx(2 * 2 / (4 + 3))
    assert b["documents"] == 1
    # b finished only document one: no Y span against gold's one Y span there.
    assert b["exact"]["by_label"]["Y"] == {
        "precision": None,
        "recall": 0.0,
        "f1": 0.0,
        "matched": 0,
        "annotator_spans": 0,
        "gold_spans": 1,
    }
    empty = score_against_gold(docs, ["a"], ["Y"], {2: []})["by_annotator"][0]
    assert empty["documents"] == 1
    assert empty["exact"]["micro"] == {
        "precision": None,
        "recall": None,
        "f1": None,
        "matched": 0,
        "annotator_spans": 0,
        "gold_spans": 0,
    }
    assert b["exact"]["micro"]["f1"] == pytest.approx(2 * 1 / (1 + 3))


def test_report_as_text_shows_every_figure():
    docs = [AgreementDocument(1, "one", TOKENS, {"a": [span(0, 1)], "b": [span(0, 2)]})]
    report = agreement_report(docs, ["a", "b"], ["X", "Y"], bootstrap=20)
    text = report_as_text(report)
    assert "Krippendorff" in text and "Fleiss" in text and "a / b" in text
    assert f"{report['pairs'][0]['f1_partial']['micro']:.3f}" in text
    assert f"{report['krippendorff_alpha']['pooled']['value']:.3f}" in text
    assert "n/a" in text  # label Y is undefined
    assert "one" in text


def test_spans_past_the_document_are_clipped_and_same_label_overlaps_merged():
    tokens = TOKENS[:4]
    runaway = SpanData(2, 40, 1, 19, "X")  # token_end beyond the last token
    doc = AgreementDocument(
        1, "doc", tokens, {"a": [runaway], "b": [span(1, 2), span(2, 3), span(1, 3)]}
    )
    pair = agreement_report([doc], ["a", "b"], ["X"], bootstrap=0)["pairs"][0]
    # a's span becomes tokens 1-3 (characters 2-7); b's three spans merge into the same one.
    assert pair["f1_exact"]["micro"] == 1.0
    assert pair["f1_partial"]["micro"] == 1.0
    assert pair["cohen_kappa"]["pooled"] == 1.0
