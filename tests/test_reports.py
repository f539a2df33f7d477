"""The agreement report from the database: `annotator agreement` and GET /api/agreement."""

from __future__ import annotations

import json

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner

from annotator.cli import main
from annotator.core.labels import load_label_scheme
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.store import get_tokens
from annotator.store.users import get_user
from tests.conftest import bearer

SCHEME = load_label_scheme()
# (annotator, document, label, token_start, token_end): anna and ben agree in part.
SPANS = [
    ("anna", 1, "STATE_PROPAGANDA", 20, 30),
    ("ben", 1, "STATE_PROPAGANDA", 22, 30),
    ("anna", 1, "INTEL_ESTIMATE", 60, 80),
    ("ben", 1, "EDITORIAL_FRAMING", 60, 70),
    ("anna", 2, "EDITORIAL_FRAMING", 5, 9),
    ("ben", 2, "EDITORIAL_FRAMING", 5, 9),
    ("anna", 3, "INTEL_ESTIMATE", 10, 15),  # ben never finishes document 3: missing, not zero
]
DONE = [("anna", 1), ("ben", 1), ("anna", 2), ("ben", 2), ("anna", 3)]


@pytest.fixture
def annotated(db):
    for name, doc, label, ts, te in SPANS:
        create_span(
            db, SCHEME, get_user(db, name), doc, SpanInput(label, token_start=ts, token_end=te)
        )
    for name, doc in DONE:
        set_document_status(db, get_user(db, name), doc, "done")
    return db


def reference_alpha(db, labels):
    """krippendorff.alpha on the reliability matrix built by hand from the stored spans."""
    columns = []
    for doc in (1, 2):  # documents with two done annotators
        n = len(get_tokens(db, doc))
        for label in labels:
            rows = np.zeros((2, n))
            for r, name in enumerate(("anna", "ben")):
                for a, d, lab, _ts, _te in SPANS:
                    if (a, d, lab) == (name, doc, label):
                        s = db.execute(
                            "SELECT token_start, token_end FROM span WHERE annotator = ? AND "
                            "document_id = ? AND label = ?",
                            [a, d, lab],
                        ).fetchone()
                        rows[r, s[0] : s[1] + 1] = 1
            columns.append(rows)
    return krippendorff.alpha(
        reliability_data=np.concatenate(columns, axis=1), level_of_measurement="nominal"
    )


def test_cli_json_matches_reference_library(annotated, db_path):
    result = CliRunner().invoke(main, ["agreement", "--json", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["annotators"] == ["anna", "ben"]
    assert report["documents"] == 2
    pooled = report["krippendorff_alpha"]["pooled"]
    assert pooled["value"] == pytest.approx(reference_alpha(annotated, SCHEME.keys()), abs=1e-9)
    lo, hi = pooled["ci95"]
    assert lo <= hi
    one = report["krippendorff_alpha"]["by_label"]["EDITORIAL_FRAMING"]["value"]
    assert one == pytest.approx(reference_alpha(annotated, ["EDITORIAL_FRAMING"]), abs=1e-9)
    (pair,) = report["pairs"]
    assert (pair["a"], pair["b"], pair["documents"]) == ("anna", "ben", 2)
    # Exact matches: only the EDITORIAL_FRAMING span of document 2; anna 3 spans, ben 3 spans.
    assert pair["f1_exact"]["micro"] == pytest.approx(2 * 1 / 6)


def test_cli_restricts_labels_and_annotators(annotated, db_path):
    run = CliRunner().invoke
    result = run(
        main,
        [
            "agreement",
            "--json",
            "--labels",
            "STATE_PROPAGANDA",
            "--annotators",
            "anna,ben",
            "--db",
            str(db_path),
        ],
    )
    report = json.loads(result.output)
    assert report["labels"] == ["STATE_PROPAGANDA"]
    assert list(report["krippendorff_alpha"]["by_label"]) == ["STATE_PROPAGANDA"]
    bad = run(main, ["agreement", "--annotators", "anna,zoe", "--db", str(db_path)])
    assert bad.exit_code == 1 and "unknown annotator 'zoe'" in bad.output
    bad = run(main, ["agreement", "--labels", "NOPE", "--db", str(db_path)])
    assert bad.exit_code == 1 and "unknown label 'NOPE'" in bad.output


def test_cli_text_table(annotated, db_path):
    result = CliRunner().invoke(main, ["agreement", "--db", str(db_path)])
    assert result.exit_code == 0
    assert "Krippendorff's alpha" in result.output and "anna" in result.output


def test_empty_database_gives_nulls_not_errors(db_path):
    result = CliRunner().invoke(main, ["agreement", "--json", "--db", str(db_path)])
    report = json.loads(result.output)
    assert report["documents"] == 0
    assert report["krippendorff_alpha"]["pooled"]["value"] is None


def test_api_agreement_is_for_leads_and_equals_cli(annotated, db_path, client, tokens):
    assert client.get("/api/agreement").status_code == 401
    assert client.get("/api/agreement", headers=bearer(tokens["anna"])).status_code == 403
    response = client.get("/api/agreement?bootstrap=0", headers=bearer(tokens["lea"]))
    assert response.status_code == 200
    cli = json.loads(
        CliRunner()
        .invoke(
            main, ["agreement", "--json", "--bootstrap", "0", "--no-gamma", "--db", str(db_path)]
        )
        .output
    )
    assert response.json == cli
    assert (
        client.get("/api/agreement?bootstrap=x", headers=bearer(tokens["lea"])).status_code == 400
    )
    assert (
        client.get("/api/agreement?labels=NOPE", headers=bearer(tokens["lea"])).status_code == 400
    )


def test_api_agreement_takes_the_cli_options(annotated, db_path, client, tokens):
    """GET /api/agreement answers what `annotator agreement --json` does with --by,
    --batch-size, --gamma-samples and --all-pairs (they were ignored without a word: a crowd's
    full pair list could not be had through the API at all); an unknown parameter is a 400
    naming it, not a report of something else."""
    lea = bearer(tokens["lea"])
    url = "/api/agreement?bootstrap=0&by=outlet&batch_size=1&all_pairs=1"
    api = client.get(url, headers=lea).json
    flags = ["--bootstrap", "0", "--by", "outlet", "--batch-size", "1", "--all-pairs"]
    cli = json.loads(
        CliRunner()
        .invoke(main, ["agreement", "--json", "--no-gamma", *flags, "--db", str(db_path)])
        .output
    )
    assert "by_stratum" in api and len(api["by_batch"]) > 1
    assert api == cli
    gamma = client.get("/api/agreement?bootstrap=0&gamma=1&gamma_samples=40", headers=lea).json
    assert gamma["gamma"]["samples"] >= 40
    for bad, named in (
        ("by=planet", "by"),
        ("batch_size=0", "batch_size"),
        ("gamma_samples=1", "gamma_samples"),
        ("all_pairs=yes", "all_pairs"),
        ("allpairs=1", "allpairs"),
    ):
        response = client.get(f"/api/agreement?bootstrap=0&{bad}", headers=lea)
        assert response.status_code == 400, bad
        assert repr(named) in response.json["error"], bad


def test_report_carries_alpha_u_and_gamma(annotated, db_path, client, tokens):
    """Both unitizing measures are in the report under their own keys (values: test_unitizing,
    test_gamma); only the documents every annotator marked done make the continuum."""
    result = CliRunner().invoke(main, ["agreement", "--json", "--db", str(db_path)])
    report = json.loads(result.output)
    assert report["alpha_u"]["documents"] == 2
    assert set(report["alpha_u"]["by_label"]) == set(SCHEME.keys())
    # contract: gamma carries counts of what it used, its sample count and standard error
    assert report["gamma"]["annotators"] == 2
    assert report["gamma"]["annotator_names"] == ["anna", "ben"]
    assert 30 <= report["gamma"]["samples"] <= report["gamma"]["max_samples"]
    assert report["gamma"]["standard_error"] is not None
    assert "gamma" in CliRunner().invoke(main, ["agreement", "--db", str(db_path)]).output
    api = client.get("/api/agreement?gamma=1&bootstrap=0", headers=bearer(tokens["lea"])).json
    assert api["gamma"]["gamma"] == pytest.approx(report["gamma"]["gamma"])
    assert "gamma" not in client.get("/api/agreement", headers=bearer(tokens["lea"])).json
