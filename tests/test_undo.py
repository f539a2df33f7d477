"""services.undo: undo restores exactly the audit event it recorded, from the user's own layer."""

from __future__ import annotations

from annotator.store.spans import get_span, list_spans
from tests.conftest import bearer
from tests.test_pages import PHRASE, create, phrase_tokens, sign_in


def test_undo_restores_my_deleted_span_not_a_reused_id_of_another_layer(app, db, tokens):
    anna = app.test_client()
    headers = sign_in(anna, "anna")
    start, end, first, last = phrase_tokens(db, 1, PHRASE)
    create(anna, headers, 1, "STATE_PROPAGANDA", first, last)
    (mine,) = list_spans(db, 1, "anna")
    anna.post(
        f"/documents/1/spans/{mine.id}", data={"version": 1, "note": "meins"}, headers=headers
    )
    anna.delete(f"/documents/1/spans/{mine.id}?version=2", headers=headers)
    assert get_span(db, mine.id) is None

    # ben takes the freed id for a span of his own, with another label and note, and deletes it
    ben = app.test_client()
    body = {"id": mine.id, "label": "EDITORIAL_FRAMING", "start": start, "end": start + 11}
    made = ben.post(
        "/api/documents/1/spans", json={**body, "note": "bens"}, headers=bearer(tokens["ben"])
    )
    assert made.status_code == 201, made.get_json()
    gone = ben.delete(f"/api/spans/{mine.id}", headers=bearer(tokens["ben"]))
    assert gone.status_code == 204

    undone = anna.post("/documents/1/undo", headers=headers)
    assert undone.status_code == 200, undone.get_data(as_text=True)
    (back,) = list_spans(db, 1, "anna")
    assert (back.id, back.label, back.start, back.end, back.note) == (
        mine.id,
        "STATE_PROPAGANDA",
        start,
        end,
        "meins",
    )
    assert list_spans(db, 1, "ben") == []


def test_undo_of_a_change_elsewhere_answers_409_and_is_not_retried(app, db):
    anna = app.test_client()
    headers = sign_in(anna, "anna")
    _, _, first, last = phrase_tokens(db, 1, PHRASE)
    create(anna, headers, 1, "STATE_PROPAGANDA", first, last)
    (span,) = list_spans(db, 1, "anna")
    other_tab = app.test_client()
    other_headers = sign_in(other_tab, "anna")
    other_tab.post(
        f"/documents/1/spans/{span.id}", data={"version": 1, "note": "x"}, headers=other_headers
    )
    first_press = anna.post("/documents/1/undo", headers=headers)
    assert first_press.status_code == 409
    second_press = anna.post("/documents/1/undo", headers=headers)
    assert second_press.status_code == 400  # nothing left to undo, not the same 409 again
    assert list_spans(db, 1, "anna")[0].note == "x"
