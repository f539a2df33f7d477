"""Issue 15: question threads on a span or a document: blind, audited, escaped, CSRF, exported."""

from __future__ import annotations

import json

import jsonschema
import pytest

from annotator.core.labels import load_label_scheme
from annotator.services.annotations import (
    SpanInput,
    create_span,
    layer_span_id,
    set_document_status,
)
from annotator.services.exports import export_records
from annotator.store.users import get_user
from tests.conftest import ROOT, login

SCHEME = load_label_scheme()
VALIDATOR = jsonschema.Draft202012Validator(
    json.loads((ROOT / "schema" / "export.schema.json").read_text(encoding="utf-8"))
)
# Client-chosen ids are ids in their own layer; others (the lead) see the stored ids.
ANNA = layer_span_id("anna", "anna-span")
BEN = layer_span_id("ben", "ben-span")
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def spans(db):
    made = {}
    for name in ("anna", "ben"):
        made[name], _ = create_span(
            db,
            SCHEME,
            get_user(db, name),
            1,
            SpanInput("EDITORIAL_FRAMING", token_start=5, token_end=9, id=f"{name}-span"),
        )
    return made


def post(client, url, token, **body):
    return client.post(url, json=body, headers={"X-CSRFToken": token})


def test_annotator_asks_lead_answers_either_resolves(client, db, spans):
    anna = login(client, "anna")
    asked = post(client, f"/api/spans/{ANNA}/comments", anna, text="Is this framing?")
    assert asked.status_code == 201
    assert set(asked.json) >= {"id", "author", "text", "created", "resolved"}
    assert asked.json["author"] == "anna" and asked.json["resolved"] is False
    lea = login(client, "lea")
    answered = post(client, f"/api/spans/{ANNA}/comments", lea, text="Yes: evaluative.")
    assert answered.status_code == 201
    login(client, "anna")
    thread = client.get(f"/api/spans/{ANNA}/comments").json
    assert [(c["author"], c["text"]) for c in thread] == [
        ("anna", "Is this framing?"),
        ("lea", "Yes: evaluative."),
    ]
    anna = login(client, "anna")
    resolved = client.post(f"/api/spans/{ANNA}/comments/resolve", headers={"X-CSRFToken": anna})
    assert resolved.json == {"resolved": 2}
    assert all(c["resolved"] for c in client.get(f"/api/spans/{ANNA}/comments").json)
    actions = [
        r[0]
        for r in db.conn.execute(
            "SELECT action FROM event WHERE entity = 'comment' ORDER BY id"
        ).fetchall()
    ]
    assert actions == ["comment", "comment", "resolve"]


def test_an_annotator_never_sees_another_annotators_threads(client, db, spans):
    ben = login(client, "ben")
    post(client, f"/api/spans/{BEN}/comments", ben, text="ben's private doubt")
    post(client, "/api/documents/1/comments", ben, text="ben's document doubt")
    anna = login(client, "anna")
    assert client.get(f"/api/spans/{BEN}/comments").status_code == 404
    assert post(client, f"/api/spans/{BEN}/comments", anna, text="hi").status_code == 404
    assert client.get("/api/documents/1/comments").json == []
    assert client.get("/api/documents/1/comments?annotator=ben").status_code == 403
    for url in ("/documents/1", "/documents/1/questions", "/"):
        body = client.get(url).get_data(as_text=True)
        assert "doubt" not in body, url
    # ben's open threads are not counted in anna's queue
    assert "0 open questions" in client.get("/").get_data(as_text=True)


def test_lead_answers_a_document_thread_of_a_named_annotator(client, db, spans):
    anna = login(client, "anna")
    post(client, "/api/documents/1/comments", anna, text="Whole text unclear")
    lea = login(client, "lea")
    assert post(client, "/api/documents/1/comments", lea, text="x").status_code == 400
    response = post(client, "/api/documents/1/comments", lea, text="Read 4.2", annotator="anna")
    assert response.status_code == 201
    bad = post(client, "/api/documents/1/comments", lea, text="x", annotator="lea")
    assert bad.status_code == 400
    listed = client.get("/api/documents/1/comments").json
    assert [c["text"] for c in listed] == ["Whole text unclear", "Read 4.2"]


def test_bad_comment_bodies_are_400(client, db, spans):
    create_span(
        db,
        SCHEME,
        get_user(db, "lea"),
        1,
        SpanInput("EDITORIAL_FRAMING", token_start=30, token_end=31, id="gold-span"),
    )
    anna = login(client, "anna")
    for body in ({}, {"text": ""}, {"text": "   "}, {"text": 5}, {"text": "x" * 2001}):
        response = post(client, f"/api/spans/{ANNA}/comments", anna, **body)
        assert response.status_code == 400, body
    response = post(client, f"/api/spans/{ANNA}/comments", anna, text="x", other=1)
    assert response.status_code == 400
    assert post(client, "/api/spans/gold-span/comments", anna, text="x").status_code == 404
    lea = login(client, "lea")
    assert post(client, "/api/spans/gold-span/comments", lea, text="x").status_code == 400
    assert db.conn.execute("SELECT COUNT(*) FROM comment").fetchone()[0] == 0


def test_comments_need_the_csrf_token(client, db, spans):
    login(client, "anna")
    response = client.post(f"/api/spans/{ANNA}/comments", json={"text": "x"})
    assert response.status_code == 400
    response = client.post("/documents/1/questions", data={"text": "x"})
    assert response.status_code == 400
    assert db.conn.execute("SELECT COUNT(*) FROM comment").fetchone()[0] == 0


def test_threads_are_escaped_on_every_page(client, db, spans):
    anna = login(client, "anna")
    post(client, f"/api/spans/{ANNA}/comments", anna, text=HOSTILE)
    set_document_status(db, get_user(db, "anna"), 1, "done")
    pages = ["/documents/1", "/documents/1/questions"]
    for url in pages:
        body = client.get(url).get_data(as_text=True)
        assert HOSTILE not in body and "&lt;script&gt;" in body, url
    login(client, "lea")
    for url in ("/review/documents/1", "/review/documents/1/threads"):
        body = client.get(url).get_data(as_text=True)
        assert HOSTILE not in body and "&lt;script&gt;" in body, url


def test_disagreement_view_shows_threads_and_the_lead_answers_there(client, db, spans):
    anna = login(client, "anna")
    client.post(
        "/documents/1/questions",
        data={
            "text": "Unsure about this one",
            "span_id": ANNA,
            "region": "questions",
            "csrf_token": anna,
        },
        headers={"HX-Request": "true"},
    )
    lea = login(client, "lea")
    page = client.get("/review/documents/1").get_data(as_text=True)
    assert "Unsure about this one" in page and f'data-thread-for="{ANNA}"' in page
    assert "1 open question" in client.get("/review").get_data(as_text=True)
    response = client.post(
        "/review/documents/1/threads",
        data={"text": "Keep it", "span_id": ANNA, "csrf_token": lea},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "questionsChanged"
    html = response.get_data(as_text=True)
    assert html.startswith('<section id="threads"') and "Keep it" in html
    # The badge of the span in the rows comes along out of band, in its new state.
    assert badge_of(html) == "? 2 comments · open question"
    resolved = client.post(
        "/review/documents/1/threads/resolve",
        data={"span_id": ANNA, "csrf_token": lea},
        headers={"HX-Request": "true"},
    )
    assert badge_of(resolved.get_data(as_text=True)) == "✓ 2 comments"
    assert badge_of(client.get("/review/documents/1").get_data(as_text=True), oob="") == (
        "✓ 2 comments"
    )
    assert "open question" not in client.get("/review/progress").get_data(as_text=True)


def badge_of(html: str, oob: str = ' hx-swap-oob="true"') -> str:
    """The text of ANNA's thread badge slot (out of band, or in place with oob="")."""
    import re

    slot = re.search(
        rf'<span class="thread-badge-slot" id="thread-badge-{ANNA}"{oob}>(.*?)</span>', html, re.S
    )
    assert slot, "no badge slot"
    return " ".join(re.sub(r"<[^>]+>", "", slot[1]).split())


def test_threads_are_notes_of_their_layer_in_the_export(client, db, spans):
    anna = login(client, "anna")
    post(client, f"/api/spans/{ANNA}/comments", anna, text="Is this framing?")
    post(client, "/api/documents/1/comments", anna, text="General doubt")
    for name in ("anna", "ben"):
        set_document_status(db, get_user(db, name), 1, "done")
    records = {r["_annotator_id"]: r for r in export_records(db) if r["meta"]["document_id"] == 1}
    for record in records.values():
        VALIDATOR.validate(record)
    notes = records["anna"]["meta"]["notes"]
    assert [n["text"] for n in notes] == ["Is this framing?", "General doubt"]
    assert notes[0]["span"] == {
        "start": spans["anna"].start,
        "end": spans["anna"].end,
        "label": "EDITORIAL_FRAMING",
    }
    assert notes[1]["span"] is None
    assert "notes" not in records["ben"]["meta"]
