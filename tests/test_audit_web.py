"""The web holes an outside audit found (issue 13): each test is the attack, which must fail."""

from __future__ import annotations

import pytest

from annotator import store
from annotator.store.assignments import assign
from annotator.store.spans import get_span
from tests.conftest import bearer, login

FRAMING = "EDITORIAL_FRAMING"


@pytest.fixture
def anna(tokens):
    return bearer(tokens["anna"])


@pytest.fixture
def ben(tokens):
    return bearer(tokens["ben"])


@pytest.fixture
def lea(tokens):
    return bearer(tokens["lea"])


def word(db, document_id: int, phrase: str = "Kursk") -> dict[str, int]:
    start = store.get_document(db, document_id).text.index(phrase)
    return {"start": start, "end": start + len(phrase)}


# --- hole 3: a client-chosen span id reveals nothing about other layers -----------------------


def test_a_span_id_another_layer_uses_answers_like_a_free_id(client, db, anna, ben):
    taken = client.post(
        "/api/documents/1/spans",
        json={"id": "doc1-span-7", "label": FRAMING, **word(db, 1)},
        headers=ben,
    )
    assert taken.status_code == 201
    # anna chooses ben's id, and a fresh one: the two answers are alike
    mine = client.post(
        "/api/documents/1/spans",
        json={"id": "doc1-span-7", "label": FRAMING, **word(db, 1)},
        headers=anna,
    )
    free = client.post(
        "/api/documents/2/spans",
        json={"id": "never-used", "label": FRAMING, **word(db, 2)},
        headers=anna,
    )
    assert (mine.status_code, free.status_code) == (201, 201)
    assert "already" not in mine.get_data(as_text=True)
    assert mine.json["annotator"] == "anna" and mine.json["id"] != taken.json["id"]
    # her retry is idempotent, and her own id finds her own span
    again = client.post(
        "/api/documents/1/spans",
        json={"id": "doc1-span-7", "label": FRAMING, **word(db, 1)},
        headers=anna,
    )
    assert again.status_code == 200 and again.json == mine.json
    assert client.get("/api/spans/doc1-span-7", headers=anna).json["annotator"] == "anna"
    assert client.get("/api/spans/doc1-span-7", headers=ben).json["annotator"] == "ben"
    # ben's span is untouched
    assert get_span(db, taken.json["id"]).annotator == "ben"
    rows = db.conn.execute("SELECT annotator FROM span ORDER BY annotator").fetchall()
    assert rows == [("anna",), ("anna",), ("ben",)]


def test_a_span_id_on_a_document_she_cannot_see_reveals_nothing(client, db, anna, ben):
    assign(db, 3, "ben")  # document 3 is ben's alone now
    body = {"id": "secret-span", "label": FRAMING, **word(db, 3, "Nordkorea")}
    assert client.post("/api/documents/3/spans", json=body, headers=ben).status_code == 201
    hidden = client.post("/api/documents/3/spans", json=body, headers=anna)
    unknown = client.post("/api/documents/3/spans", json={**body, "id": "fresh-span"}, headers=anna)
    assert (hidden.status_code, hidden.json) == (unknown.status_code, unknown.json)
    assert hidden.status_code == 404


# --- hole 5: requests a lead can send that used to answer 500 ---------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/agreement?bootstrap=%C2%B2",  # "²": isdigit() says yes, int() says no
        "/api/agreement?bootstrap=%D9%A3",  # Arabic-Indic three
        "/api/agreement?bootstrap=" + "9" * 400,
        "/api/agreement?bootstrap=0&annotators=anna,anna",
        "/api/agreement?bootstrap=0&labels=EDITORIAL_FRAMING,EDITORIAL_FRAMING",
        "/review/agreement?annotator=anna&annotator=anna",
        "/review/agreement/figures?label=EDITORIAL_FRAMING&label=EDITORIAL_FRAMING",
        "/review/export?format=jsonl&layer=gold%0A",
        "/review/export?format=jsonl&layer=anna%0D%0AX-Evil:%201",
        "/next?after=%C2%B2",
        "/next?after=" + "9" * 40,
        "/documents/1/editor?token=%C2%B2",
        "/documents/1/editor?token=" + "9" * 40,
    ],
)
def test_no_lead_request_answers_500(client, url):
    login(client, "lea")
    response = client.get(url)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert "\n" not in response.headers.get("Content-Disposition", "")


def test_duplicate_names_count_once(client, db, lea):
    once = client.get("/api/agreement?bootstrap=0&annotators=anna,ben", headers=lea)
    twice = client.get("/api/agreement?bootstrap=0&annotators=anna,ben,anna", headers=lea)
    assert twice.status_code == 200 and twice.json == once.json


def test_cli_agreement_with_a_name_twice_is_no_traceback(db_path):
    from click.testing import CliRunner

    from annotator.cli import main

    result = CliRunner().invoke(
        main,
        [
            "agreement",
            "--annotators",
            "anna,anna",
            "--labels",
            "EDITORIAL_FRAMING,EDITORIAL_FRAMING",
            "--db",
            str(db_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.exception is None


# --- hole 8: an error page never replaces a session ---------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/login"),  # no CSRF token: 400
        ("post", "/logout"),
        ("post", "/documents/1/status"),
        ("get", "/no-such-page"),
        ("get", "/static/no-such-file.css"),
    ],
)
def test_an_error_page_sets_no_cookie(app, method, url):
    victim = app.test_client()
    login(victim, "anna")
    # The cross-site request: the browser sends no cookie (SameSite=Lax), takes any it gets.
    attacker_side = app.test_client()
    response = getattr(attacker_side, method)(url, data={"username": "anna"})
    assert response.status_code >= 400
    assert "Set-Cookie" not in response.headers, response.headers.get("Set-Cookie")
    # and the victim stays logged in
    assert victim.get("/api/me").status_code == 200


# --- hole 12: behind a proxy, only X-Forwarded-For and -Proto are trusted -----------------------


def test_forwarded_host_and_prefix_are_not_trusted_by_default(db_path):
    from annotator.web import create_app

    app = create_app({"DB": str(db_path), "SECRET_KEY": "s", "TRUSTED_PROXIES": 1})
    response = app.test_client().get(
        "/",
        headers={
            "X-Forwarded-Prefix": "//evil.example",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "https",
        },
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil.example" not in location, location
    assert location.startswith(("/login", "https://localhost/login")), location


def test_forwarded_prefix_is_trusted_when_configured(db_path):
    from annotator.web import create_app

    app = create_app(
        {"DB": str(db_path), "SECRET_KEY": "s", "TRUSTED_PROXIES": 1, "PROXY_HEADERS": "prefix"}
    )
    response = app.test_client().get("/", headers={"X-Forwarded-Prefix": "/annotator"})
    assert response.headers["Location"].startswith("/annotator/login")


# --- hole 14: an own span on a document taken away behaves like the document ------------------


def test_an_own_span_on_a_document_taken_away_is_404_everywhere(app, client, db, anna):
    span = client.post(
        "/api/documents/2/spans", json={"label": FRAMING, **word(db, 2, "Nordkorea")}, headers=anna
    ).json
    assign(db, 2, "ben")  # from now on only ben reaches document 2
    page = app.test_client()
    token = login(page, "anna")
    answers = {
        "api get": client.get(f"/api/spans/{span['id']}", headers=anna),
        "api patch": client.patch(
            f"/api/spans/{span['id']}", json={"version": 1, "note": "x"}, headers=anna
        ),
        "api delete": client.delete(f"/api/spans/{span['id']}", headers=anna),
        "api list": client.get("/api/documents/2/spans", headers=anna),
        "api document": client.get("/api/documents/2", headers=anna),
        "page": page.get("/documents/2"),
        "page editor": page.get(f"/documents/2/editor?span={span['id']}"),
        "page update": page.post(
            f"/documents/2/spans/{span['id']}",
            data={"note": "x", "version": 1},
            headers={"X-CSRFToken": token},
        ),
        "page delete": page.delete(
            f"/documents/2/spans/{span['id']}?version=1", headers={"X-CSRFToken": token}
        ),
    }
    assert {k: r.status_code for k, r in answers.items()} == dict.fromkeys(answers, 404)
    assert get_span(db, span["id"]).note == ""  # nothing changed


def test_a_get_of_the_dashboard_writes_nothing(app, db):
    page = app.test_client()
    login(page, "lea")
    before = db.conn.execute("SELECT COUNT(*) FROM report_cache").fetchone()[0]
    for url in ("/review/agreement", "/review/agreement/gamma", "/review/agreement/figures"):
        assert page.get(url).status_code == 200
    assert db.conn.execute("SELECT COUNT(*) FROM report_cache").fetchone()[0] == before
