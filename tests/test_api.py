"""The JSON API of DESIGN section 6: happy paths, roles in both directions, CSRF, retries, 409."""

from __future__ import annotations

import pytest

from annotator import store
from annotator.store.assignments import assign
from tests.conftest import bearer, csrf_token_of, login

FRAMING, INTEL = "EDITORIAL_FRAMING", "INTEL_ESTIMATE"


def offsets(db, document_id: int, phrase: str) -> tuple[int, int]:
    """Where `phrase` is in the stored text (found with str.index, not with our tokenizer)."""
    start = store.get_document(db, document_id).text.index(phrase)
    return start, start + len(phrase)


def snapshot(db) -> tuple:
    """Everything a refused request must leave alone."""
    spans = db.conn.execute("SELECT * FROM span ORDER BY id").fetchall()
    statuses = db.conn.execute("SELECT * FROM document_status ORDER BY 1, 2").fetchall()
    events = db.conn.execute("SELECT COUNT(*) FROM event").fetchone()[0]
    return spans, statuses, events


def session_csrf(client, name: str) -> str:
    """Log in by the form, then read the CSRF token of the new session from a page (logging in
    starts a fresh session, so the login form's token is void)."""
    login(client, name)
    page = client.get("/login", follow_redirects=True)
    return csrf_token_of(page.get_data(as_text=True))


def create(client, headers, document_id=1, **body):
    return client.post(f"/api/documents/{document_id}/spans", json=body, headers=headers)


@pytest.fixture
def anna(tokens):
    return bearer(tokens["anna"])


@pytest.fixture
def ben(tokens):
    return bearer(tokens["ben"])


@pytest.fixture
def lea(tokens):
    return bearer(tokens["lea"])


# --- documents --------------------------------------------------------------------------------


def test_document_list_for_an_annotator_carries_their_status(client, db, anna):
    rows = db.conn.execute("SELECT id, external_id, title FROM document ORDER BY id").fetchall()
    response = client.get("/api/documents", headers=anna)
    assert response.status_code == 200
    assert response.json == [
        {"id": i, "external_id": e, "title": t, "status": "new"} for i, e, t in rows
    ]
    start, end = offsets(db, 2, "Nordkorea")
    assert create(client, anna, 2, label=FRAMING, start=start, end=end).status_code == 201
    assert client.put("/api/documents/3/status", json={"status": "done"}, headers=anna).json == {
        "id": 3,
        "status": "done",
    }
    statuses = [d["status"] for d in client.get("/api/documents", headers=anna).json]
    assert statuses == ["new", "in_progress", "done", "new", "new"]


def test_document_list_for_a_lead_has_every_annotators_status(client, db, anna, ben, lea):
    client.put("/api/documents/1/status", json={"status": "done"}, headers=anna)
    client.put("/api/documents/1/status", json={"status": "in_progress"}, headers=ben)
    listed = client.get("/api/documents", headers=lea).json
    assert len(listed) == 5
    assert listed[0]["status"] is None
    assert listed[0]["statuses"] == {"anna": "done", "ben": "in_progress"}
    assert listed[1]["statuses"] == {}


def test_one_document_with_text_and_tokens(client, db, anna):
    response = client.get("/api/documents/1", headers=anna)
    assert response.status_code == 200
    body = response.json
    document = store.get_document(db, 1)
    assert set(body) == {"id", "external_id", "title", "text", "tokens"}
    assert body["text"] == document.text
    # The tokens tile the text: every non-space run of characters is inside exactly one token.
    covered = set()
    for start, end in body["tokens"]:
        assert 0 <= start < end <= len(body["text"])
        covered.update(range(start, end))
    assert {i for i, c in enumerate(body["text"]) if not c.isspace()} <= covered
    assert body["tokens"] == sorted(body["tokens"])


@pytest.mark.parametrize(
    "path",
    [
        "/api/documents/999",
        "/api/documents/abc",
        "/api/documents/1.5",
        "/api/documents/-1",
        "/api/documents/99999999999999999999999999",
        "/api/documents/999/spans",
        "/api/documents/x/spans",
        "/api/spans/no-such-span",
    ],
)
def test_unknown_or_malformed_ids_are_404(client, anna, path):
    response = client.get(path, headers=anna)
    assert response.status_code == 404
    assert response.is_json and response.json["error"]


# --- spans: happy paths -----------------------------------------------------------------------


def test_span_lifecycle_with_bearer_token(client, db, anna):
    start, end = offsets(db, 1, "Allianz gegen den Westen")
    response = create(client, anna, label=INTEL, start=start + 2, end=end - 1, note="why")
    assert response.status_code == 201
    span = response.json
    assert set(span) == {
        "id",
        "label",
        "start",
        "end",
        "token_start",
        "token_end",
        "attributes",
        "note",
        "version",
        "annotator",
        "scheme_version",
        "origin",
    }
    assert span["origin"] == {"kind": "manual"}  # typed by hand (issue 17)
    assert (span["start"], span["end"]) == (start, end)  # snapped out to whole words
    assert span["annotator"] == "anna" and span["version"] == 1 and span["note"] == "why"
    assert client.get(f"/api/spans/{span['id']}", headers=anna).json == span
    assert client.get("/api/documents/1/spans", headers=anna).json == [span]

    patched = client.patch(
        f"/api/spans/{span['id']}",
        json={"version": 1, "attributes": {"agency": "nato"}, "note": ""},
        headers=anna,
    )
    assert patched.status_code == 200
    assert patched.json["version"] == 2 and patched.json["attributes"] == {"agency": "nato"}
    assert patched.json["note"] == ""

    deleted = client.delete(f"/api/spans/{span['id']}?version=2", headers=anna)
    assert deleted.status_code == 204 and deleted.data == b""
    assert client.get("/api/documents/1/spans", headers=anna).json == []
    assert client.get(f"/api/spans/{span['id']}", headers=anna).status_code == 404


def test_create_with_token_indices(client, db, anna):
    document = client.get("/api/documents/1", headers=anna).json
    text, tokens = document["text"], document["tokens"]
    response = create(client, anna, label=FRAMING, token_start=4, token_end=6)
    assert response.status_code == 201
    span = response.json
    assert (span["start"], span["end"]) == (tokens[4][0], tokens[6][1])
    assert text[span["start"] : span["end"]] == "eine Allianz gegen"


def test_patch_moves_and_relabels(client, db, anna):
    start, end = offsets(db, 1, "Allianz")
    span = create(client, anna, label=INTEL, start=start, end=end).json
    new_start, new_end = offsets(db, 1, "gegen den Westen")
    moved = client.patch(
        f"/api/spans/{span['id']}",
        json={"version": 1, "start": new_start, "end": new_end, "label": FRAMING},
        headers=anna,
    )
    assert moved.status_code == 200
    assert (moved.json["start"], moved.json["end"], moved.json["label"]) == (
        new_start,
        new_end,
        FRAMING,
    )
    row = db.conn.execute('SELECT start, "end", label, version FROM span').fetchone()
    assert row == (new_start, new_end, FRAMING, 2)


def test_same_label_overlap_merges_through_the_api(client, db, anna):
    a = offsets(db, 1, "Kim Jong-uns Befehl")
    b = offsets(db, 1, "Befehl – eine")
    first = create(client, anna, label=FRAMING, start=a[0], end=a[1]).json
    second = create(client, anna, label=FRAMING, start=b[0], end=b[1]).json
    spans = client.get("/api/documents/1/spans", headers=anna).json
    assert [(s["id"], s["start"], s["end"]) for s in spans] == [(second["id"], a[0], b[1])]
    assert client.get(f"/api/spans/{first['id']}", headers=anna).status_code == 404


def test_idempotent_retry_returns_the_stored_span(client, db, anna):
    start, end = offsets(db, 1, "Allianz")
    body = {"id": "retry-1", "label": FRAMING, "start": start, "end": end}
    first = create(client, anna, **body)
    events_after_first = snapshot(db)[2]
    again = create(client, anna, **body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    # A retry whose body differs (the client changed its mind) still never makes a second row.
    third = create(client, anna, **{**body, "label": INTEL})
    assert third.status_code == 200 and third.json["label"] == FRAMING
    assert db.conn.execute("SELECT COUNT(*) FROM span").fetchone()[0] == 1
    assert snapshot(db)[2] == events_after_first


def test_stale_version_is_409_and_changes_nothing(client, db, anna):
    start, end = offsets(db, 1, "Allianz")
    span = create(client, anna, label=FRAMING, start=start, end=end).json
    assert (
        client.patch(
            f"/api/spans/{span['id']}", json={"version": 1, "note": "first"}, headers=anna
        ).json["version"]
        == 2
    )
    before = snapshot(db)
    stale = client.patch(
        f"/api/spans/{span['id']}", json={"version": 1, "note": "second"}, headers=anna
    )
    assert stale.status_code == 409 and "version 2" in stale.json["error"]
    stale_delete = client.delete(f"/api/spans/{span['id']}?version=1", headers=anna)
    assert stale_delete.status_code == 409
    assert snapshot(db) == before


def test_status_put(client, db, anna):
    response = client.put("/api/documents/2/status", json={"status": "done"}, headers=anna)
    assert response.status_code == 200 and response.json == {"id": 2, "status": "done"}
    assert db.conn.execute("SELECT status FROM document_status").fetchall() == [("done",)]
    back = client.put("/api/documents/2/status", json={"status": "in_progress"}, headers=anna)
    assert back.json["status"] == "in_progress"


# --- roles ----------------------------------------------------------------------------------


def test_annotators_cannot_see_or_touch_each_others_spans(client, db, anna, ben):
    start, end = offsets(db, 1, "Allianz")
    span = create(client, anna, label=FRAMING, start=start, end=end).json
    before = snapshot(db)
    url = f"/api/spans/{span['id']}"
    for response in (
        client.get(url, headers=ben),
        client.patch(url, json={"version": 1, "note": "mine now"}, headers=ben),
        client.delete(url, headers=ben),
    ):
        assert response.status_code == 404
        assert response.json == {"error": f"span {span['id']} not found"}
    assert client.get("/api/documents/1/spans", headers=ben).json == []
    forbidden = client.get("/api/documents/1/spans?annotator=anna", headers=ben)
    assert forbidden.status_code == 403
    assert snapshot(db) == before
    # Reusing anna's id answers as a free id does (issue 13, hole 3): ben's own span, anna's kept.
    taken = create(client, ben, id=span["id"], label=FRAMING, start=start, end=end)
    assert taken.status_code == 201 and taken.json["annotator"] == "ben"
    assert taken.json["id"] != span["id"]
    assert client.get(url, headers=anna).json == span


def test_lead_reads_everything_and_writes_only_gold(client, db, anna, ben, lea):
    start, end = offsets(db, 1, "Allianz")
    anna_span = create(client, anna, label=FRAMING, start=start, end=end).json
    ben_span = create(client, ben, label=INTEL, start=start, end=end).json
    gold = create(client, lea, label=FRAMING, start=start, end=end)
    assert gold.status_code == 201 and gold.json["annotator"] == "gold"
    listed = client.get("/api/documents/1/spans", headers=lea).json
    assert {(s["id"], s["annotator"]) for s in listed} == {
        (anna_span["id"], "anna"),
        (ben_span["id"], "ben"),
        (gold.json["id"], "gold"),
    }
    only_ben = client.get("/api/documents/1/spans?annotator=ben", headers=lea).json
    assert [s["id"] for s in only_ben] == [ben_span["id"]]
    only_gold = client.get("/api/documents/1/spans?annotator=gold", headers=lea).json
    assert [s["id"] for s in only_gold] == [gold.json["id"]]
    assert client.get(f"/api/spans/{anna_span['id']}", headers=lea).json == anna_span

    before = snapshot(db)
    url = f"/api/spans/{anna_span['id']}"
    assert client.patch(url, json={"version": 1, "note": "x"}, headers=lea).status_code == 403
    assert client.delete(url, headers=lea).status_code == 403
    assert (
        client.put("/api/documents/1/status", json={"status": "done"}, headers=lea).status_code
        == 403
    )
    assert snapshot(db) == before

    gold_url = f"/api/spans/{gold.json['id']}"
    assert client.patch(gold_url, json={"version": 1, "note": "ok"}, headers=lea).status_code == 200
    # Gold is hidden from annotators like any other layer.
    assert client.get(gold_url, headers=anna).status_code == 404
    assert client.delete(gold_url, headers=anna).status_code == 404
    assert client.delete(gold_url, headers=lea).status_code == 204


def test_anonymous_gets_401_everywhere(client, db):
    before = snapshot(db)
    calls = [
        client.get("/api/documents"),
        client.get("/api/documents/1"),
        client.get("/api/documents/1/spans"),
        client.get("/api/spans/x"),
        client.post("/api/documents/1/spans", json={"label": FRAMING, "start": 0, "end": 3}),
        client.patch("/api/spans/x", json={"version": 1}),
        client.delete("/api/spans/x"),
        client.put("/api/documents/1/status", json={"status": "done"}),
        client.get("/api/documents", headers=bearer("ann_not-a-real-token")),
    ]
    for response in calls:
        assert response.status_code == 401
        assert "error" in response.json
    assert snapshot(db) == before


def test_disabled_users_token_stops_working(client, db, anna):
    assert client.get("/api/documents", headers=anna).status_code == 200
    store.users.set_disabled(db, "anna", True, "test")
    assert client.get("/api/documents", headers=anna).status_code == 401


def test_assignment_hides_documents_from_other_annotators(client, db, anna, ben, lea):
    assign(db, 2, "ben")
    start, end = offsets(db, 2, "Nordkorea")
    assert [d["id"] for d in client.get("/api/documents", headers=anna).json] == [1, 3, 4, 5]
    assert [d["id"] for d in client.get("/api/documents", headers=ben).json] == [1, 2, 3, 4, 5]
    assert len(client.get("/api/documents", headers=lea).json) == 5
    before = snapshot(db)
    for response in (
        client.get("/api/documents/2", headers=anna),
        client.get("/api/documents/2/spans", headers=anna),
        create(client, anna, 2, label=FRAMING, start=start, end=end),
        client.put("/api/documents/2/status", json={"status": "done"}, headers=anna),
    ):
        assert response.status_code == 404 and response.json == {"error": "document 2 not found"}
    assert snapshot(db) == before
    assert create(client, ben, 2, label=FRAMING, start=start, end=end).status_code == 201
    assert client.get("/api/documents/2", headers=lea).status_code == 200


# --- session cookie and CSRF ------------------------------------------------------------------


def test_cookie_writes_need_the_csrf_header(client, db):
    csrf = session_csrf(client, "anna")
    start, end = offsets(db, 1, "Allianz")
    body = {"label": FRAMING, "start": start, "end": end}
    before = snapshot(db)
    refused = client.post("/api/documents/1/spans", json=body)
    assert refused.status_code == 400 and "CSRF" in refused.json["error"]
    wrong = client.post("/api/documents/1/spans", json=body, headers={"X-CSRFToken": "nope"})
    assert wrong.status_code == 400
    assert snapshot(db) == before

    ok = client.post("/api/documents/1/spans", json=body, headers={"X-CSRFToken": csrf})
    assert ok.status_code == 201 and ok.json["annotator"] == "anna"
    url = f"/api/spans/{ok.json['id']}"
    assert client.get(url).status_code == 200  # reads need no token
    patch = {"version": 1, "note": "n"}
    assert client.patch(url, json=patch).status_code == 400
    assert client.patch(url, json=patch, headers={"X-CSRFToken": csrf}).status_code == 200
    status = {"status": "done"}
    assert client.put("/api/documents/1/status", json=status).status_code == 400
    assert (
        client.put(
            "/api/documents/1/status", json=status, headers={"X-CSRFToken": csrf}
        ).status_code
        == 200
    )
    assert client.delete(url).status_code == 400
    assert client.delete(url, headers={"X-CSRFToken": csrf}).status_code == 204


def test_bearer_writes_need_no_csrf(client, db, anna):
    # No cookie, no CSRF token: the Authorization header cannot be sent by a forged form.
    start, end = offsets(db, 1, "Allianz")
    response = create(client, anna, label=FRAMING, start=start, end=end)
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_a_span_of_punctuation_only_is_refused_as_on_the_page(client, db, anna):
    """DESIGN section 6: the API keeps the pages' rules. A span over the dash alone is no span
    (the page refuses it); through the API it was stored with 201, by offsets, by token index
    and by moving a span onto it. Overlong spans stay the pages' question (a client that sends
    offsets chose them)."""
    before = snapshot(db)
    dash = offsets(db, 1, "–")
    for body in ({"start": dash[0], "end": dash[1]}, {"token_start": 3, "token_end": 3}):
        response = create(client, anna, label=FRAMING, **body)
        assert response.status_code == 400
        assert "punctuation only" in response.json["error"]
    assert snapshot(db) == before
    span = create(client, anna, label=FRAMING, token_start=4, token_end=6).json
    kept = snapshot(db)
    moved = client.patch(
        f"/api/spans/{span['id']}", json={"version": 1, "token_start": 3, "token_end": 3},
        headers=anna,
    )  # fmt: skip
    assert moved.status_code == 400 and "punctuation only" in moved.json["error"]
    assert snapshot(db) == kept
    long = create(client, anna, label=INTEL, token_start=0, token_end=90)
    assert long.status_code == 201
