"""The app factory, /healthz, login and logout."""

from __future__ import annotations

import json
import tomllib

import pytest
from flask import Flask

from annotator import store
from annotator.core.labels import DEFAULT_LABELS_PATH, LabelSchemeError, load_label_scheme
from annotator.services.annotations import SpanInput, create_span
from annotator.store.users import get_user
from annotator.web import create_app
from tests.conftest import PASSWORD, csrf_token_of, login


def test_factory_reads_prefixed_environment(monkeypatch, tmp_path):
    db_file = tmp_path / "env.db"
    monkeypatch.setenv("ANNOTATOR_DB", str(db_file))
    monkeypatch.setenv("ANNOTATOR_SECRET_KEY", "from-env")
    app = create_app()
    assert app.config["DB"] == str(db_file)
    assert app.config["SECRET_KEY"] == "from-env"
    assert store.schema_version(store.connect(db_file)) == store.SCHEMA_VERSION


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("ANNOTATOR_SECRET_KEY", raising=False)
    # Flask's instance folder of a fresh checkout, here a temporary one (not the repository's).
    instance = tmp_path / "instance"
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))
    config = {"DB": str(tmp_path / "a.db")}
    first = create_app(config)
    second = create_app(config)
    # The key file must be reused, not remade.
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (instance / "secret_key").read_text() == first.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    # anonymous: ok or not, no counts (issue 13, hole 14)
    assert response.json == {"status": "ok"}
    login(client, "lea")
    lead = client.get("/healthz")
    assert lead.json == {"status": "ok", "schema_version": store.SCHEMA_VERSION, "documents": 5}


def test_healthz_503_when_database_is_gone(app, db_path):
    db_path.unlink()
    db_path.mkdir()  # a folder where the database was: sqlite cannot open it
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error"}  # the reason only for a lead


def test_login_page_carries_csrf(client):
    html = client.get("/login").get_data(as_text=True)
    assert csrf_token_of(html)
    assert 'name="username"' in html and 'name="password"' in html


def test_login_wrong_password_and_unknown_user_look_the_same(client):
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    wrong = client.post(
        "/login", data={"username": "anna", "password": "nope-nope", "csrf_token": token}
    )
    unknown = client.post(
        "/login", data={"username": "nobody", "password": "nope-nope", "csrf_token": token}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong user name or password." in wrong.get_data(as_text=True)
    assert "Wrong user name or password." in unknown.get_data(as_text=True)


def test_login_without_csrf_is_refused(client):
    response = client.post("/login", data={"username": "anna", "password": PASSWORD})
    assert response.status_code == 400


def test_login_redirect_stays_on_site(client):
    page = client.get("/login?next=//evil.example/x")
    token = csrf_token_of(page.get_data(as_text=True))
    response = client.post(
        "/login?next=//evil.example/x",
        data={"username": "anna", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_logout_ends_session_everywhere(client, app):
    login(client, "anna")
    other = app.test_client()
    login(other, "anna")
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert other.get("/api/me").status_code == 401
    assert app.test_client().get("/api/me").status_code == 401


def test_app_refuses_a_scheme_without_a_stored_label(db_path, tmp_path):
    """However the app is started (gunicorn directly too), a scheme that lost a label the stored
    spans use is an error naming the file, not a 500 on the document page later."""
    db = store.connect(db_path)
    create_span(
        db,
        load_label_scheme(),
        get_user(db, "anna"),
        1,
        SpanInput("INTEL_ESTIMATE", token_start=3, token_end=5),
    )
    db.conn.close()
    data = tomllib.loads(DEFAULT_LABELS_PATH.read_text(encoding="utf-8"))
    data["label"] = [x for x in data["label"] if x["key"] != "INTEL_ESTIMATE"]
    smaller = tmp_path / "labels.json"
    smaller.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(LabelSchemeError, match=r"labels\.json: missing label 'INTEL_ESTIMATE'"):
        create_app({"DB": str(db_path), "SECRET_KEY": "k", "LABELS": str(smaller)})
