"""Issue 18: coverage like alpha (alpha_U and Fleiss over every document with two or more done
annotators, each with those who finished it) and crowd mode (pair_summary past 30 annotators),
on hand-made corpora and on the toxic spans crowd (462 workers)."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from statsmodels.stats.inter_rater import fleiss_kappa

from annotator.agreement.alpha_u import Unit, alpha_u_by_category, unitizing_report
from annotator.agreement.pair_summary import CROWD_ANNOTATORS
from annotator.agreement.report import agreement_report
from annotator.cli import main
from annotator.core.records import AgreementDocument, SpanData
from annotator.services import accounts
from annotator.store import db as store
from annotator.web import create_app
from tests.conftest import PASSWORD, login

TOXIC = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "toxic_spans_acl2022_sample"
)
TOXIC_MAP = {
    "Insult": "EDITORIAL_FRAMING",
    "Profane/Obscene": "EDITORIAL_FRAMING",
    "Other Toxicity": "EDITORIAL_FRAMING",
    "Identity based Attack": "STATE_PROPAGANDA",
    "Threat": "INTEL_ESTIMATE",
}


def _doc(doc_id: int, length: int, spans: dict) -> AgreementDocument:
    tokens = [(i, i + 1) for i in range(length)]
    return AgreementDocument(
        doc_id,
        f"d{doc_id}",
        tokens,
        {a: [SpanData(s, e, s, e - 1, label) for s, e, label in v] for a, v in spans.items()},
    )


def _spread_corpus() -> list[AgreementDocument]:
    """a and b finish documents 1 and 2, a and c document 3: nobody finished all three."""
    return [
        _doc(1, 40, {"a": [(2, 9, "L"), (20, 30, "M")], "b": [(3, 9, "L"), (21, 30, "M")]}),
        _doc(2, 40, {"a": [(5, 15, "L")], "b": [(5, 12, "L"), (30, 35, "L")]}),
        _doc(3, 30, {"a": [(1, 8, "L")], "c": [(2, 8, "L"), (12, 20, "M")]}),
    ]


def test_alpha_u_uses_documents_two_annotators_finished():
    docs = _spread_corpus()
    report = unitizing_report(docs, ["a", "b", "c"], ["L", "M"])
    # The all-annotators variant is left with nothing, as the old figure was.
    assert report["all_annotators"]["documents"] == 0
    assert report["all_annotators"]["pooled"]["value"] is None
    assert report["coverage"] == "done"
    assert report["documents"] == 3 and report["annotators"] == 3
    assert report["length"] == 110
    # Reference: each group of documents (same finishers) one continuum, D_o and D_e weighted
    # by annotators x length.
    ab = [
        Unit("a", "L", 2, 9), Unit("a", "M", 20, 30), Unit("b", "L", 3, 9), Unit("b", "M", 21, 30),
        Unit("a", "L", 45, 55), Unit("b", "L", 45, 52), Unit("b", "L", 70, 75),
    ]  # fmt: skip
    ac = [Unit("a", "L", 1, 8), Unit("c", "L", 2, 8), Unit("c", "M", 12, 20)]
    first = alpha_u_by_category(ab, ["a", "b"], 80, categories=["L", "M"])
    second = alpha_u_by_category(ac, ["a", "c"], 30, categories=["L", "M"])
    observed = sum(2 * 80 * first[c][0] + 2 * 30 * second[c][0] for c in "LM")
    expected = sum(2 * 80 * first[c][1] + 2 * 30 * second[c][1] for c in "LM")
    assert report["pooled"]["value"] == pytest.approx(1 - observed / expected)
    assert report["pooled"]["units"] == 10
    label_l = 1 - (160 * first["L"][0] + 60 * second["L"][0]) / (
        160 * first["L"][1] + 60 * second["L"][1]
    )
    assert report["by_label"]["L"]["value"] == pytest.approx(label_l)


def test_alpha_u_done_coverage_equals_the_old_figure_when_everyone_finished():
    docs = _spread_corpus()[:2]
    report = unitizing_report(docs, ["a", "b"], ["L", "M"])
    everyone = report["all_annotators"]
    assert report["documents"] == everyone["documents"] == 2
    assert report["pooled"] == pytest.approx(everyone["pooled"])
    for label in ("L", "M"):
        assert report["by_label"][label] == pytest.approx(everyone["by_label"][label])


def _fleiss_reference(docs, annotators, label) -> float:
    """Fleiss' kappa with a varying number of raters per subject, token by token from the spans
    (P_i = sum_j n_ij (n_ij - 1) / (n_i (n_i - 1)), p_j over all ratings)."""
    agreement, ones, ratings, subjects = 0.0, 0, 0, 0
    for doc in docs:
        raters = [a for a in annotators if a in doc.spans]
        if len(raters) < 2:
            continue
        n = len(raters)
        for t in range(len(doc.tokens)):
            k = sum(
                any(s.label == label and s.token_start <= t <= s.token_end for s in doc.spans[a])
                for a in raters
            )
            agreement += (k * (k - 1) + (n - k) * (n - k - 1)) / (n * (n - 1))
            ones += k
            ratings += n
            subjects += 1
    p_bar = agreement / subjects
    p1 = ones / ratings
    p_e = p1 * p1 + (1 - p1) ** 2
    return (p_bar - p_e) / (1 - p_e)


def test_fleiss_done_variant_counts_every_document_with_two_done_annotators():
    docs = _spread_corpus()
    docs.append(_doc(4, 20, {"a": [(0, 5, "L")], "b": [(1, 5, "L")], "c": [(0, 6, "L")]}))
    report = agreement_report(docs, ["a", "b", "c"], ["L", "M"], bootstrap=0)
    fleiss = report["fleiss_kappa"]
    # Fleiss 1971's fixed number of raters: only the document all three finished.
    assert fleiss["variant"] == "all_annotators"
    assert fleiss["documents"] == 1 and fleiss["annotators"] == 3
    assert fleiss["pooled"]["documents"] == 1
    done = fleiss["done"]
    assert done["variant"] == "done"
    assert done["documents"] == 4 and done["annotators"] == 3
    assert done["raters_per_document"] == [2, 3]
    assert done["by_label"]["L"]["value"] == pytest.approx(
        _fleiss_reference(docs, ["a", "b", "c"], "L"), abs=1e-12
    )
    assert done["by_label"]["M"]["value"] == pytest.approx(
        _fleiss_reference(docs, ["a", "b", "c"], "M"), abs=1e-12
    )


def test_fleiss_done_variant_equals_fleiss_with_one_rater_count():
    docs = _spread_corpus()[:2]
    report = agreement_report(docs, ["a", "b"], ["L", "M"], bootstrap=0)
    fleiss = report["fleiss_kappa"]
    assert fleiss["done"]["pooled"]["value"] == pytest.approx(fleiss["pooled"]["value"])
    # and Fleiss' own statsmodels figure on the token table of label L
    table = []
    for doc in docs:
        for t in range(len(doc.tokens)):
            k = sum(
                any(s.label == "L" and s.token_start <= t <= s.token_end for s in doc.spans[a])
                for a in "ab"
            )
            table.append([k, 2 - k])
    assert fleiss["done"]["by_label"]["L"]["value"] == pytest.approx(
        fleiss_kappa(np.array(table), method="fleiss"), abs=1e-12
    )


def _crowd(n_annotators: int, n_docs: int) -> tuple[list[AgreementDocument], list[str]]:
    """n annotators, each finishing 3 consecutive documents (sparse: most pairs share none)."""
    names = [f"w{i:02d}" for i in range(n_annotators)]
    rng = np.random.default_rng(7)
    docs = []
    for d in range(n_docs):
        spans = {}
        for i, name in enumerate(names):
            if (d - i) % n_docs < 3:
                s = int(rng.integers(0, 20))
                spans[name] = [SpanData(s, s + 4, s, s + 3, "L")]
        docs.append(AgreementDocument(d + 1, f"d{d}", [(t, t + 1) for t in range(30)], spans))
    return docs, names


def test_crowd_mode_summarises_pairs_and_all_pairs_lists_them():
    docs, names = _crowd(CROWD_ANNOTATORS + 5, 40)
    report = agreement_report(docs, names, ["L"], bootstrap=0)
    full = agreement_report(docs, names, ["L"], bootstrap=0, all_pairs=True)
    assert report["pairs"] == []
    assert "pair_summary" not in full
    assert len(full["pairs"]) == len(names) * (len(names) - 1) // 2
    summary = report["pair_summary"]
    sharing = [p for p in full["pairs"] if p["documents"] > 0]
    assert summary["pairs"] == len(full["pairs"])
    assert summary["pairs_with_shared_documents"] == len(sharing)
    overlap = [p["f1_overlap"]["micro"] for p in sharing if p["f1_overlap"]["micro"] is not None]
    dist = summary["distribution"]["f1_overlap"]
    assert dist["count"] == len(overlap)
    assert dist["mean"] == pytest.approx(np.mean(overlap))
    assert dist["median"] == pytest.approx(np.median(overlap))
    # One row per annotator: the mean of its pairs with a shared document.
    rows = {r["annotator"]: r for r in summary["by_annotator"]}
    assert list(rows) == names
    mine = [p for p in sharing if "w03" in (p["a"], p["b"])]
    assert rows["w03"]["partners"] == len(mine)
    values = [p["cohen_kappa"]["pooled"] for p in mine if p["cohen_kappa"]["pooled"] is not None]
    assert rows["w03"]["cohen_kappa"] == (pytest.approx(np.mean(values)) if values else None)
    # The worst pairs are the full entries, lowest overlap F1 first.
    worst = summary["worst_pairs"]
    assert [w["value"] for w in worst] == sorted(w["value"] for w in worst)
    assert min(overlap) == worst[0]["value"]
    by_pair = {(p["a"], p["b"]): p for p in full["pairs"]}
    for w in worst:
        assert {k: v for k, v in w.items() if k != "value"} == by_pair[(w["a"], w["b"])]
    # Everything else is the same report.
    for key in ("krippendorff_alpha", "fleiss_kappa", "by_document", "documents"):
        assert report[key] == full[key]


def test_at_the_threshold_every_pair_is_listed():
    docs, names = _crowd(CROWD_ANNOTATORS, 40)
    report = agreement_report(docs, names, ["L"], bootstrap=0)
    assert "pair_summary" not in report
    assert len(report["pairs"]) == len(list(combinations(names, 2)))
    assert "pair_summary" not in unitizing_report(docs, names, ["L"])


def test_alpha_u_crowd_pairs_summarised():
    docs, names = _crowd(CROWD_ANNOTATORS + 1, 40)
    report = unitizing_report(docs, names, ["L"])
    full = unitizing_report(docs, names, ["L"], all_pairs=True)
    assert report["pairs"] == []
    sharing = {(p["a"], p["b"]): p for p in full["pairs"] if p["documents"] > 0}
    summary = report["pair_summary"]
    assert summary["pairs_with_shared_documents"] == len(sharing)
    defined = [p["pooled"] for p in sharing.values() if p["pooled"] is not None]
    assert summary["distribution"]["alpha_u"]["count"] == len(defined)
    assert summary["worst_pairs"][0]["value"] == pytest.approx(min(defined))


@pytest.fixture(scope="module")
def toxic_db(tmp_path_factory):
    """The toxic spans sample imported with its worker ids: 462 annotators, all done."""
    path = tmp_path_factory.mktemp("toxic") / "toxic.db"
    mapped = [a for s, t in TOXIC_MAP.items() for a in ("--map-labels", f"{s}={t}")]
    args = ["import", str(TOXIC), *mapped, "--lang", "en", "--skip-invalid", "--db", str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.slow
def test_toxic_crowd_report_cli(toxic_db):
    runner = CliRunner()
    base = ["agreement", "--no-gamma", "--bootstrap", "0", "--db", str(toxic_db)]
    result = runner.invoke(main, [*base, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert len(report["annotators"]) == 462
    assert report["pairs"] == [] and report["alpha_u"]["pairs"] == []
    assert report["pair_summary"]["pairs"] == 462 * 461 // 2
    assert len(report["pair_summary"]["by_annotator"]) == 462
    # every comment has two or more finished workers: the per-document figures are all defined
    assert report["alpha_u"]["documents"] == report["documents"] == 149
    assert report["alpha_u"]["annotators"] == 462
    assert report["fleiss_kappa"]["done"]["documents"] == 149
    assert report["fleiss_kappa"]["done"]["pooled"]["value"] is not None
    assert report["fleiss_kappa"]["documents"] == 0  # nobody read every comment
    assert (
        len(result.output) < len(runner.invoke(main, [*base, "--json", "--all-pairs"]).output) / 50
    )
    text = runner.invoke(main, base)
    assert text.exit_code == 0
    assert "crowd mode (462 annotators > 30" in text.output
    assert "per annotator, mean against the others" in text.output
    header = text.output.splitlines()[0]
    assert header.startswith("Agreement of 462 annotators") and len(header) < 300


@pytest.mark.slow
def test_dashboard_shows_the_crowd_summary_not_heat_maps(toxic_db, tmp_path):
    db = store.connect(toxic_db)
    path = tmp_path / "crowd.db"
    db.conn.execute(f"VACUUM INTO '{path}'")  # a consistent copy, WAL included
    db.conn.close()
    db = store.connect(path)
    accounts.create_user(db, "lea", "lead", PASSWORD, actor="test")
    db.conn.close()
    app = create_app(
        {"TESTING": True, "DB": str(path), "SECRET_KEY": "test-secret", "REVIEW_BOOTSTRAP": 0}
    )
    client = app.test_client()
    login(client, "lea")
    response = client.get("/review/agreement/figures")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="pair-summary"' in html and 'id="annotator-reliability"' in html
    assert 'id="worst-pairs"' in html and "kappa-heatmap" not in html
    assert "462 annotators" in html
    assert 'id="fleiss-variants"' in html
    assert len(html) < 2_000_000


def test_alpha_u_small_path_equals_the_vectorised_one(monkeypatch):
    """Few units go through plain Python (a crowd's many small pairs); same D_o and D_e."""
    from annotator.agreement import alpha_u as module

    rng = np.random.default_rng(5)
    for trial in range(30):
        units = []
        for a in ("a", "b", "c"):
            at = float(rng.integers(0, 5))
            while at < 150:
                end = at + float(rng.integers(1, 12))
                units.append(Unit(a, "L" if rng.random() < 0.7 else "M", at, end))
                at = end + float(rng.integers(0, 15))
        merged = module.merge_overlapping(units)
        small = module.category_disagreements(merged, ["a", "b", "c"], "L", 170.0)
        monkeypatch.setattr(module, "_SMALL", 0)
        large = module.category_disagreements(merged, ["a", "b", "c"], "L", 170.0)
        monkeypatch.setattr(module, "_SMALL", 10**6)
        assert small == pytest.approx(large, rel=1e-12, abs=1e-15), trial
