"""The annotator's pages and fragments by role: status, fragment shape, HX headers, the database."""

from __future__ import annotations

import pytest

from annotator.store.documents import get_document, get_tokens
from annotator.store.events import list_events
from annotator.store.spans import list_spans
from annotator.store.statuses import get_status
from tests.conftest import csrf_token_of, login

FRAGMENTS = ["text", "spans", "toolbar", "editor"]
PHRASE = "ukrainische Neonazi-Besatzer zu vernichten"
OVERLAP = "die Region Kursk zu befreien"


def sign_in(client, name: str) -> dict[str, str]:
    """Log in; the headers an htmx request of that session sends."""
    login(client, name)
    token = csrf_token_of(client.get("/").get_data(as_text=True))
    return {"HX-Request": "true", "X-CSRFToken": token}


def phrase_tokens(db, document_id: int, phrase: str) -> tuple[int, int, int, int]:
    """(start, end, first token, last token) of a phrase, from the stored text and tokens."""
    text = get_document(db, document_id).text
    tokens = get_tokens(db, document_id)
    start = text.index(phrase)
    end = start + len(phrase)
    return start, end, tokens.starts.tolist().index(start), tokens.ends.tolist().index(end)


def create(client, headers, document_id, label, first, last):
    return client.post(
        f"/documents/{document_id}/spans",
        data={"label": label, "token_start": first, "token_end": last},
        headers=headers,
    )


def assert_fragment(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/", "/next", "/documents/1"] + [f"/documents/1/{f}" for f in FRAGMENTS]
)
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    htmx = client.get(path, headers={"HX-Request": "true"})
    assert_fragment(htmx, 401)


def test_anonymous_cannot_create(client, db):
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    response = create(
        client, {"HX-Request": "true", "X-CSRFToken": token}, 1, "INTEL_ESTIMATE", 0, 2
    )
    assert_fragment(response, 401)
    assert list_spans(db, 1) == []


def test_queue_lists_documents_with_status_counts_and_progress(client, db):
    headers = sign_in(client, "anna")
    html = client.get("/").get_data(as_text=True)
    assert html.count('<tr data-document="') == 5
    assert "0 of 5 documents done" in html
    assert 'id="next-undone"' in html and "/documents/1" in html
    create(client, headers, 2, "EDITORIAL_FRAMING", 3, 5)
    client.post("/documents/1/status", data={"status": "done"}, headers=headers)
    html = client.get("/").get_data(as_text=True)
    assert "1 of 5 documents done" in html
    row1 = html[html.index('<tr data-document="1"') :].split("</tr>")[0]
    row2 = html[html.index('<tr data-document="2"') :].split("</tr>")[0]
    assert "badge done" in row1 and "badge in_progress" in row2
    assert '<td class="num">1</td>' in row2
    # `n` goes to the first undone document.
    assert client.get("/next").headers["Location"] == "/documents/2"
    assert client.get("/next?after=2").headers["Location"] == "/documents/3"


def test_queue_and_pages_follow_the_assignment(client, db):
    # Document 2 goes to ben only (a row in the assignment table, as the lead's grid writes it).
    db.conn.execute("INSERT INTO assignment (document_id, annotator) VALUES (2, 'ben')")
    headers = sign_in(client, "anna")
    html = client.get("/").get_data(as_text=True)
    assert html.count('<tr data-document="') == 4
    assert '<tr data-document="2"' not in html and 'href="/documents/2"' not in html
    assert "0 of 4 documents done" in html
    # `n` and "done" skip it.
    assert client.get("/next?after=1").headers["Location"] == "/documents/3"
    done = client.post("/documents/1/status", data={"status": "done"}, headers=headers)
    assert done.headers["HX-Redirect"] == "/documents/3"
    # Its page and fragments answer 404 like the API, instead of a page where every action fails.
    assert client.get("/documents/2").status_code == 404
    for fragment in FRAGMENTS:
        assert_fragment(client.get(f"/documents/2/{fragment}", headers=headers), 404)
    assert_fragment(create(client, headers, 2, "INTEL_ESTIMATE", 3, 5), 404)
    assert list_spans(db, 2) == []
    # ben, who has it, and the lead still open it.
    client.post("/logout", data={"csrf_token": headers["X-CSRFToken"]})
    sign_in(client, "ben")
    assert '<tr data-document="2"' in client.get("/").get_data(as_text=True)
    assert client.get("/documents/2").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token_of(client.get("/").get_data(True))})
    sign_in(client, "lea")
    assert client.get("/documents/2").status_code == 200


def test_lead_home_is_the_progress_grid(client):
    sign_in(client, "lea")
    html = client.get("/").get_data(as_text=True)
    assert "What needs you" in html
    assert html.count('href="/review/documents/') >= 5
    assert "Your queue" not in html
    assert client.get("/next").headers["Location"] == "/"


def test_document_page_carries_tokens_labels_csrf_and_pinned_htmx(client, db):
    sign_in(client, "anna")
    html = client.get("/documents/1").get_data(as_text=True)
    assert html.count("data-i=") == len(get_tokens(db, 1))
    assert 'name="csrf-token"' in html
    assert 'integrity="sha384-' in html and 'crossorigin="anonymous"' in html
    for key, hotkey in [
        ("STATE_PROPAGANDA", "1"),
        ("INTEL_ESTIMATE", "2"),
        ("EDITORIAL_FRAMING", "3"),
    ]:
        assert f'data-label="{key}" data-hotkey="{hotkey}"' in html
    assert "Zitat oder enge Paraphrase" in html  # the German guideline in the help panel
    assert 'id="mark-done"' in html


@pytest.mark.parametrize("user", ["anna", "lea"])
@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_fragments_are_fragments(client, user, fragment):
    sign_in(client, user)
    assert_fragment(client.get(f"/documents/1/{fragment}", headers={"HX-Request": "true"}))


def test_unknown_document_is_404(client):
    sign_in(client, "anna")
    assert client.get("/documents/999").status_code == 404
    assert_fragment(client.get("/documents/999/text", headers={"HX-Request": "true"}), 404)


def test_create_snaps_stores_and_answers_with_fragments(client, db):
    headers = sign_in(client, "anna")
    start, end, first, last = phrase_tokens(db, 1, PHRASE)
    response = create(client, headers, 1, "STATE_PROPAGANDA", first, last)
    assert_fragment(response, 201)
    assert response.headers["HX-Trigger"] == "spansChanged"
    body = response.get_data(as_text=True)
    assert 'hx-swap-oob="true"' in body and 'class="blk"' in body and 'id="editor"' in body
    assert '<mark class="l0"' in body
    (span,) = list_spans(db, 1, "anna")
    assert (span.label, span.start, span.end, span.token_start, span.token_end) == (
        "STATE_PROPAGANDA",
        start,
        end,
        first,
        last,
    )
    assert get_status(db, 1, "anna") == "in_progress"
    assert [e.action for e in list_events(db, "span", span.id)] == ["create"]
    # The editor of the new span came back with it.
    assert f'data-span="{span.id}"' in body


def test_create_trims_whitespace_tokens_and_keeps_overlaps(client, db):
    headers = sign_in(client, "anna")
    _, _, first, last = phrase_tokens(db, 1, PHRASE)
    ostart, oend, ofirst, olast = phrase_tokens(db, 1, OVERLAP)
    create(client, headers, 1, "STATE_PROPAGANDA", first, last)
    create(client, headers, 1, "INTEL_ESTIMATE", first + 2, olast)
    spans = list_spans(db, 1, "anna")
    assert sorted(s.label for s in spans) == ["INTEL_ESTIMATE", "STATE_PROPAGANDA"]
    html = client.get("/documents/1/text", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<mark class="l0 l1"' in html
    # A range of a newline token plus a word is trimmed to the word.
    tokens = get_tokens(db, 1)
    newline = next(i for i in range(len(tokens)) if tokens.space[i])
    create(client, headers, 1, "EDITORIAL_FRAMING", newline, newline + 1)
    framed = [s for s in list_spans(db, 1, "anna") if s.label == "EDITORIAL_FRAMING"]
    assert [(s.token_start, s.start) for s in framed] == [(newline + 1, tokens.starts[newline + 1])]


def test_refused_create_shows_an_error_and_stores_nothing(client, db):
    headers = sign_in(client, "anna")
    response = create(client, headers, 1, "NOPE", 0, 2)
    assert_fragment(response, 400)
    assert 'id="flash"' in response.get_data(as_text=True)
    assert "unknown label" in response.get_data(as_text=True)
    tokens = get_tokens(db, 1)
    assert create(client, headers, 1, "INTEL_ESTIMATE", 5, len(tokens)).status_code == 400
    bad = client.post(
        "/documents/1/spans", data={"label": "INTEL_ESTIMATE", "token_start": "x"}, headers=headers
    )
    assert_fragment(bad, 400)
    assert list_spans(db, 1) == []


def test_create_without_csrf_header_is_refused(client, db):
    sign_in(client, "anna")
    response = create(client, {"HX-Request": "true"}, 1, "INTEL_ESTIMATE", 0, 2)
    assert response.status_code == 400
    assert list_spans(db, 1) == []


def test_update_label_attributes_note_with_version(client, db):
    headers = sign_in(client, "anna")
    _, _, first, last = phrase_tokens(db, 1, PHRASE)
    create(client, headers, 1, "STATE_PROPAGANDA", first, last)
    (span,) = list_spans(db, 1, "anna")
    editor = client.get(f"/documents/1/editor?span={span.id}", headers={"HX-Request": "true"})
    assert_fragment(editor)
    assert 'name="attr.speaker"' in editor.get_data(as_text=True)
    response = client.post(
        f"/documents/1/spans/{span.id}",
        data={
            "version": 1,
            "label": "STATE_PROPAGANDA",
            "attrs": "1",
            "attr.speaker": "KCNA",
            "note": "Zitat",
        },
        headers=headers,
    )
    assert_fragment(response)
    assert response.headers["HX-Trigger"] == "spansChanged"
    (span,) = list_spans(db, 1, "anna")
    assert (span.attributes, span.note, span.version) == ({"speaker": "KCNA"}, "Zitat", 2)
    # Relabel: the old label's attribute is dropped, the note kept.
    client.post(
        f"/documents/1/spans/{span.id}",
        data={
            "version": 2,
            "label": "INTEL_ESTIMATE",
            "attrs": "1",
            "attr.speaker": "KCNA",
            "note": "Zitat",
        },
        headers=headers,
    )
    (span,) = list_spans(db, 1, "anna")
    assert (span.label, span.attributes, span.note, span.version) == (
        "INTEL_ESTIMATE",
        {},
        "Zitat",
        3,
    )
    stale = client.post(
        f"/documents/1/spans/{span.id}", data={"version": 1, "note": "x"}, headers=headers
    )
    assert_fragment(stale, 409)
    assert "changed elsewhere" in stale.get_data(as_text=True)
    bad_choice = client.post(
        f"/documents/1/spans/{span.id}",
        data={"version": 3, "attrs": "1", "attr.agency": "mars"},
        headers=headers,
    )
    assert_fragment(bad_choice, 400)
    assert list_spans(db, 1, "anna")[0].version == 3
    assert [e.action for e in list_events(db, "span", span.id)] == ["create", "update", "update"]


def test_editor_for_token_picks_the_innermost_span(client, db):
    headers = sign_in(client, "anna")
    create(client, headers, 1, "STATE_PROPAGANDA", 10, 30)
    create(client, headers, 1, "INTEL_ESTIMATE", 12, 14)
    inner = next(s for s in list_spans(db, 1, "anna") if s.label == "INTEL_ESTIMATE")
    html = client.get("/documents/1/editor?token=13", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert f'data-span="{inner.id}"' in html and "Also here" in html
    empty = client.get("/documents/1/editor?token=40", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "data-span" not in empty


def test_delete_and_undo_each_action(client, db):
    headers = sign_in(client, "anna")
    _, _, first, last = phrase_tokens(db, 1, PHRASE)
    create(client, headers, 1, "STATE_PROPAGANDA", first, last)
    (span,) = list_spans(db, 1, "anna")
    client.post(
        f"/documents/1/spans/{span.id}", data={"version": 1, "note": "erst"}, headers=headers
    )
    deleted = client.delete(f"/documents/1/spans/{span.id}?version=2", headers=headers)
    assert_fragment(deleted)
    assert deleted.headers["HX-Trigger"] == "spansChanged"
    assert list_spans(db, 1, "anna") == []
    toolbar = client.get("/documents/1/toolbar", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert 'id="undo"' in toolbar and "disabled" not in toolbar.split('id="undo"')[1].split(">")[0]

    undo = client.post("/documents/1/undo", headers=headers)  # the delete
    assert_fragment(undo)
    assert undo.headers["HX-Trigger"] == "spansChanged"
    (back,) = list_spans(db, 1, "anna")
    assert (back.id, back.note, back.start, back.end) == (span.id, "erst", span.start, span.end)
    client.post("/documents/1/undo", headers=headers)  # the note change
    assert list_spans(db, 1, "anna")[0].note == ""
    client.post("/documents/1/undo", headers=headers)  # the creation
    assert list_spans(db, 1, "anna") == []
    nothing = client.post("/documents/1/undo", headers=headers)
    assert_fragment(nothing, 400)
    actions = [e.action for e in list_events(db, "span", span.id)]
    assert actions == ["create", "update", "delete", "create", "update", "delete"]


def test_undo_of_a_merging_create_restores_the_merged_span(client, db):
    headers = sign_in(client, "anna")
    create(client, headers, 1, "EDITORIAL_FRAMING", 10, 14)
    (old,) = list_spans(db, 1, "anna")
    create(client, headers, 1, "EDITORIAL_FRAMING", 13, 20)
    (merged,) = list_spans(db, 1, "anna")
    assert (merged.token_start, merged.token_end) == (10, 20)
    client.post("/documents/1/undo", headers=headers)
    (restored,) = list_spans(db, 1, "anna")
    assert (restored.id, restored.token_start, restored.token_end) == (old.id, 10, 14)


def test_delete_with_stale_version_is_409(client, db):
    headers = sign_in(client, "anna")
    create(client, headers, 1, "INTEL_ESTIMATE", 3, 5)
    (span,) = list_spans(db, 1, "anna")
    assert_fragment(client.delete(f"/documents/1/spans/{span.id}?version=7", headers=headers), 409)
    assert len(list_spans(db, 1, "anna")) == 1


def test_mark_done_moves_on_and_reopen(client, db):
    headers = sign_in(client, "anna")
    response = client.post("/documents/1/status", data={"status": "done"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/documents/2"
    assert get_status(db, 1, "anna") == "done"
    assert list_events(db, "status", "1:anna")[-1].after == {"status": "done"}
    toolbar = client.get("/documents/1/toolbar", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert 'id="reopen"' in toolbar
    reopen = client.post("/documents/1/status", data={"status": "in_progress"}, headers=headers)
    assert_fragment(reopen)
    assert reopen.headers["HX-Trigger"] == "statusChanged"
    assert get_status(db, 1, "anna") == "in_progress"
    bad = client.post("/documents/1/status", data={"status": "finished"}, headers=headers)
    assert_fragment(bad, 400)
    # The last undone document done: back to the queue.
    for doc in range(1, 6):
        last = client.post(f"/documents/{doc}/status", data={"status": "done"}, headers=headers)
    assert last.headers["HX-Redirect"] == "/"
    plain = client.post(
        "/documents/1/status", data={"status": "done", "csrf_token": headers["X-CSRFToken"]}
    )
    assert plain.status_code == 302


def test_lead_works_on_the_gold_layer_and_has_no_status(client, db):
    headers = sign_in(client, "lea")
    assert create(client, headers, 1, "INTEL_ESTIMATE", 3, 5).status_code == 201
    assert [s.annotator for s in list_spans(db, 1)] == ["gold"]
    html = client.get("/documents/1").get_data(as_text=True)
    assert "gold layer" in html and 'id="mark-done"' not in html
    assert_fragment(
        client.post("/documents/1/status", data={"status": "done"}, headers=headers), 403
    )


def test_annotators_never_see_each_others_spans(app, db):
    anna, ben = app.test_client(), app.test_client()
    anna_headers = sign_in(anna, "anna")
    ben_headers = sign_in(ben, "ben")
    _, _, first, last = phrase_tokens(db, 1, PHRASE)
    create(anna, anna_headers, 1, "STATE_PROPAGANDA", first, last)
    (span,) = list_spans(db, 1, "anna")
    page = ben.get("/documents/1").get_data(as_text=True)
    assert "<mark" not in page and span.id not in page
    assert ben.get("/documents/1/spans").get_data(as_text=True).count("data-span=") == 0
    assert_fragment(
        ben.get(f"/documents/1/editor?span={span.id}", headers={"HX-Request": "true"}), 404
    )
    assert "data-span" not in ben.get(f"/documents/1/editor?token={first}").get_data(as_text=True)
    assert_fragment(
        ben.post(
            f"/documents/1/spans/{span.id}", data={"version": 1, "note": "x"}, headers=ben_headers
        ),
        404,
    )
    assert_fragment(ben.delete(f"/documents/1/spans/{span.id}", headers=ben_headers), 404)
    assert list_spans(db, 1, "anna")[0].note == ""
    # ben's queue counts only ben's spans.
    assert "0 spans" in ben.get("/").get_data(as_text=True)


def test_span_on_another_document_is_404(client, db):
    headers = sign_in(client, "anna")
    create(client, headers, 1, "INTEL_ESTIMATE", 3, 5)
    (span,) = list_spans(db, 1, "anna")
    assert_fragment(
        client.post(f"/documents/2/spans/{span.id}", data={"version": 1}, headers=headers), 404
    )


def test_event_refreshed_regions_queue_their_refresh():
    """A region refreshed by an HX-Trigger event must not drop a refresh that arrives while the
    previous one is in flight (htmx's default `drop`): delete then a quick undo left the span
    list one action behind. Every such region queues the last refresh instead."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "annotator" / "web" / "templates"
    regions = []
    for path in templates.rglob("*.html"):
        for tag in re.findall(r"<[a-z]+ [^>]*from:body[^>]*>", path.read_text(encoding="utf-8")):
            regions.append(path.name)
            assert 'hx-sync="this:queue last"' in tag, f"{path.name}: {tag[:80]}"
    assert {"_spans.html", "_toolbar.html"} <= set(regions)
    # htmx attaches a swapped-in region's listeners only when it settles: with the default
    # 20 ms settle delay an event arriving in that gap (u right after Delete) was lost.
    base = (templates / "base.html").read_text(encoding="utf-8")
    assert '"defaultSettleDelay":0' in base
