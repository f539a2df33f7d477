"""Issue 15: feedback after adjudication (release, classes, scores, blindness route by route)."""

from __future__ import annotations

import pytest

from annotator.core.labels import load_label_scheme
from annotator.services.adjudication import change_gold_status
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.services.feedback import release_document
from annotator.store.users import get_user
from tests.conftest import login

SCHEME = load_label_scheme()
FRAMING, INTEL, STATE = "EDITORIAL_FRAMING", "INTEL_ESTIMATE", "STATE_PROPAGANDA"
# Token ranges on document 1: anna's spans against gold, one of each class.
GOLD = [(FRAMING, 5, 9), (INTEL, 20, 25), (STATE, 40, 44), (FRAMING, 80, 84)]
ANNA = {
    "matched": (FRAMING, 5, 9),
    "boundary": (INTEL, 21, 27),
    "label": (FRAMING, 40, 42),
    "extra": (STATE, 60, 63),
}
BEN_ONLY = (STATE, 100, 104)  # ben's own span, where nobody else has one


def span(db, name, document_id, label, ts, te, span_id=None):
    user = get_user(db, name)
    made, _ = create_span(
        db, SCHEME, user, document_id, SpanInput(label, token_start=ts, token_end=te, id=span_id)
    )
    return made


@pytest.fixture
def adjudicated(db):
    """Document 1: anna's four spans, ben's one, gold's four, both done, gold adjudicated."""
    for cls, (label, ts, te) in ANNA.items():
        span(db, "anna", 1, label, ts, te, span_id=f"anna-{cls}")
    span(db, "ben", 1, *BEN_ONLY, span_id="ben-only")
    for label, ts, te in GOLD:
        span(db, "lea", 1, label, ts, te)
    for name in ("anna", "ben"):
        set_document_status(db, get_user(db, name), 1, "done")
    change_gold_status(db, get_user(db, "lea"), 1, "adjudicated", confirmed=True)
    return db


def test_release_refuses_a_document_that_is_not_adjudicated(client, db):
    token = login(client, "lea")
    response = client.post("/api/documents/2/release", headers={"X-CSRFToken": token})
    assert response.status_code == 409
    assert "not adjudicated" in response.json["error"]
    assert db.conn.execute("SELECT COUNT(*) FROM feedback_release").fetchone()[0] == 0


def test_nothing_is_shown_before_release_route_by_route(client, adjudicated):
    login(client, "anna")
    for url in ("/api/documents/1/feedback", "/documents/1/feedback"):
        response = client.get(url)
        assert response.status_code == 404, url
        body = response.get_data(as_text=True)
        assert "matched" not in body and "missed" not in body.replace("missed:", "")
    queue = client.get("/").get_data(as_text=True)
    assert "/documents/1/feedback" not in queue
    assert "No feedback yet" in queue


def test_feedback_classes_missed_and_scores_after_release(client, adjudicated):
    token = login(client, "lea")
    response = client.post(
        "/api/documents/1/release",
        json={"note": "INTEL includes the attribution"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200, response.json
    login(client, "anna")
    feedback = client.get("/api/documents/1/feedback").json
    assert feedback["document_id"] == 1
    by_class = {s["class"]: s for s in feedback["spans"]}
    assert sorted(by_class) == ["boundary", "extra", "label", "matched"]
    assert set(feedback["spans"][0]) == {"start", "end", "label", "class"}
    assert by_class["matched"]["label"] == FRAMING
    assert by_class["label"]["label"] == FRAMING  # anna's label, where gold has STATE
    # The gold FRAMING at tokens 80-84 has nothing of anna's there.
    assert [m["label"] for m in feedback["missed"]] == [FRAMING]
    # FRAMING: anna 2 spans (5-9 matched, 40-42 other label), gold 2 (5-9, 80-84): p = r = 1/2.
    assert feedback["scores"][FRAMING] == {"p": 0.5, "r": 0.5, "f": 0.5}
    # INTEL: 21-27 overlaps gold 20-25: found. STATE: anna's 60-63 is extra, gold's 40-44 missed.
    assert feedback["scores"][INTEL] == {"p": 1.0, "r": 1.0, "f": 1.0}
    assert feedback["scores"][STATE] == {"p": 0.0, "r": 0.0, "f": 0.0}
    page = client.get("/documents/1/feedback").get_data(as_text=True)
    assert "INTEL includes the attribution" in page
    for cls in ("matched", "boundary", "label", "extra", "missed"):
        assert f'data-class="{cls}"' in page


def test_feedback_never_holds_another_annotators_layer(client, adjudicated, db):
    release_document(db, get_user(db, "lea"), 1)
    ben_span = span(db, "ben", 1, INTEL, 120, 122, span_id="ben-second")
    login(client, "anna")
    for url in ("/api/documents/1/feedback", "/documents/1/feedback", "/"):
        body = client.get(url).get_data(as_text=True)
        assert "ben-only" not in body and "ben-second" not in body, url
    feedback = client.get("/api/documents/1/feedback").json
    places = {(s["start"], s["end"]) for s in feedback["spans"] + feedback["missed"]}
    assert (ben_span.start, ben_span.end) not in places


def test_feedback_only_for_an_annotator_who_finished(client, adjudicated, db):
    release_document(db, get_user(db, "lea"), 1)
    set_document_status(db, get_user(db, "ben"), 1, "in_progress")
    login(client, "ben")
    assert client.get("/api/documents/1/feedback").status_code == 404
    assert client.get("/documents/1/feedback").status_code == 404
    lead = login(client, "lea")
    assert lead and client.get("/api/documents/1/feedback").status_code == 403


def test_reopened_gold_hides_feedback_again(client, adjudicated, db):
    lea = get_user(db, "lea")
    release_document(db, lea, 1)
    login(client, "anna")
    assert client.get("/api/documents/1/feedback").status_code == 200
    change_gold_status(db, lea, 1, "in_progress")
    assert client.get("/api/documents/1/feedback").status_code == 404


def test_queue_shows_scores_over_released_documents(client, adjudicated, db):
    release_document(db, get_user(db, "lea"), 1)
    login(client, "anna")
    html = client.get("/").get_data(as_text=True)
    assert 'id="queue-scores"' in html
    assert "/documents/1/feedback" in html
    assert "Over 1 released document" in html


def test_release_all_releases_every_adjudicated_document_with_audit(client, adjudicated, db):
    lea = get_user(db, "lea")
    set_document_status(db, get_user(db, "anna"), 2, "done")
    change_gold_status(db, lea, 2, "adjudicated", confirmed=True)
    token = login(client, "lea")
    response = client.post(
        "/review/release-all", data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "released feedback on 2 documents" in response.get_data(as_text=True)
    rows = db.conn.execute("SELECT document_id FROM feedback_release ORDER BY 1").fetchall()
    assert rows == [(1,), (2,)]
    events = db.conn.execute("SELECT COUNT(*) FROM event WHERE action = 'release'").fetchone()
    assert events[0] == 2


def test_release_needs_the_csrf_token(client, adjudicated, db):
    login(client, "lea")
    response = client.post("/review/documents/1/release", data={"note": "x"})
    assert response.status_code == 400
    assert db.conn.execute("SELECT COUNT(*) FROM feedback_release").fetchone()[0] == 0


def test_release_note_must_be_text(client, adjudicated):
    token = login(client, "lea")
    response = client.post(
        "/api/documents/1/release", json={"note": 5}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 400 and "note" in response.json["error"]


def test_gold_notes_copied_from_another_layer_stay_hidden(client, adjudicated, db):
    """Accepting ben's span copies his note into gold; anna's feedback must not show it."""
    from annotator.services.adjudication import accept_span

    lea = get_user(db, "lea")
    bens, _ = create_span(
        db,
        SCHEME,
        get_user(db, "ben"),
        1,
        SpanInput(INTEL, token_start=140, token_end=142, note="ben-private-note", id="ben-noted"),
    )
    change_gold_status(db, lea, 1, "in_progress")
    accept_span(db, SCHEME, lea, 1, bens.id)  # the stored id: "ben-noted" is ben's own name for it
    change_gold_status(db, lea, 1, "adjudicated", confirmed=True)
    release_document(db, lea, 1)
    login(client, "anna")
    for url in ("/api/documents/1/feedback", "/documents/1/feedback"):
        assert "ben-private-note" not in client.get(url).get_data(as_text=True), url
