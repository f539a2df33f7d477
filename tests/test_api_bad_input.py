"""Bad input to the span API: a 4xx with a message saying what is wrong, and nothing changed."""

from __future__ import annotations

import pytest

from annotator import store
from tests.conftest import bearer

FRAMING, INTEL, QUOTE = "EDITORIAL_FRAMING", "INTEL_ESTIMATE", "STATE_PROPAGANDA"


def snapshot(db) -> tuple:
    """Everything a refused request must leave alone: spans, statuses and the event count."""
    spans = db.conn.execute("SELECT * FROM span ORDER BY id").fetchall()
    statuses = db.conn.execute("SELECT * FROM document_status ORDER BY 1, 2").fetchall()
    events = db.conn.execute("SELECT COUNT(*) FROM event").fetchone()[0]
    return spans, statuses, events


@pytest.fixture
def anna(tokens):
    return bearer(tokens["anna"])


@pytest.fixture
def text(db) -> str:
    return store.get_document(db, 1).text


def word(text: str, phrase: str = "Allianz") -> dict:
    start = text.index(phrase)
    return {"start": start, "end": start + len(phrase)}


# (body or a function of the text, expected status, words the error must contain)
BAD_BODIES = [
    (lambda t: {"label": FRAMING, "start": 9, "end": 9}, "less than"),
    (lambda t: {"label": FRAMING, "start": 12, "end": 4}, "less than"),
    (lambda t: {"label": FRAMING, "start": -3, "end": 4}, "negative"),
    (lambda t: {"label": FRAMING, "start": 0, "end": len(t) + 1}, "past the end"),
    (lambda t: {"label": FRAMING, "start": len(t), "end": len(t) + 5}, "past the end"),
    (lambda t: {"label": FRAMING, "start": 1.0, "end": 4}, "integers"),
    (lambda t: {"label": FRAMING, "start": 1, "end": 4.5}, "integers"),
    (lambda t: {"label": FRAMING, "start": "1", "end": 4}, "integers"),
    (lambda t: {"label": FRAMING, "start": True, "end": 4}, "integers"),
    (lambda t: {"label": FRAMING, "start": None, "end": 4}, "integers"),
    (lambda t: {"label": FRAMING, "start": [1], "end": 4}, "integers"),
    (lambda t: {"label": FRAMING}, "required"),
    (lambda t: {"label": FRAMING, "token_start": 1}, "token_start and token_end"),
    (lambda t: {"label": FRAMING, "token_start": 0, "token_end": 10**6}, "outside"),
    (lambda t: {"label": FRAMING, "token_start": False, "token_end": 2}, "integers"),
    (
        lambda t: {"label": FRAMING, **word(t, "Westen\n")} | {"start": word(t, "\n")["start"]},
        "whitespace",
    ),
    (lambda t: {"label": "PROPAGANDA", **word(t)}, "unknown label 'PROPAGANDA'"),
    (lambda t: {"label": 3, **word(t)}, "unknown label"),
    (lambda t: {"start": 0, "end": 3}, "'label' is required"),
    (
        lambda t: {"label": FRAMING, "attributes": {"speaker": "KCNA"}, **word(t)},
        "unknown attribute 'speaker'",
    ),
    (lambda t: {"label": INTEL, "attributes": {"agency": "mossad"}, **word(t)}, "must be one of"),
    (lambda t: {"label": INTEL, "attributes": {"agency": 1}, **word(t)}, "must be a string"),
    (lambda t: {"label": INTEL, "attributes": ["agency"], **word(t)}, "must be an object"),
    (lambda t: {"label": QUOTE, "attributes": {"speaker": "x" * 201}, **word(t)}, "longer than"),
    (lambda t: {"label": FRAMING, "note": "n" * 2001, **word(t)}, "longer than 2000"),
    (lambda t: {"label": FRAMING, "note": 5, **word(t)}, "'note' must be a string"),
    (lambda t: {"label": FRAMING, "colour": "red", **word(t)}, "unknown field 'colour'"),
    (lambda t: {"label": FRAMING, "annotator": "ben", **word(t)}, "unknown field 'annotator'"),
    (lambda t: {"label": FRAMING, "id": "has space", **word(t)}, "'id' must be"),
    (lambda t: {"label": FRAMING, "id": 17, **word(t)}, "'id' must be"),
    (lambda t: {"label": FRAMING, "id": "x" * 65, **word(t)}, "'id' must be"),
]


@pytest.mark.parametrize(("make_body", "message"), BAD_BODIES)
def test_bad_create_body(client, db, anna, text, make_body, message):
    before = snapshot(db)
    response = client.post("/api/documents/1/spans", json=make_body(text), headers=anna)
    assert response.status_code == 400
    assert message in response.json["error"]
    assert snapshot(db) == before


def test_a_note_of_exactly_2000_characters_is_fine(client, db, anna, text):
    body = {"label": FRAMING, "note": "n" * 2000, **word(text)}
    assert client.post("/api/documents/1/spans", json=body, headers=anna).status_code == 201


@pytest.fixture
def span(client, anna, text) -> dict:
    body = {"label": INTEL, "attributes": {"agency": "nato"}, **word(text)}
    response = client.post("/api/documents/1/spans", json=body, headers=anna)
    assert response.status_code == 201
    return response.json


BAD_PATCHES = [
    ({}, "'version' is required"),
    ({"note": "x"}, "'version' is required"),
    ({"version": "1"}, "'version' is required and must be an integer"),
    ({"version": 1.0}, "must be an integer"),
    ({"version": True}, "must be an integer"),
    ({"version": 1, "start": 5, "end": 5}, "less than"),
    ({"version": 1, "start": -1}, "negative"),
    ({"version": 1, "end": 10**7}, "past the end"),
    ({"version": 1, "start": "0"}, "integers"),
    ({"version": 1, "token_end": 10**6}, "outside"),
    ({"version": 1, "label": "NOPE"}, "unknown label"),
    ({"version": 1, "label": None}, "unknown label"),
    ({"version": 1, "attributes": {"agency": "mi6"}}, "must be one of"),
    ({"version": 1, "attributes": {"colour": "red"}}, "unknown attribute 'colour'"),
    ({"version": 1, "note": "n" * 2001}, "longer than 2000"),
    ({"version": 1, "id": "other"}, "unknown field 'id'"),
    ({"version": 1, "document_id": 2}, "unknown field 'document_id'"),
]


@pytest.mark.parametrize(("body", "message"), BAD_PATCHES)
def test_bad_patch_body(client, db, anna, span, body, message):
    before = snapshot(db)
    response = client.patch(f"/api/spans/{span['id']}", json=body, headers=anna)
    assert response.status_code == 400
    assert message in response.json["error"]
    assert snapshot(db) == before


def test_whitespace_only_move_is_refused(client, db, anna, span, text):
    newline = text.index("\n")
    before = snapshot(db)
    response = client.patch(
        f"/api/spans/{span['id']}",
        json={"version": 1, "start": newline, "end": newline + 1},
        headers=anna,
    )
    assert response.status_code == 400 and "whitespace" in response.json["error"]
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/documents/1/spans", {"label": FRAMING, "start": 0, "end": 3}),
        ("patch", "/api/spans/SPAN", {"version": 1}),
        ("put", "/api/documents/1/status", {"status": "done"}),
    ],
)
class TestBodyEnvelope:
    """What every JSON body goes through before any field is read."""

    def send(self, client, method, path, span, **kwargs):
        return getattr(client, method)(path.replace("SPAN", span["id"]), **kwargs)

    def test_wrong_content_type(self, client, db, anna, span, method, path, body):
        import json

        before = snapshot(db)
        for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
            headers = dict(anna)
            response = self.send(
                client,
                method,
                path,
                span,
                data=json.dumps(body),
                headers=headers,
                content_type=content_type,
            )
            assert response.status_code == 400
            assert "Content-Type must be application/json" in response.json["error"]
            if content_type:
                assert content_type in response.json["error"]
        assert snapshot(db) == before

    @pytest.mark.parametrize(
        "raw",
        [b"{", b"{'label': 1}", b"", b"\xff\xfe\x00", b"[" * 50000 + b"]" * 50000, b"NaN]"],
    )
    def test_malformed_json(self, client, db, anna, span, method, path, body, raw):
        before = snapshot(db)
        response = self.send(
            client, method, path, span, data=raw, headers=anna, content_type="application/json"
        )
        assert response.status_code == 400
        assert "malformed JSON" in response.json["error"]
        assert snapshot(db) == before

    @pytest.mark.parametrize(
        ("payload", "kind"),
        [
            (b"[]", "an array"),
            (b'"a string"', "a string"),
            (b"3", "a number"),
            (b"null", "null"),
            (b"true", "a boolean"),
            (b'[{"label": 1}]', "an array"),
        ],
    )
    def test_body_not_an_object(self, client, db, anna, span, method, path, body, payload, kind):
        before = snapshot(db)
        response = self.send(
            client, method, path, span, data=payload, headers=anna, content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json["error"] == f"the body must be a JSON object, not {kind}"
        assert snapshot(db) == before

    def test_body_over_the_size_limit(self, app, client, db, anna, span, method, path, body):
        before = snapshot(db)
        padded = {**body, "note": "x" * app.config["MAX_CONTENT_LENGTH"]}
        response = self.send(client, method, path, span, json=padded, headers=anna)
        assert response.status_code == 413
        assert "too large" in response.json["error"]
        assert snapshot(db) == before


@pytest.mark.parametrize("status", ["finished", "", None, 1, True, ["done"]])
def test_bad_status(client, db, anna, status):
    before = snapshot(db)
    response = client.put("/api/documents/1/status", json={"status": status}, headers=anna)
    assert response.status_code == 400 and "'status' must be" in response.json["error"]
    missing = client.put("/api/documents/1/status", json={}, headers=anna)
    assert missing.status_code == 400 and "'status' is required" in missing.json["error"]
    assert snapshot(db) == before


def test_unknown_document_and_span(client, db, anna, text):
    before = snapshot(db)
    body = {"label": FRAMING, **word(text)}
    cases = [
        (client.post("/api/documents/999/spans", json=body, headers=anna), "document 999"),
        (client.put("/api/documents/999/status", json={"status": "done"}, headers=anna), "999"),
        (client.patch("/api/spans/nope", json={"version": 1}, headers=anna), "span nope"),
        (client.delete("/api/spans/nope", headers=anna), "span nope"),
        (client.post("/api/documents/abc/spans", json=body, headers=anna), "not found"),
        (client.post("/api/documents/1e3/spans", json=body, headers=anna), "not found"),
    ]
    for response, message in cases:
        assert response.status_code == 404
        assert message in response.json["error"]
    assert snapshot(db) == before


@pytest.mark.parametrize("version", ["x", "1.0", "-1", "٣", "9" * 40])
def test_bad_delete_version(client, db, anna, span, version):
    before = snapshot(db)
    response = client.delete(f"/api/spans/{span['id']}?version={version}", headers=anna)
    assert response.status_code == 400 and "'version'" in response.json["error"]
    assert snapshot(db) == before


def test_wrong_method_is_a_json_405(client, anna):
    response = client.put("/api/spans/x", json={}, headers=anna)
    assert response.status_code == 405 and "error" in response.json
