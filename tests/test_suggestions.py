"""Suggestions (issue 17): stored apart, shown only when on, accepted through the span path,
rejected on record; provenance in the API, export, import and audit; honest agreement."""

from __future__ import annotations

import json
import re

import jsonschema

from annotator.core.labels import load_label_scheme
from annotator.formats.export_record import write_jsonl
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.services.exports import export_records
from annotator.services.imports import import_paths
from annotator.services.reports import build_agreement_report
from annotator.services.suggestions import ProposedSpan, store_proposals, switch_source
from annotator.store.events import list_events
from annotator.store.spans import get_span, list_spans
from annotator.store.users import get_user
from tests.conftest import ROOT, bearer
from tests.test_pages import PHRASE, phrase_tokens, sign_in

SCHEME = load_label_scheme()
FRAMING = "EDITORIAL_FRAMING"
STATE = "STATE_PROPAGANDA"


def suggest(db, document_id, label, start, end, source="patterns", score=0.8):
    """Store one suggestion through the service; its stored form."""
    (stored,) = store_proposals(
        db, SCHEME, document_id, source, [ProposedSpan(label, start, end, score)]
    )
    return stored


def switch_on(db, source="patterns"):
    switch_source(db, get_user(db, "lea"), source, True)


# --- visibility: off by default ----------------------------------------------------------------


def test_annotators_see_no_suggestions_until_a_lead_switches_the_source_on(client, db, tokens):
    start, end, _, _ = phrase_tokens(db, 1, PHRASE)
    stored = suggest(db, 1, STATE, start, end)
    anna = bearer(tokens["anna"])
    off = client.get("/api/documents/1/suggestions", headers=anna)
    assert off.status_code == 403 and "off" in off.json["error"]
    assert client.post(f"/api/suggestions/{stored.id}/accept", headers=anna).status_code == 404
    lead = client.get("/api/documents/1/suggestions", headers=bearer(tokens["lea"]))
    assert lead.status_code == 200 and [s["id"] for s in lead.json] == [stored.id]
    # the page draws nothing for anna while off
    sign_in(client, "anna")
    assert 'data-sg="' not in client.get("/documents/1").get_data(as_text=True)

    switch_on(db)
    listed = client.get("/api/documents/1/suggestions", headers=anna)
    assert listed.status_code == 200
    assert listed.json == [
        {
            "id": stored.id,
            "label": STATE,
            "start": start,
            "end": end,
            "token_start": stored.token_start,
            "token_end": stored.token_end,
            "source": "patterns",
            "score": 0.8,
        }
    ]
    page = client.get("/documents/1").get_data(as_text=True)
    assert f'data-sg="{stored.id}"' in page and 'id="sg-threshold"' in page


def test_another_source_stays_hidden_while_only_one_is_on(client, db, tokens):
    start, end, _, _ = phrase_tokens(db, 1, PHRASE)
    shown = suggest(db, 1, STATE, start, end, source="patterns")
    hidden = suggest(db, 1, FRAMING, start, end, source="llm")
    switch_on(db, "patterns")
    anna = bearer(tokens["anna"])
    listed = client.get("/api/documents/1/suggestions", headers=anna).json
    assert [s["id"] for s in listed] == [shown.id]
    assert client.post(f"/api/suggestions/{hidden.id}/accept", headers=anna).status_code == 404


# --- push ------------------------------------------------------------------------------------


def test_a_service_with_a_lead_token_pushes_suggestions_snapped_to_tokens(client, db, tokens):
    start, end, first, last = phrase_tokens(db, 1, PHRASE)
    body = {
        "source": "colleague-tagger",
        "spans": [{"label": STATE, "start": start + 2, "end": end - 1, "score": 0.4}],
    }
    # an annotator may not push, in the browser or with a token (their spans would reach the
    # others as suggestions: a way around blindness); a service with the lead's token may
    sign_in(client, "anna")
    refused = client.post(
        "/api/documents/1/suggestions", json=body, headers={"X-CSRFToken": client_csrf(client)}
    )
    assert refused.status_code == 403
    by_token = client.post(
        "/api/documents/1/suggestions", json=body, headers=bearer(tokens["anna"])
    )
    assert by_token.status_code == 403
    made = client.post("/api/documents/1/suggestions", json=body, headers=bearer(tokens["lea"]))
    assert made.status_code == 201, made.json
    (one,) = made.json
    assert (one["start"], one["end"], one["token_start"], one["token_end"]) == (
        start,
        end,
        first,
        last,
    )
    assert one["source"] == "colleague-tagger" and one["score"] == 0.4
    # the same place again is the same suggestion (no duplicate)
    again = client.post("/api/documents/1/suggestions", json=body, headers=bearer(tokens["lea"]))
    assert [s["id"] for s in again.json] == [one["id"]]
    assert list_spans(db, 1) == []  # never in anyone's layer


def client_csrf(client) -> str:
    from tests.conftest import csrf_token_of

    return csrf_token_of(client.get("/").get_data(as_text=True))


def test_bad_pushes_are_400_naming_the_field(client, db, tokens):
    lead = bearer(tokens["lea"])
    cases = [
        ({"spans": []}, "source"),
        ({"source": "x", "spans": {}}, "spans"),
        ({"source": "x", "spans": [{"label": STATE, "start": 0}]}, "spans[0].end"),
        ({"source": "x", "spans": [{"label": "NOPE", "start": 0, "end": 5}]}, "unknown label"),
        ({"source": "x", "spans": [{"label": STATE, "start": 0, "end": 5, "score": 2}]}, "score"),
        ({"source": "x", "spans": [{"label": STATE, "start": 0, "end": 10**9}]}, "spans[0]"),
        ({"source": "x", "spans": [{"label": STATE, "start": 0, "end": 5, "x": 1}]}, "'x'"),
        ({"source": "x", "spans": [], "extra": 1}, "extra"),
    ]
    for body, named in cases:
        response = client.post("/api/documents/1/suggestions", json=body, headers=lead)
        assert response.status_code == 400, (body, response.status_code)
        assert named in response.json["error"], (body, response.json)
    assert db.conn.execute("SELECT COUNT(*) FROM suggestion").fetchone()[0] == 0
    assert (
        client.post(
            "/api/documents/999/suggestions", json={"source": "x", "spans": []}, headers=lead
        ).status_code
        == 404
    )


# --- accept and reject -------------------------------------------------------------------------


def test_accepting_creates_a_span_with_its_origin_through_the_span_path(client, db, tokens):
    start, end, first, last = phrase_tokens(db, 1, PHRASE)
    stored = suggest(db, 1, STATE, start, end)
    switch_on(db)
    anna = bearer(tokens["anna"])
    made = client.post(f"/api/suggestions/{stored.id}/accept", headers=anna)
    assert made.status_code == 201, made.json
    span = made.json
    assert span["origin"] == {"kind": "suggestion", "source": "patterns", "edited": False}
    assert (span["token_start"], span["token_end"], span["label"]) == (first, last, STATE)
    assert client.get(f"/api/spans/{span['id']}", headers=anna).json["origin"] == span["origin"]
    # the audit log has it; the document is in progress for anna
    (event,) = [e for e in list_events(db) if e.entity_id == span["id"]]
    assert event.after["origin"] == span["origin"]
    assert client.get("/api/documents", headers=anna).json[0]["status"] == "in_progress"
    # decided: no longer listed to anna, accepting twice is 409, rejecting now too
    assert client.get("/api/documents/1/suggestions", headers=anna).json == []
    assert client.post(f"/api/suggestions/{stored.id}/accept", headers=anna).status_code == 409
    assert client.post(f"/api/suggestions/{stored.id}/reject", headers=anna).status_code == 409
    # ben still sees it, and his layer is untouched
    assert [
        s["id"]
        for s in client.get("/api/documents/1/suggestions", headers=bearer(tokens["ben"])).json
    ] == [stored.id]
    assert list_spans(db, 1, "ben") == []

    # changing the boundaries marks it edited; back at the suggestion's place it is not
    moved = client.patch(
        f"/api/spans/{span['id']}", json={"version": 1, "token_start": first + 1}, headers=anna
    )
    assert moved.json["origin"]["edited"] is True
    back = client.patch(
        f"/api/spans/{span['id']}", json={"version": 2, "token_start": first}, headers=anna
    )
    assert back.json["origin"]["edited"] is False
    relabel = client.patch(
        f"/api/spans/{span['id']}", json={"version": 3, "label": FRAMING}, headers=anna
    )
    assert relabel.json["origin"] == {"kind": "suggestion", "source": "patterns", "edited": True}


def test_accepting_merges_with_an_own_overlap_and_counts_as_edited(client, db, tokens):
    start, end, first, last = phrase_tokens(db, 1, PHRASE)
    anna_user = get_user(db, "anna")
    create_span(db, SCHEME, anna_user, 1, SpanInput(STATE, token_start=first - 3, token_end=first))
    stored = suggest(db, 1, STATE, start, end)
    switch_on(db)
    made = client.post(f"/api/suggestions/{stored.id}/accept", headers=bearer(tokens["anna"]))
    assert made.status_code == 201
    assert made.json["token_start"] == first - 3 and made.json["origin"]["edited"] is True
    assert len(list_spans(db, 1, "anna")) == 1


def test_rejecting_is_recorded_and_hides_it_from_that_annotator_only(client, db, tokens):
    start, end, _, _ = phrase_tokens(db, 1, PHRASE)
    stored = suggest(db, 1, STATE, start, end)
    switch_on(db)
    anna = bearer(tokens["anna"])
    assert client.get("/api/documents/1/suggestions", headers=anna).status_code == 200  # shown
    gone = client.post(f"/api/suggestions/{stored.id}/reject", headers=anna)
    assert gone.status_code == 204 and gone.data == b""
    assert client.get("/api/documents/1/suggestions", headers=anna).json == []
    row = db.conn.execute(
        "SELECT decision FROM suggestion_decision WHERE suggestion_id = ? AND annotator = 'anna'",
        [stored.id],
    ).fetchone()
    assert row == ("rejected",)
    assert any(e.action == "reject" and e.entity == "suggestion" for e in list_events(db))
    assert list_spans(db, 1) == []
    assert client.post("/api/suggestions/99999/reject", headers=anna).status_code == 404


def test_page_accept_is_one_undo_step_and_the_boundary_change_another(client, db):
    start, end, first, last = phrase_tokens(db, 1, PHRASE)
    stored = suggest(db, 1, STATE, start, end)
    switch_on(db)
    headers = sign_in(client, "anna")
    accepted = client.post(f"/documents/1/suggestions/{stored.id}/accept", headers=headers)
    assert accepted.status_code == 201, accepted.get_data(as_text=True)
    body = accepted.get_data(as_text=True)
    assert "<html" not in body and accepted.headers["HX-Trigger"] == "spansChanged"
    assert f'data-sg="{stored.id}"' not in body  # re-rendered without the decided suggestion
    (span,) = list_spans(db, 1, "anna")
    assert span.origin == {"kind": "suggestion", "source": "patterns", "edited": False}

    moved = client.post(
        f"/documents/1/spans/{span.id}",
        data={"version": 1, "token_start": first, "token_end": last + 2},
        headers=headers,
    )
    assert moved.status_code == 200
    assert get_span(db, span.id).origin["edited"] is True

    client.post("/documents/1/undo", headers=headers)  # undoes the boundary change only
    restored = get_span(db, span.id)
    assert (restored.token_start, restored.token_end) == (first, last)
    assert restored.origin["edited"] is False
    undone = client.post("/documents/1/undo", headers=headers)  # undoes the acceptance
    assert list_spans(db, 1, "anna") == []
    # the suggestion is open again and drawn again
    assert f'data-sg="{stored.id}"' in undone.get_data(as_text=True)
    decision = db.conn.execute(
        "SELECT decision FROM suggestion_decision WHERE suggestion_id = ?", [stored.id]
    ).fetchone()
    assert decision == (None,)


def test_page_reject_and_a_suggestion_of_another_document_is_404(client, db):
    start, end, _, _ = phrase_tokens(db, 1, PHRASE)
    stored = suggest(db, 1, STATE, start, end)
    switch_on(db)
    headers = sign_in(client, "anna")
    assert (
        client.post(f"/documents/2/suggestions/{stored.id}/reject", headers=headers).status_code
        == 404
    )
    rejected = client.post(f"/documents/1/suggestions/{stored.id}/reject", headers=headers)
    assert rejected.status_code == 200 and "rejected" in rejected.get_data(as_text=True)
    assert f'data-sg="{stored.id}"' not in client.get("/documents/1").get_data(as_text=True)


# --- provenance in export and import -----------------------------------------------------------


def test_export_carries_origin_valid_against_the_schema_and_import_reads_it_back(
    client, db, tokens, tmp_path
):
    start, end, _, _ = phrase_tokens(db, 1, PHRASE)
    stored = suggest(db, 1, STATE, start, end)
    switch_on(db)
    client.post(f"/api/suggestions/{stored.id}/accept", headers=bearer(tokens["anna"]))
    anna = get_user(db, "anna")
    create_span(db, SCHEME, anna, 1, SpanInput(FRAMING, 0, 5))
    set_document_status(db, anna, 1, "done")
    records = [r for r in export_records(db, annotators=["anna"]) if r["spans"]]
    (record,) = records
    origins = sorted((s["label"], json.dumps(s["origin"], sort_keys=True)) for s in record["spans"])
    assert origins == [
        (FRAMING, '{"kind": "manual"}'),
        (STATE, '{"edited": false, "kind": "suggestion", "source": "patterns"}'),
    ]
    schema = json.loads((ROOT / "schema" / "export.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(record, schema)
    bad = {**record, "spans": [{**record["spans"][0], "origin": {"kind": "robot"}}]}
    try:
        jsonschema.validate(bad, schema)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("the schema allowed an unknown origin kind")

    out = tmp_path / "anna.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        write_jsonl([{**record, "_annotator_id": "carla"}], fh)
    import_paths(db, [out], "prodigy")
    imported = {s.label: s.origin for s in list_spans(db, 1, "carla")}
    assert imported == {
        FRAMING: {"kind": "manual"},
        STATE: {"kind": "suggestion", "source": "patterns", "edited": False},
    }


def test_import_names_the_line_of_a_bad_origin(db, tmp_path):
    start, end, _, _ = phrase_tokens(db, 1, PHRASE)
    text = db.conn.execute("SELECT text FROM document WHERE id = 1").fetchone()[0]
    record = {
        "text": text,
        "_annotator_id": "carla",
        "answer": "accept",
        "spans": [{"start": start, "end": end, "label": STATE, "origin": {"kind": "suggestion"}}],
    }
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    try:
        import_paths(db, [path], "prodigy")
    except Exception as error:  # noqa: BLE001  (the importer's own error type)
        assert "bad.jsonl:1" in str(error) and "origin.source" in str(error), str(error)
    else:
        raise AssertionError("a suggestion origin without a source was imported")
    assert list_spans(db, 1, "carla") == []


# --- the report --------------------------------------------------------------------------------


def test_report_counts_decisions_and_computes_agreement_on_hand_typed_spans_too(client, db, tokens):
    """anna and ben both accept the same suggestion and type one span each by hand where they
    disagree: agreement on all spans is higher than on the hand-typed ones."""
    start, end, first, last = phrase_tokens(db, 1, PHRASE)
    stored = suggest(db, 1, STATE, start, end)
    other = suggest(db, 1, FRAMING, 0, 30)
    switch_on(db)
    for name in ("anna", "ben"):
        headers = bearer(tokens[name])
        client.get("/api/documents/1/suggestions", headers=headers)  # both shown
        assert (
            client.post(f"/api/suggestions/{stored.id}/accept", headers=headers).status_code == 201
        )
    client.post(f"/api/suggestions/{other.id}/reject", headers=bearer(tokens["ben"]))
    anna, ben = get_user(db, "anna"), get_user(db, "ben")
    create_span(db, SCHEME, anna, 1, SpanInput(FRAMING, token_start=60, token_end=64))
    create_span(db, SCHEME, ben, 1, SpanInput(FRAMING, token_start=90, token_end=95))
    for user in (anna, ben):
        set_document_status(db, user, 1, "done")

    report = build_agreement_report(db, SCHEME, bootstrap=0)
    figures = report["suggestions"]
    assert figures["by_annotator"]["anna"] == {
        "shown": 2,
        "accepted": 1,
        "edited": 0,
        "rejected": 0,
    }
    assert figures["by_annotator"]["ben"] == {"shown": 2, "accepted": 1, "edited": 0, "rejected": 1}
    manual = figures["manual_only"]
    assert set(manual) == {"krippendorff_alpha", "pairs"}
    assert set(manual["krippendorff_alpha"]) == set(report["krippendorff_alpha"])
    assert set(manual["pairs"][0]) == set(report["pairs"][0])
    all_f1 = report["pairs"][0]["f1_exact"]["micro"]
    hand_f1 = manual["pairs"][0]["f1_exact"]["micro"]
    assert all_f1 > 0 and hand_f1 == 0  # the only agreement came from the suggestion
    assert (
        manual["krippendorff_alpha"]["pooled"]["value"]
        < report["krippendorff_alpha"]["pooled"]["value"]
    )
    # the same report through the API and the lead's page
    api = client.get("/api/agreement?bootstrap=0", headers=bearer(tokens["lea"])).json
    assert api["suggestions"]["by_annotator"]["ben"]["rejected"] == 1
    sign_in(client, "lea")
    page = client.get("/review/suggestions").get_data(as_text=True)
    assert "typed by hand" in page and "patterns" in page


def test_lead_switches_a_source_from_the_page(client, db):
    start, end, _, _ = phrase_tokens(db, 1, PHRASE)
    suggest(db, 1, STATE, start, end)
    headers = sign_in(client, "lea")
    switched = client.post(
        "/review/suggestions/switch", data={"source": "patterns", "on": "1"}, headers=headers
    )
    assert switched.status_code == 200 and "on: switch off" in switched.get_data(as_text=True)
    assert db.conn.execute("SELECT on_for_annotators FROM suggestion_source").fetchone() == (1,)
    bad = client.post(
        "/review/suggestions/switch", data={"source": "patterns", "on": "2"}, headers=headers
    )
    assert bad.status_code == 400


def test_source_scored_against_gold(db):
    from annotator.services.reports import source_gold_scores

    lea = get_user(db, "lea")
    start, end, first, last = phrase_tokens(db, 1, PHRASE)
    create_span(db, SCHEME, lea, 1, SpanInput(STATE, token_start=first, token_end=last))
    from annotator.services.annotations import record_gold_status

    record_gold_status(db, "lea", 1, "adjudicated")
    suggest(db, 1, STATE, start, end)  # right
    suggest(db, 1, FRAMING, 0, 30)  # wrong
    scores = source_gold_scores(db, SCHEME.keys())["patterns"]
    assert scores["exact"]["by_label"][STATE]["f1"] == 1.0
    assert scores["exact"]["micro"]["precision"] == 0.5


# --- rendering ---------------------------------------------------------------------------------


def test_outlines_mark_each_suggestion_once_and_keep_one_class_attribute():
    import numpy as np

    from annotator.web.html.text import SpanRange, SuggestionRange, render_blocks, text_layout

    text = "Der Kreml sagte heute etwas Neues."
    words = [(0, 3), (4, 9), (10, 15), (16, 21), (22, 27), (28, 33), (33, 34)]
    starts = np.array([w[0] for w in words])
    ends = np.array([w[1] for w in words])
    layout = text_layout(text, starts, ends, np.array([0]))
    keys = [STATE, FRAMING]
    spans = [SpanRange(STATE, 1, 2)]  # an own span starting where a suggestion starts
    suggestions = [
        SuggestionRange(7, FRAMING, 1, 3, 0.25),
        SuggestionRange(8, STATE, 2, 4, None),  # overlaps 7: the earlier one owns tokens 2-3
    ]
    (html,) = render_blocks(layout, spans, keys, ["State", "Framing"], [0], suggestions=suggestions)
    assert not re.search(r'<[^>]*class="[^"]*"[^>]*class="', html)  # one class attribute each
    assert (
        '<span data-sg="7" data-sl="EDITORIAL_FRAMING" data-sc="0.25" class="b0 sg s1 ss" '
        'data-i="1">' in html
    )
    assert '<span data-sg="7" class="sg s1 se" data-i="3">' in html
    assert (
        '<span data-sg="8" data-sl="STATE_PROPAGANDA" data-sc="" class="sg s0 ss se" data-i="4">'
        in html
    )
    # no element but the tokens' own: text_page.js takes the i-th <span> for token i
    assert html.count("<span") == len(words) == html.count(" data-i=")
    assert "data-sg" not in html.split('data-i="5"')[1]  # nothing after the suggestions
    # without suggestions the output is what it was
    (plain,) = render_blocks(layout, spans, keys, ["State", "Framing"], [0])
    assert "data-sg" not in plain and '<span class="b0" data-i="1">' in plain


def test_the_text_report_shows_both_alphas_once_suggestions_were_shown(db):
    from annotator.cli.text_report import report_as_text

    before = report_as_text(build_agreement_report(db, SCHEME, bootstrap=0))
    assert "Suggestions" not in before  # nothing shown yet: the section stays out
    start, end, _, _ = phrase_tokens(db, 1, PHRASE)
    stored = suggest(db, 1, STATE, start, end)
    switch_on(db)
    from annotator.services.suggestions import accept_suggestion

    for name in ("anna", "ben"):
        user = get_user(db, name)
        from annotator.services.suggestions import suggestions_for

        suggestions_for(db, user, 1)
        accept_suggestion(db, SCHEME, user, stored.id)
        set_document_status(db, user, 1, "done")
    text = report_as_text(build_agreement_report(db, SCHEME, bootstrap=0))
    assert "Suggestions" in text and "typed by hand" in text
    section = text[text.index("\nSuggestions\n") :].splitlines()
    anna_row = next(line for line in section if line.startswith("anna"))
    assert anna_row.split()[1:] == ["1", "1", "0", "0"]


def test_the_dashboard_scores_each_source_against_gold_and_shows_both_alphas(client, db, tokens):
    from annotator.services.annotations import record_gold_status

    lea = get_user(db, "lea")
    start, end, first, last = phrase_tokens(db, 1, PHRASE)
    create_span(db, SCHEME, lea, 1, SpanInput(STATE, token_start=first, token_end=last))
    record_gold_status(db, "lea", 1, "adjudicated")
    stored = suggest(db, 1, STATE, start, end, source="tagger-x")
    switch_on(db, "tagger-x")
    for name in ("anna", "ben"):
        user = get_user(db, name)
        client.get("/api/documents/1/suggestions", headers=bearer(tokens[name]))
        client.post(f"/api/suggestions/{stored.id}/accept", headers=bearer(tokens[name]))
        set_document_status(db, user, 1, "done")
    sign_in(client, "lea")
    page = client.get("/review/agreement").get_data(as_text=True)
    assert 'id="suggestion-figures"' in page and "<code>tagger-x</code>" in page
    assert "typed by hand" in page
    # without any suggestion the section stays out
    db.conn.execute("DELETE FROM suggestion")
    assert 'id="suggestion-figures"' not in client.get("/review/agreement").get_data(as_text=True)
