"""The span domain layer (annotations.py) and token snapping (snapping.py), without HTTP."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator import store
from annotator.core.errors import AppError
from annotator.core.labels import load_label_scheme
from annotator.core.snapping import SnapError, snap_to_tokens, snap_token_range
from annotator.services.annotations import (
    SpanInput,
    create_span,
    delete_span_by_id,
    fresh_span_id,
    layer_span_id,
    restore_span,
    set_document_status,
    spans_for,
    update_span_fields,
)
from annotator.store.assignments import assign, documents_for_annotator, is_assigned
from annotator.store.events import list_events
from annotator.store.spans import count_spans, get_span
from annotator.store.statuses import get_status
from annotator.store.users import get_user

FRAMING, INTEL, QUOTE = "EDITORIAL_FRAMING", "INTEL_ESTIMATE", "STATE_PROPAGANDA"


@pytest.fixture
def scheme():
    return load_label_scheme(None)


@pytest.fixture
def users(db):
    return {name: get_user(db, name) for name in ("lea", "anna", "ben")}


def text_of(db, document_id: int) -> str:
    return store.get_document(db, document_id).text


def span_at(db, document_id: int, phrase: str) -> tuple[int, int]:
    """The offsets of `phrase` in the stored text, found independently of the tokenizer."""
    text = text_of(db, document_id)
    start = text.index(phrase)
    return start, start + len(phrase)


# --- snapping -------------------------------------------------------------------------------


def test_partial_word_widens_to_the_whole_token(db, scheme, users):
    start, end = span_at(db, 1, "Jong-uns Befehl")
    # "ong-uns Bef": both ends inside words.
    span, created = create_span(
        db, scheme, users["anna"], 1, SpanInput(FRAMING, start + 1, end - 3)
    )
    assert created
    assert (span.start, span.end) == (start, end)
    assert text_of(db, 1)[span.start : span.end] == "Jong-uns Befehl"


def test_leading_and_trailing_whitespace_is_trimmed(db, scheme, users):
    text = text_of(db, 1)
    start, end = span_at(db, 1, "Westen")
    assert text[end] == "\n" and text[start - 1] == " "
    span, _ = create_span(db, scheme, users["anna"], 1, SpanInput(FRAMING, start - 1, end + 1))
    assert text[span.start : span.end] == "Westen"


def test_whitespace_inside_a_span_stays(db, scheme, users):
    start, end = span_at(db, 1, "Westen\nDie")
    span, _ = create_span(db, scheme, users["anna"], 1, SpanInput(FRAMING, start, end))
    assert (span.start, span.end) == (start, end)


def test_a_range_of_only_whitespace_tokens_is_refused(db, scheme, users):
    text = text_of(db, 3)
    assert text.startswith("\n\n\n\n") and not text[4].isspace()
    before = count_spans(db)
    with pytest.raises(AppError, match="whitespace") as exc:
        create_span(db, scheme, users["anna"], 3, SpanInput(FRAMING, 1, 3))
    assert exc.value.status == 400
    assert count_spans(db) == before and list_events(db, "span") == []


def test_token_range_drops_whitespace_tokens_at_its_ends(db, scheme, users):
    tokens = store.get_tokens(db, 1)
    text = text_of(db, 1)
    newline = next(i for i in range(len(tokens)) if text[tokens.starts[i] : tokens.ends[i]] == "\n")
    span, _ = create_span(
        db, scheme, users["anna"], 1, SpanInput(FRAMING, token_start=newline, token_end=newline + 1)
    )
    assert (span.token_start, span.token_end) == (newline + 1, newline + 1)
    assert (
        text[span.start : span.end] == text[tokens.starts[newline + 1] : tokens.ends[newline + 1]]
    )


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(5, 5, "less than"), (9, 3, "less than"), (-1, 4, "negative"), (0, 10**9, "past the end")],
)
def test_impossible_offsets(db, scheme, users, start, end, message):
    with pytest.raises(AppError, match=message):
        create_span(db, scheme, users["anna"], 1, SpanInput(FRAMING, start, end))
    assert count_spans(db) == 0


def test_token_range_outside_the_document(db):
    tokens = store.get_tokens(db, 1)
    with pytest.raises(SnapError):
        snap_token_range(tokens.starts, tokens.ends, tokens.space, 0, len(tokens))
    with pytest.raises(SnapError):
        snap_token_range(tokens.starts, tokens.ends, tokens.space, 3, 2)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_snapping_is_the_smallest_token_cover_of_the_selection(data, db):
    """Independent check: the result lies on token edges, covers the stripped selection, and no
    edge token can be dropped without uncovering it (the database is only read)."""
    document_id = data.draw(st.integers(1, 5))
    text = text_of(db, document_id)
    tokens = store.get_tokens(db, document_id)
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, min(len(text), start + 200)))
    selection = text[start:end]
    if not selection.strip():
        with pytest.raises(SnapError):
            snap_to_tokens(tokens.starts, tokens.ends, tokens.space, len(text), start, end)
        return
    snapped = snap_to_tokens(tokens.starts, tokens.ends, tokens.space, len(text), start, end)
    # The import snaps on lists (bisect): the same answer as on the stored arrays.
    columns = (tokens.starts.tolist(), tokens.ends.tolist(), tokens.space.tolist())
    assert snap_to_tokens(*columns, len(text), start, end) == snapped
    core_start = start + len(selection) - len(selection.lstrip())
    core_end = end - (len(selection) - len(selection.rstrip()))
    starts, ends = list(map(int, tokens.starts)), list(map(int, tokens.ends))
    assert starts[snapped.token_start] == snapped.start
    assert ends[snapped.token_end] == snapped.end
    assert snapped.start <= core_start and core_end <= snapped.end
    span_text = text[snapped.start : snapped.end]
    assert span_text == span_text.strip()
    # Minimal: the first token reaches into the selection's core, and so does the last.
    assert ends[snapped.token_start] > core_start
    assert starts[snapped.token_end] < core_end


# --- merging, versions, events ----------------------------------------------------------------


def test_overlapping_spans_of_one_label_merge_into_one(db, scheme, users):
    a_start, _ = span_at(db, 1, "Kim Jong-uns Befehl")
    _, b_end = span_at(db, 1, "Befehl – eine Allianz")
    first, _ = create_span(db, scheme, users["anna"], 1, SpanInput(FRAMING, a_start, a_start + 12))
    second, _ = create_span(db, scheme, users["anna"], 1, SpanInput(FRAMING, a_start + 13, b_end))
    assert count_spans(db, "anna") == 2  # adjacent, not overlapping: both stay
    third, _ = create_span(db, scheme, users["anna"], 1, SpanInput(FRAMING, a_start + 5, b_end - 3))
    (only,) = spans_for(db, users["anna"], 1)
    assert only.id == third.id
    assert (only.start, only.end) == (a_start, b_end)
    merges = [e for e in list_events(db, "span") if e.action == "merge"]
    assert {e.entity_id for e in merges} == {first.id, second.id}
    assert all(e.after == {"merged_into": third.id} for e in merges)
    assert {e.before["id"] for e in merges} == {first.id, second.id}


def test_other_labels_and_other_annotators_do_not_merge(db, scheme, users):
    start, end = span_at(db, 1, "Kim Jong-uns Befehl")
    create_span(db, scheme, users["anna"], 1, SpanInput(FRAMING, start, end))
    create_span(db, scheme, users["anna"], 1, SpanInput(QUOTE, start, end))
    create_span(db, scheme, users["ben"], 1, SpanInput(FRAMING, start, end))
    create_span(db, scheme, users["lea"], 1, SpanInput(FRAMING, start, end))
    assert count_spans(db) == 4
    assert count_spans(db, "gold") == 1  # the lead wrote the gold layer


def test_client_id_is_idempotent(db, scheme, users):
    start, end = span_at(db, 1, "Allianz")
    data = SpanInput(FRAMING, start, end, id="client-1")
    first, created = create_span(db, scheme, users["anna"], 1, data)
    again, created_again = create_span(db, scheme, users["anna"], 1, data)
    assert created and not created_again
    assert again.id == first.id == layer_span_id("anna", "client-1")
    assert count_spans(db) == 1 and len(list_events(db, "span")) == 1
    # The same id in another layer is that layer's own id: nothing of anna's is read or touched.
    bens, created = create_span(db, scheme, users["ben"], 1, data)
    assert created and bens.annotator == "ben" and bens.id != first.id
    assert count_spans(db) == 2


def test_update_bumps_version_and_stale_version_changes_nothing(db, scheme, users):
    start, end = span_at(db, 1, "Allianz")
    span, _ = create_span(db, scheme, users["anna"], 1, SpanInput(INTEL, start, end))
    updated = update_span_fields(
        db, scheme, users["anna"], span.id, {"version": 1, "attributes": {"agency": "nato"}}
    )
    assert updated.version == 2 and get_span(db, span.id).attributes == {"agency": "nato"}
    with pytest.raises(AppError) as exc:
        update_span_fields(db, scheme, users["anna"], span.id, {"version": 1, "note": "late"})
    assert exc.value.status == 409
    assert get_span(db, span.id).note == "" and get_span(db, span.id).version == 2


def test_changing_one_token_index_keeps_the_other(db, scheme, users):
    start, end = span_at(db, 1, "eine Allianz gegen")
    span, _ = create_span(db, scheme, users["anna"], 1, SpanInput(FRAMING, start, end))
    moved = update_span_fields(
        db, scheme, users["anna"], span.id, {"version": 1, "token_start": span.token_start + 1}
    )
    assert text_of(db, 1)[moved.start : moved.end] == "Allianz gegen"
    assert moved.token_end == span.token_end


def test_label_change_drops_attributes_the_new_label_lacks(db, scheme, users):
    start, end = span_at(db, 1, "Allianz")
    span, _ = create_span(
        db, scheme, users["anna"], 1, SpanInput(INTEL, start, end, attributes={"agency": "usa"})
    )
    changed = update_span_fields(db, scheme, users["anna"], span.id, {"version": 1, "label": QUOTE})
    assert changed.label == QUOTE and changed.attributes == {}


def test_delete_keeps_the_deleted_record_in_the_log(db, scheme, users):
    start, end = span_at(db, 1, "Allianz")
    span, _ = create_span(db, scheme, users["anna"], 1, SpanInput(FRAMING, start, end, note="n"))
    with pytest.raises(AppError) as exc:
        delete_span_by_id(db, users["anna"], span.id, version=7)
    assert exc.value.status == 409 and get_span(db, span.id) is not None
    delete_span_by_id(db, users["anna"], span.id)
    assert get_span(db, span.id) is None
    last = list_events(db, "span", span.id)[-1]
    assert last.action == "delete" and last.after is None
    assert last.before["note"] == "n" and last.before["start"] == start


def test_blind_layers(db, scheme, users):
    start, end = span_at(db, 1, "Allianz")
    anna_span, _ = create_span(db, scheme, users["anna"], 1, SpanInput(FRAMING, start, end))
    for call in (
        lambda: update_span_fields(db, scheme, users["ben"], anna_span.id, {"version": 1}),
        lambda: delete_span_by_id(db, users["ben"], anna_span.id),
    ):
        with pytest.raises(AppError) as exc:
            call()
        assert exc.value.status == 404
    with pytest.raises(AppError) as exc:
        delete_span_by_id(db, users["lea"], anna_span.id)
    assert exc.value.status == 403
    assert [s.id for s in spans_for(db, users["lea"], 1)] == [anna_span.id]
    assert spans_for(db, users["ben"], 1) == []
    with pytest.raises(AppError) as exc:
        spans_for(db, users["ben"], 1, "anna")
    assert exc.value.status == 403


def test_first_span_starts_the_document_and_status_is_logged(db, scheme, users):
    start, end = span_at(db, 1, "Allianz")
    assert get_status(db, 1, "anna") is None
    create_span(db, scheme, users["anna"], 1, SpanInput(FRAMING, start, end))
    assert get_status(db, 1, "anna") == "in_progress"
    set_document_status(db, users["anna"], 1, "done")
    set_document_status(db, users["anna"], 1, "done")  # no change, no event
    events = list_events(db, "status", "1:anna")
    assert [(e.before, e.after) for e in events] == [
        (None, {"status": "in_progress"}),
        ({"status": "in_progress"}, {"status": "done"}),
    ]
    with pytest.raises(AppError) as exc:
        set_document_status(db, users["lea"], 1, "done")
    assert exc.value.status == 403
    with pytest.raises(AppError):
        set_document_status(db, users["anna"], 1, "finished")


def test_assignment_limits_which_annotators_reach_a_document(db, scheme, users):
    assign(db, 2, "ben")
    assert is_assigned(db, 2, "ben") and not is_assigned(db, 2, "anna") and is_assigned(db, 1, "x")
    assert [d.id for d in documents_for_annotator(db, "anna")] == [1, 3, 4, 5]
    assert [d.id for d in documents_for_annotator(db, "ben")] == [1, 2, 3, 4, 5]
    start, end = span_at(db, 2, "Nordkorea")
    with pytest.raises(AppError) as exc:
        create_span(db, scheme, users["anna"], 2, SpanInput(FRAMING, start, end))
    assert exc.value.status == 404
    create_span(db, scheme, users["ben"], 2, SpanInput(FRAMING, start, end))
    create_span(db, scheme, users["lea"], 2, SpanInput(FRAMING, start, end))
    assert count_spans(db) == 2


def test_restored_span_continues_its_version(db):
    """Undo of a delete: the span comes back with version + 1, so a client that still holds the
    version from before the delete gets 409 instead of overwriting the restored span."""
    scheme, anna = load_label_scheme(), get_user(db, "anna")
    span, _ = create_span(
        db, scheme, anna, 1, SpanInput("STATE_PROPAGANDA", token_start=5, token_end=7)
    )
    span = update_span_fields(db, scheme, anna, span.id, {"version": 1, "note": "zwei"})
    deleted = delete_span_by_id(db, anna, span.id)
    restored = restore_span(db, scheme, anna, deleted.record())
    assert (restored.id, restored.version, restored.note) == (span.id, 3, "zwei")
    with pytest.raises(AppError) as stale:
        update_span_fields(db, scheme, anna, span.id, {"version": 2, "note": "alt"})
    assert stale.value.status == 409


def test_span_ids_are_time_ordered_uuids():
    import uuid

    ids = [fresh_span_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for span_id in ids[:50]:
        parsed = uuid.UUID(span_id)
        assert str(parsed) == span_id
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    # the first 48 bits are Unix milliseconds of now: later ids never sort before earlier ones
    millis = [uuid.UUID(i).int >> 80 for i in ids]
    assert millis == sorted(millis)
    assert abs(millis[-1] - time.time() * 1000) < 60_000


def test_span_record_is_every_field_as_asdict_copies_it():
    from dataclasses import asdict

    from annotator.core.records import Span

    span = Span(
        fresh_span_id(), 3, "anna", QUOTE, 4, 9, 1, 2,
        attributes={"speaker": "KCNA", "tags": ["a", {"b": 1}]},
        note="prüfen", scheme_version=2,
        origin={"kind": "suggestion", "source": "patterns", "edited": False},
    )  # fmt: skip
    record = span.record()
    assert record == asdict(span) and list(record) == list(asdict(span))
    record["attributes"]["tags"][1]["b"] = 2
    record["origin"]["edited"] = True
    assert span.attributes["tags"][1] == {"b": 1} and span.origin["edited"] is False
