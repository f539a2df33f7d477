"""The lead's export download: same records as the CLI, leads only, every format readable."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from spacy.tokens import DocBin

from annotator.cli import main
from annotator.core.labels import load_label_scheme
from annotator.core.tokenize import pipeline
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.store.users import get_user
from tests.conftest import bearer, login

SCHEME = load_label_scheme()


@pytest.fixture
def annotated(db):
    anna = get_user(db, "anna")
    create_span(db, SCHEME, anna, 1, SpanInput("STATE_PROPAGANDA", token_start=20, token_end=24))
    create_span(db, SCHEME, anna, 1, SpanInput("INTEL_ESTIMATE", token_start=22, token_end=30))
    set_document_status(db, anna, 1, "done")
    return db


def test_download_equals_cli_export(annotated, db_path, client, tmp_path):
    login(client, "lea")
    response = client.get("/review/export?format=jsonl&layer=anna")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    web = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    out = tmp_path / "anna.jsonl"
    result = CliRunner().invoke(
        main, ["export", "--annotator", "anna", "--out", str(out), "--db", str(db_path)]
    )
    assert result.exit_code == 0, result.output
    cli = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert web == cli
    assert [(s["label"], s["token_start"]) for s in web[0]["spans"]] == [
        ("STATE_PROPAGANDA", 20),
        ("INTEL_ESTIMATE", 22),
    ]


def test_spacy_and_doccano_downloads(annotated, client):
    login(client, "lea")
    docbin = client.get("/review/export?format=spacy&layer=all")
    assert docbin.status_code == 200
    data = docbin.data
    docbin.close()  # the file is streamed from an open handle; the client must close it
    (doc,) = DocBin().from_bytes(data).get_docs(pipeline("de").vocab)
    assert sorted(s.label_ for s in doc.spans["sc"]) == ["INTEL_ESTIMATE", "STATE_PROPAGANDA"]
    doccano = client.get("/review/export?format=doccano&layer=all").get_data(as_text=True)
    (line,) = doccano.splitlines()
    assert len(json.loads(line)["label"]) == 2


def test_export_page_and_errors(annotated, client, tokens):
    assert client.get("/review/export?format=jsonl").status_code == 302  # to the login page
    assert client.get("/review/export", headers=bearer(tokens["anna"])).status_code == 403
    login(client, "lea")
    page = client.get("/review/export").get_data(as_text=True)
    assert 'name="layer"' in page and ">anna<" in page
    assert client.get("/review/export?format=ptc").status_code == 400
    assert client.get("/review/export?format=jsonl&layer=nobody").status_code == 404
    gold = client.get("/review/export?format=jsonl&layer=gold")
    assert gold.status_code == 200  # no adjudicated document: the form with a message,
    assert "attachment" not in gold.headers.get("Content-Disposition", "")  # not an empty file
    assert "Nothing to export: no adjudicated document" in gold.get_data(as_text=True)


def test_a_large_spacy_export_runs_in_the_background(annotated, db_path, tmp_path):
    # issue 13, hole 13: at 150,000 documents the DocBin outlived gunicorn's 30 s in the request.
    # Here every corpus counts as large, so the same path runs on the five test documents.
    import re
    import time

    from annotator.web import create_app
    from tests.conftest import csrf_token_of

    app = create_app(
        {
            "TESTING": True,
            "DB": str(db_path),
            "SECRET_KEY": "t",
            "EXPORT_INLINE_DOCUMENTS": 0,
            "EXPORT_JOBS": str(tmp_path / "jobs"),
        }
    )
    client = app.test_client()
    login(client, "lea")
    page = client.get("/review/export?format=spacy&layer=all")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'hx-trigger="load"' in html
    assert not (tmp_path / "jobs").exists()  # the GET built nothing
    token = csrf_token_of(html)
    started = client.post(
        "/review/export/jobs",
        data={"layer": "all", "done_only": "1"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert started.status_code == 200 and "<html" not in started.get_data(as_text=True)
    url = re.search(r'hx-get="([^"]+)"', started.get_data(as_text=True))
    region = started.get_data(as_text=True)
    deadline = time.monotonic() + 30
    while 'data-status="running"' in region and time.monotonic() < deadline:
        time.sleep(0.05)
        region = client.get(url.group(1), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-status="done"' in region, region
    link = re.search(r'id="export-file" href="([^"]+)"', region).group(1)
    download = client.get(link)
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    data = download.data
    download.close()
    (doc,) = DocBin().from_bytes(data).get_docs(pipeline("de").vocab)
    assert sorted(s.label_ for s in doc.spans["sc"]) == ["INTEL_ESTIMATE", "STATE_PROPAGANDA"]
    assert client.get("/review/export/jobs/" + "0" * 32).status_code == 404
    assert client.get("/review/export/jobs/../../etc/passwd").status_code == 404
