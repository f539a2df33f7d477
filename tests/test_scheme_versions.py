"""Issue 15: guideline versions: a scheme whose labels changed needs a new version (app and CLI),
spans and statuses record their version, outdated work reopens in one action."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import main as cli_main
from annotator.core.labels import LabelSchemeError, load_label_scheme
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.services.scheme_versions import reopen_outdated
from annotator.store.spans import list_spans
from annotator.store.statuses import get_status
from annotator.store.users import get_user
from annotator.web import create_app
from tests.conftest import ROOT, login

LABELS = (ROOT / "schema" / "labels.toml").read_text(encoding="utf-8")


def scheme_file(tmp_path: Path, version: int, change: bool) -> Path:
    text = LABELS.replace("version = 1", f"version = {version}")
    if change:
        text = text.replace("Mark the quoted words, not the attribution.", "Mark the quote.")
    path = tmp_path / f"labels-{version}-{change}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def app_for(db_path, labels):
    return create_app({"DB": str(db_path), "SECRET_KEY": "k", "LABELS": str(labels)})


def test_scheme_has_a_version():
    assert load_label_scheme().version == 1


def test_bad_version_is_an_error_naming_the_field(tmp_path):
    path = tmp_path / "labels.toml"
    path.write_text(LABELS.replace("version = 1", 'version = "two"'), encoding="utf-8")
    with pytest.raises(LabelSchemeError, match=r"labels.toml: field 'version'"):
        load_label_scheme(path)


def test_app_refuses_changed_labels_without_a_new_version(db_path, tmp_path):
    app_for(db_path, scheme_file(tmp_path, 1, change=False))
    with pytest.raises(LabelSchemeError, match="the labels changed but field 'version' is still 1"):
        app_for(db_path, scheme_file(tmp_path, 1, change=True))
    app_for(db_path, scheme_file(tmp_path, 2, change=True))
    with pytest.raises(LabelSchemeError, match="older than version 2"):
        app_for(db_path, scheme_file(tmp_path, 1, change=False))


def test_cli_refuses_changed_labels_without_a_new_version(db_path, tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("ANNOTATOR_LABELS", str(scheme_file(tmp_path, 1, change=False)))
    ok = runner.invoke(cli_main, ["agreement", "--json", "--db", str(db_path)])
    assert ok.exit_code == 0, ok.output
    monkeypatch.setenv("ANNOTATOR_LABELS", str(scheme_file(tmp_path, 1, change=True)))
    refused = runner.invoke(cli_main, ["agreement", "--json", "--db", str(db_path)])
    assert refused.exit_code == 1
    assert "the labels changed but field 'version' is still 1" in refused.output
    imported = runner.invoke(
        cli_main,
        [
            "import",
            str(ROOT / "corpus"),
            "--labels",
            str(scheme_file(tmp_path, 1, True)),
            "--db",
            str(db_path),
        ],
    )
    assert imported.exit_code == 1 and "nothing was imported" in imported.output


def test_spans_and_statuses_carry_the_version_and_outdated_work_reopens(
    client, db, db_path, tmp_path
):
    anna, ben = get_user(db, "anna"), get_user(db, "ben")
    scheme = load_label_scheme()
    create_span(db, scheme, anna, 1, SpanInput("EDITORIAL_FRAMING", token_start=5, token_end=9))
    set_document_status(db, anna, 1, "done")
    set_document_status(db, ben, 1, "done")
    app = app_for(db_path, scheme_file(tmp_path, 2, change=True))
    create_span(db, scheme, anna, 2, SpanInput("EDITORIAL_FRAMING", token_start=5, token_end=9))
    set_document_status(db, ben, 2, "done")
    assert [s.scheme_version for s in list_spans(db, 1, "anna")] == [1]
    assert [s.scheme_version for s in list_spans(db, 2, "anna")] == [2]
    client = app.test_client()
    login(client, "anna")
    spans = client.get("/api/documents/2/spans").json
    assert [s["scheme_version"] for s in spans] == [2]
    token = login(client, "lea")
    page = client.get("/review").get_data(as_text=True)
    assert "Reopen 2 layers done under an older version" in page
    response = client.post(
        "/review/reopen-outdated", data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert "reopened 2 layers on 1 document" in response.get_data(as_text=True)
    assert get_status(db, 1, "anna") == "in_progress" == get_status(db, 1, "ben")
    assert get_status(db, 2, "ben") == "done"
    assert reopen_outdated(db, get_user(db, "lea")) == []


def test_migration_7_applies_on_an_existing_database_with_work(tmp_path):
    from annotator import store
    from annotator.services import accounts

    path = tmp_path / "old.db"
    old = store.connect(path, migrate_schema=False)
    store.migrate(old, target=4)
    assert "comment" not in old.table_names()
    accounts.create_user(old, "anna", "annotator", "correct horse battery", actor="test")
    old.conn.execute(
        "INSERT INTO document (id, external_id, title, text, text_sha256, lang, created) "
        "VALUES (1, 'd', 't', 'Ein Text.', 'x', 'de', 'now')"
    )
    old.conn.execute(
        'INSERT INTO span (id, document_id, annotator, label, start, "end", token_start, '
        "token_end, created, updated) VALUES ('s', 1, 'anna', 'EDITORIAL_FRAMING', 0, 3, 0, 0, "
        "'now', 'now')"
    )
    old.conn.close()
    db = store.connect(path)
    assert {"comment", "feedback_release", "active_time", "label_scheme_state"} <= set(
        db.table_names()
    )
    assert list_spans(db, 1)[0].scheme_version == 1
