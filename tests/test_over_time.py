"""Issue 15: agreement per batch of finished documents and per scheme version, drops flagged."""

from __future__ import annotations

import numpy as np

from annotator.agreement.over_time import (
    DocumentHistory,
    agreement_by_batch,
    agreement_by_scheme_version,
    batch_drops,
)
from annotator.core.labels import load_label_scheme
from annotator.core.records import AgreementDocument, SpanData
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.store.users import get_user
from annotator.web.html.charts import Series, line_svg
from tests.conftest import login

LABELS = ["A"]


def document(doc_id: int, agree: bool) -> AgreementDocument:
    tokens = np.array([[2 * i, 2 * i + 1] for i in range(20)])
    anna = [SpanData(4, 9, 2, 4, "A")]
    ben = anna if agree else [SpanData(24, 29, 12, 14, "A")]
    return AgreementDocument(doc_id, f"d{doc_id}", tokens, {"anna": anna, "ben": ben})


def test_batches_follow_the_finishing_order_and_a_drop_is_flagged():
    # Ids 1-3 disagree, 4-6 agree; but 4-6 were finished first.
    documents = [document(i, agree=i >= 4) for i in range(1, 7)]
    history = {i: DocumentHistory(f"2026-01-0{(i + 2) % 6 + 1}", 1) for i in range(1, 7)}
    order = sorted(history, key=lambda i: history[i].finished)
    assert order == [4, 5, 6, 1, 2, 3]
    batches = agreement_by_batch(
        documents, ["anna", "ben"], LABELS, history, batch_size=3, bootstrap=200
    )
    assert [b["document_ids"] for b in batches] == [[4, 5, 6], [1, 2, 3]]
    assert [b["documents"] for b in batches] == [3, 3]
    assert batches[0]["krippendorff_alpha"] == 1.0 and batches[0]["f1_overlap"] == 1.0
    assert batches[1]["krippendorff_alpha"] < 0 and batches[1]["f1_overlap"] == 0.0
    drops = batch_drops(batches)
    assert [(d["from_batch"], d["to_batch"]) for d in drops] == [(1, 2)]
    # The other way round agreement rises: nothing to flag.
    assert batch_drops(list(reversed(batches))) == []


def test_small_last_batch_and_documents_one_annotator_finished_are_left_out():
    documents = [document(i, agree=True) for i in range(1, 6)]
    documents.append(AgreementDocument(9, "solo", documents[0].tokens, {"anna": []}))
    history = {d.id: DocumentHistory(f"2026-02-{d.id:02d}", 1) for d in documents}
    batches = agreement_by_batch(documents, ["anna", "ben"], LABELS, history, batch_size=2)
    assert [b["documents"] for b in batches] == [2, 2, 1]
    assert batches[-1]["ci95"] is None  # one document: no interval


def test_split_by_scheme_version():
    documents = [document(i, agree=i % 2 == 0) for i in range(1, 7)]
    history = {i: DocumentHistory("2026-03-01", 1 if i <= 3 else 2) for i in range(1, 7)}
    split = agreement_by_scheme_version(documents, ["anna", "ben"], LABELS, history, bootstrap=0)
    assert list(split) == ["1", "2"]
    assert split["1"]["documents"] == 3 and split["2"]["documents"] == 3
    # Version 1: docs 1, 3 disagree, 2 agrees; version 2: 4, 6 agree, 5 disagrees.
    assert split["2"]["krippendorff_alpha"] > split["1"]["krippendorff_alpha"]


def test_report_json_and_dashboard_carry_the_history(client, db):
    scheme = load_label_scheme()
    for name in ("anna", "ben"):
        user = get_user(db, name)
        for doc in (1, 2, 3):
            create_span(
                db, scheme, user, doc, SpanInput("EDITORIAL_FRAMING", token_start=5, token_end=9)
            )
            set_document_status(db, user, doc, "done")
    login(client, "lea")
    report = client.get("/api/agreement?bootstrap=50").json
    assert [
        set(b) >= {"batch", "documents", "krippendorff_alpha", "f1_overlap"}
        for b in report["by_batch"]
    ] == [True]
    assert report["by_batch"][0]["documents"] == 3
    assert set(report["by_scheme_version"]) == {"1"}
    assert set(report["by_scheme_version"]["1"]) >= {"documents", "krippendorff_alpha"}
    html = client.get("/review/agreement").get_data(as_text=True)
    assert 'id="over-time"' in html and 'class="lines"' in html
    assert 'data-version="1"' in html


def test_line_chart_escapes_and_draws_every_point():
    svg = str(
        line_svg(
            ["1 (10)", "2 (<b>)"],
            [Series("alpha <x>", (0.8, None), "#000000", intervals=((0.7, 0.9), None))],
            title="t & t",
        )
    )
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "&lt;x&gt;" in svg
    assert svg.count('class="point"') == 1 and 'class="whisker"' in svg


def test_cli_prints_the_history_and_takes_a_batch_size(db, db_path):
    import json

    from click.testing import CliRunner

    from annotator.cli import main as cli_main

    scheme = load_label_scheme()
    for name in ("anna", "ben"):
        user = get_user(db, name)
        for doc in (1, 2, 3):
            create_span(
                db, scheme, user, doc, SpanInput("EDITORIAL_FRAMING", token_start=5, token_end=9)
            )
            set_document_status(db, user, doc, "done")
    runner = CliRunner()
    args = ["agreement", "--no-gamma", "--bootstrap", "20", "--db", str(db_path)]
    report = json.loads(runner.invoke(cli_main, [*args, "--json", "--batch-size", "2"]).output)
    assert [b["documents"] for b in report["by_batch"]] == [2, 1]
    text = runner.invoke(cli_main, args).output
    assert "Agreement per batch of 10 documents" in text
    assert "Agreement per label scheme version" in text
    refused = runner.invoke(cli_main, [*args, "--batch-size", "0"])
    assert refused.exit_code == 2


def test_a_crowd_keeps_its_mean_overlap_f1_per_batch_and_per_stratum(db):
    """Past CROWD_ANNOTATORS the report summarises its pairs; the mean overlap F1 of a batch, of
    a scheme version and of a stratum is still the mean over the pairs that share a document
    (they were null: the pairs were not listed). It equals the figure with every pair listed."""
    from annotator.agreement.pair_summary import CROWD_ANNOTATORS
    from annotator.services.reports import build_agreement_report
    from annotator.store.users import add_user

    scheme = load_label_scheme()
    for k in range(CROWD_ANNOTATORS + 2):
        user = add_user(db, f"crowd{k:02d}", "annotator", None, "test")
        for doc in (1, 2):
            shift = k % 3  # three kinds of answer: pairs agree, overlap or miss
            create_span(
                db, scheme, user, doc,
                SpanInput("EDITORIAL_FRAMING", token_start=5 + 4 * shift, token_end=7 + 4 * shift),
            )  # fmt: skip
            set_document_status(db, user, doc, "done")
    crowd = build_agreement_report(db, scheme, bootstrap=0, by="outlet", batch_size=2)
    full = build_agreement_report(
        db, scheme, bootstrap=0, by="outlet", batch_size=2, all_pairs=True
    )
    assert "pair_summary" in crowd and "pair_summary" not in full
    listed = [p["f1_overlap"]["micro"] for p in full["pairs"] if p["documents"]]
    mean = sum(listed) / len(listed)
    assert 0 < mean < 1
    (stratum,) = crowd["by_stratum"]["strata"]
    assert stratum["f1_overlap"] == full["by_stratum"]["strata"][0]["f1_overlap"]
    assert stratum["f1_overlap"]["mean"] == mean
    assert stratum["f1_overlap"]["pairs"] == len(listed)
    (batch,) = crowd["by_batch"]
    assert batch["f1_overlap"] == mean
    (version,) = crowd["by_scheme_version"].values()
    assert version["f1_overlap"] == mean
