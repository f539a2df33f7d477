"""The audit log replays to the span table, and random request bodies never break the API."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator import store
from annotator.store.events import list_events
from annotator.store.spans import get_span
from tests.conftest import USERS, bearer

LABELS = ("STATE_PROPAGANDA", "INTEL_ESTIMATE", "EDITORIAL_FRAMING")
AGENCIES = ("south_korea", "ukraine", "usa", "nato", "russia", "north_korea", "other")


def replay(db) -> dict[str, dict]:
    """Rebuild every live span from the event log alone, checking each event's `before`."""
    state: dict[str, dict] = {}
    for event in list_events(db, "span"):
        if event.action == "create":
            assert event.before is None and event.entity_id not in state
            state[event.entity_id] = event.after
        elif event.action == "update":
            assert state[event.entity_id] == event.before
            state[event.entity_id] = event.after
        elif event.action == "merge":
            assert state.pop(event.entity_id) == event.before
            assert event.after["merged_into"]  # the survivor's create/update follows
        elif event.action == "delete":
            assert state.pop(event.entity_id) == event.before and event.after is None
        else:
            pytest.fail(f"unexpected span event {event.action}")
    return state


def table(db) -> dict[str, dict]:
    """The span table as the same records the log stores."""
    ids = [r[0] for r in db.conn.execute("SELECT id FROM span").fetchall()]
    return {span_id: get_span(db, span_id).record() for span_id in ids}


def assert_on_token_boundaries(db) -> None:
    """Every stored span starts and ends on its tokens and has no outer whitespace."""
    for span in table(db).values():
        text = store.get_document(db, span["document_id"]).text
        tokens = store.get_tokens(db, span["document_id"])
        assert 0 <= span["token_start"] <= span["token_end"] < len(tokens)
        assert int(tokens.starts[span["token_start"]]) == span["start"]
        assert int(tokens.ends[span["token_end"]]) == span["end"]
        assert 0 <= span["start"] < span["end"] <= len(text)
        covered = text[span["start"] : span["end"]]
        assert covered == covered.strip() and covered


def test_audit_log_reconstructs_every_span(client, db, tokens):
    """A seeded random session of three users through the API; then the log replays exactly."""
    rng = random.Random(20250611)
    headers = {name: bearer(tokens[name]) for name in USERS}
    lengths = {d: len(store.get_document(db, d).text) for d in range(1, 6)}
    for step in range(250):
        name = rng.choice(list(USERS))
        document_id = rng.randint(1, 5)
        mine = client.get(f"/api/documents/{document_id}/spans", headers=headers[name]).json
        own_layer = "gold" if name == "lea" else name
        mine = [s for s in mine if s["annotator"] == own_layer]
        action = rng.random()
        if action < 0.5 or not mine:
            start = rng.randrange(lengths[document_id] - 1)
            body = {
                "label": rng.choice(LABELS),
                "start": start,
                "end": min(lengths[document_id], start + rng.randint(1, 80)),
            }
            if rng.random() < 0.3:
                body["id"] = f"c{rng.randint(0, 30)}"  # ids repeat: retries and collisions
            response = client.post(
                f"/api/documents/{document_id}/spans", json=body, headers=headers[name]
            )
        elif action < 0.85:
            span = rng.choice(mine)
            body = {"version": span["version"] if rng.random() < 0.9 else span["version"] - 1}
            if rng.random() < 0.5:
                body["label"] = rng.choice(LABELS)
            if rng.random() < 0.5:
                body["token_start"] = max(0, span["token_start"] - rng.randint(0, 5))
            if rng.random() < 0.5:
                body["note"] = f"step {step}"
            response = client.patch(f"/api/spans/{span['id']}", json=body, headers=headers[name])
        else:
            span = rng.choice(mine)
            response = client.delete(f"/api/spans/{span['id']}", headers=headers[name])
        assert response.status_code < 500, response.json
    actions = {e.action for e in list_events(db, "span")}
    assert actions == {"create", "update", "merge", "delete"}  # the session exercised them all
    assert replay(db) == table(db)
    assert_on_token_boundaries(db)


# --- random bodies --------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)
offsets = st.integers(-3, 2700) | json_values
token_indices = st.integers(-2, 402) | json_values
attributes = (
    st.fixed_dictionaries(
        {},
        optional={
            "agency": st.sampled_from(AGENCIES) | json_values,
            "speaker": st.text(max_size=8) | json_values,
        },
    )
    | json_values
)
FIELDS = {
    "label": st.sampled_from(LABELS) | json_values,
    "start": offsets,
    "end": offsets,
    "token_start": token_indices,
    "token_end": token_indices,
    "attributes": attributes,
    "note": st.text(max_size=20) | json_values,
}
extra_keys = st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=2)
create_bodies = st.builds(
    lambda body, extra, use_extra: {**body, **extra} if use_extra else body,
    st.fixed_dictionaries(
        {},
        optional={**FIELDS, "id": st.sampled_from(["x1", "x2", "x3"]) | json_values},
    ),
    extra_keys,
    st.booleans(),
)
update_bodies = st.builds(
    lambda body, extra, use_extra: {**body, **extra} if use_extra else body,
    st.fixed_dictionaries(
        {}, optional={**FIELDS, "version": st.sampled_from(["current"]) | json_values}
    ),
    extra_keys,
    st.booleans(),
)
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def check_response(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert isinstance(response.json["error"], str) and response.json["error"]


@FUZZ
@given(body=create_bodies, user=st.sampled_from(["anna", "lea"]))
def test_random_create_bodies(client, db, tokens, body, user):
    response = client.post("/api/documents/1/spans", json=body, headers=bearer(tokens[user]))
    check_response(response)
    if response.status_code in (200, 201):
        assert response.json["annotator"] == ("gold" if user == "lea" else user)
    assert_on_token_boundaries(db)
    assert replay(db) == table(db)


@FUZZ
@given(body=update_bodies, seed_label=st.sampled_from(LABELS))
def test_random_update_bodies(client, db, tokens, body, seed_label):
    anna = bearer(tokens["anna"])
    spans = client.get("/api/documents/1/spans", headers=anna).json
    if not spans:
        created = client.post(
            "/api/documents/1/spans",
            json={"label": seed_label, "token_start": 20, "token_end": 25},
            headers=anna,
        )
        spans = [created.json]
    span = spans[0]
    if body.get("version") == "current":
        body["version"] = span["version"]
    response = client.patch(f"/api/spans/{span['id']}", json=body, headers=anna)
    check_response(response)
    assert_on_token_boundaries(db)
    assert replay(db) == table(db)


@pytest.mark.parametrize(
    "raw",
    [
        r'{"label": "EDITORIAL_FRAMING", "start": 4, "end": 9, "note": "\ud800"}',
        r'{"label": "STATE_PROPAGANDA", "start": 4, "end": 9, "attributes": {"speaker": "\udfff"}}',
        r'{"label": "EDITORIAL_FRAMING", "start": 4, "end": 9, "id": "\ud800"}',
        '{"label": "EDITORIAL_FRAMING", "start": 4, "end": 9, "note": "\u0000"}',
        '{"label": "EDITORIAL_FRAMING", "start": 1e400, "end": 9}',
        '{"label": "EDITORIAL_FRAMING", "start": NaN, "end": Infinity}',
        '{"label": "EDITORIAL_FRAMING", "start": 4, "end": 99999999999999999999999999999}',
        '{"label": "EDITORIAL_FRAMING", "token_start": -99999999999999999999, "token_end": 1}',
    ],
)
def test_awkward_json_never_breaks_create(client, db, tokens, raw):
    response = client.post(
        "/api/documents/1/spans",
        data=raw.encode(),
        content_type="application/json",
        headers=bearer(tokens["anna"]),
    )
    check_response(response)
    json.loads(response.get_data(as_text=True))
    assert_on_token_boundaries(db)
