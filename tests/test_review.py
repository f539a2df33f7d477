"""The lead's review: pages and fragments by role, figures against independent libraries,
disagreement classes, adjudication into gold with its exact audit trail, assignment."""

from __future__ import annotations

import re
import sqlite3
import time
import xml.etree.ElementTree as ET
from collections import Counter

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from annotator.agreement.alpha_u import unitizing_report
from annotator.agreement.gamma import gamma_report
from annotator.core.labels import load_label_scheme
from annotator.core.records import Span
from annotator.services import adjudication as review
from annotator.services import assignments
from annotator.services import jobs as gamma_jobs
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.store import get_tokens
from annotator.store.agreement_data import agreement_documents
from annotator.store.events import list_events
from annotator.store.report_cache import get_cached_report
from annotator.store.spans import list_spans
from annotator.store.users import get_user
from tests.conftest import csrf_token_of, login

SCHEME = load_label_scheme()
LABELS = SCHEME.keys()
# (annotator, document, label, token_start, token_end)
SPANS = [
    ("anna", 1, "STATE_PROPAGANDA", 20, 30),
    ("ben", 1, "STATE_PROPAGANDA", 22, 30),  # boundary differs
    ("anna", 1, "INTEL_ESTIMATE", 60, 80),
    ("ben", 1, "EDITORIAL_FRAMING", 60, 70),  # label differs
    ("anna", 1, "INTEL_ESTIMATE", 120, 125),  # missing in ben's layer
    ("anna", 2, "EDITORIAL_FRAMING", 5, 9),
    ("ben", 2, "EDITORIAL_FRAMING", 5, 9),  # identical
]
DONE = [("anna", 1), ("ben", 1), ("anna", 2), ("ben", 2)]

PAGES = [
    "/review",
    "/review/agreement",
    "/review/documents/1",
]
FRAGMENTS = [
    "/review/progress",
    "/review/totals",
    "/review/agreement/figures",
    "/review/agreement/gamma",
    "/review/documents/1/rows",
    "/review/documents/1/text",
    "/review/documents/1/gold",
    "/review/documents/1/status",
    "/review/documents/1/editor",
]


@pytest.fixture
def annotated(db):
    for name, doc, label, ts, te in SPANS:
        create_span(
            db, SCHEME, get_user(db, name), doc, SpanInput(label, token_start=ts, token_end=te)
        )
    for name, doc in DONE:
        set_document_status(db, get_user(db, name), doc, "done")
    return db


def log_in_with_csrf(client, name: str):
    """Log in; the client then sends the session's CSRF header on every request."""
    login(client, name)
    token = csrf_token_of(client.get("/").get_data(as_text=True))
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return client


@pytest.fixture
def lead(client, annotated):
    return log_in_with_csrf(client, "lea")


def span_of(db, annotator, document, label) -> Span:
    return next(s for s in list_spans(db, document, annotator) if s.label == label)


def event_rows(db) -> list[tuple]:
    return [(e.action, e.entity, e.entity_id, e.before, e.after) for e in list_events(db)]


# Roles -----------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    for url in PAGES + FRAGMENTS:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


def test_annotators_get_403(client, annotated):
    login(client, "anna")
    for url in PAGES + FRAGMENTS:
        assert client.get(url).status_code == 403, url


def test_annotators_cannot_act(client, annotated):
    log_in_with_csrf(client, "anna")
    before = event_rows(annotated)
    span = span_of(annotated, "ben", 1, "STATE_PROPAGANDA").id
    for url in [
        "/review/assignments",
        "/review/assignments/1",
        f"/review/documents/1/accept/{span}",
        f"/review/documents/1/reject/{span}",
        "/review/documents/1/accept-identical",
        "/review/documents/1/gold",
        "/review/documents/1/gold-status",
        "/review/agreement/gamma",
    ]:
        response = client.post(url, data={"n": "1", "status": "adjudicated"})
        assert response.status_code == 403, url
    assert event_rows(annotated) == before


def test_lead_pages(lead):
    for url in PAGES:
        response = lead.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "<html" in html and 'name="csrf-token"' in html and "review.css" in html


def test_lead_fragments_have_one_root_with_a_stable_id(lead):
    for url in FRAGMENTS:
        response = lead.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200, url
        html = response.get_data(as_text=True).strip()
        assert "<html" not in html, url
        root = re.match(r"<(\w+) id=\"([\w-]+)\"", html)
        assert root, html[:200]
        assert html.endswith(f"</{root.group(1)}>"), url
        assert html.count(f'id="{root.group(2)}"') == 1


def test_no_inline_styles_or_scripts(lead):
    for url in PAGES:
        html = lead.get(url).get_data(as_text=True)
        assert "style=" not in html and "hx-on" not in html
        assert not re.search(r"<script(?![^>]*src=)", html)


# Figures against independent implementations ---------------------------------------------------


def token_matrix(db, annotators, documents, labels) -> np.ndarray:
    """annotators x (document, label, token) 0/1 values, built from the stored spans."""
    rows = []
    for name in annotators:
        values = []
        for doc in documents:
            n = len(get_tokens(db, doc))
            for label in labels:
                v = np.zeros(n, dtype=int)
                for s in list_spans(db, doc, name):
                    if s.label == label:
                        v[s.token_start : s.token_end + 1] = 1
                values.append(v)
        rows.append(np.concatenate(values))
    return np.array(rows)


def svg_cells(html: str, section: str) -> dict:
    block = re.search(
        rf'<section class="card measure" id="{section}">.*?(<svg.*?</svg>)', html, re.S
    )
    root = ET.fromstring(block.group(1))
    out = {}
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        if g.get("class") == "cell":
            out[(g.get("data-a"), g.get("data-b"))] = [
                t.text for t in g.iter("{http://www.w3.org/2000/svg}text")
            ]
    return out


def test_heatmaps_show_sklearn_kappa_and_hand_counted_overlap_f1(lead, annotated):
    html = lead.get("/review/agreement/figures").get_data(as_text=True)
    a, b = token_matrix(annotated, ["anna", "ben"], [1, 2], LABELS)
    kappa = cohen_kappa_score(a, b)
    cells = svg_cells(html, "kappa-heatmap")
    assert cells[("anna", "ben")] == [f"{kappa:.2f}", "2 docs"]
    # Overlap matches: the two STATE_PROPAGANDA spans and the identical framing span: m = 2;
    # anna has 4 spans, ben 3 (INTEL vs FRAMING share tokens but not the label).
    f1 = 2 * 2 / (4 + 3)
    assert svg_cells(html, "overlap-heatmap")[("ben", "anna")] == [f"{f1:.2f}", "2 docs"]


def test_label_bars_show_krippendorff_alpha(lead, annotated):
    html = lead.get("/review/agreement/figures").get_data(as_text=True)
    for label in LABELS:
        data = token_matrix(annotated, ["anna", "ben"], [1, 2], [label])
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        name = SCHEME.get(label).name
        shown = re.search(rf'data-name="{name}">.*?class="value">([-\d.]+)', html, re.S).group(1)
        assert shown == f"{expected:.2f}"
    pooled = token_matrix(annotated, ["anna", "ben"], [1, 2], LABELS)
    expected = krippendorff.alpha(reliability_data=pooled, level_of_measurement="nominal")
    assert f'<p class="big-number">{expected:.2f}</p>' in html
    assert f"{pooled.shape[1]} units" in html


def test_documents_sorted_by_disagreement_link_to_their_view(lead, annotated):
    html = lead.get("/review/agreement/figures").get_data(as_text=True)
    links = re.findall(r'href="/review/documents/(\d+)" class="doc-link"', html)
    alphas = {
        doc: krippendorff.alpha(
            reliability_data=token_matrix(annotated, ["anna", "ben"], [doc], LABELS),
            level_of_measurement="nominal",
        )
        for doc in (1, 2)
    }
    assert [int(x) for x in links] == sorted(alphas, key=alphas.get)


def test_filters_narrow_the_figures(lead, annotated):
    html = lead.get(
        "/review/agreement/figures?label=EDITORIAL_FRAMING", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert 'data-name="Editorial framing"' in html
    assert 'data-name="State propaganda quote"' not in html
    a, b = token_matrix(annotated, ["anna", "ben"], [1, 2], ["EDITORIAL_FRAMING"])
    assert svg_cells(html, "kappa-heatmap")[("anna", "ben")][0] == f"{cohen_kappa_score(a, b):.2f}"
    one = lead.get("/review/agreement/figures?annotator=anna").get_data(as_text=True)
    assert "n/a" in one and 'class="cell"' not in one  # one annotator: nothing to compare


# Unitizing: alpha_U and gamma in the background ----------------------------------------------


def gamma_status(html: str) -> str:
    return re.search(r'<section id="gamma" class="card measure" data-status="(\w+)"', html).group(1)


def start_gamma(client, html: str) -> str:
    """POST the region's start request, as htmx does on load; the region it answers."""
    url = re.search(r'<section id="gamma"[^>]*hx-post="([^"]+)"', html).group(1)
    response = client.post(url.replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def poll_gamma(client, url: str = "/review/agreement/gamma", timeout: float = 20.0) -> str:
    """GET the gamma region as htmx's every-2s poll would (faster), until it stops running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        if gamma_status(html) == "waiting":
            # the GET wrote nothing: the region asks for the job with a POST when it loads
            start_gamma(client, html)
            continue
        if gamma_status(html) != "running":
            return html
        time.sleep(0.05)
    raise AssertionError(f"gamma still computing after {timeout} s")


def test_dashboard_shows_alpha_u_with_its_explanation(lead, annotated):
    html = lead.get("/review/agreement").get_data(as_text=True)
    expected = unitizing_report(
        agreement_documents(annotated, ["anna", "ben"]), ["anna", "ben"], LABELS
    )
    card = re.search(r'<section class="card measure" id="alpha-u">.*?</section>', html, re.S).group(
        0
    )
    assert f'<p class="big-number">{expected["pooled"]["value"]:.2f}</p>' in card
    assert f"{expected['pooled']['units']} units (spans) in 2 documents" in card
    for label in LABELS:
        row = re.search(rf'<tr data-label="{label}">(.*?)</tr>', card).group(1)
        value, units = expected["by_label"][label]["value"], expected["by_label"][label]["units"]
        assert re.findall(r'class="num">([^<]*)<', row) == [f"{value:.2f}", str(units)]
    # 7 stored spans, none merged: the units are the spans.
    assert expected["pooled"]["units"] == len(SPANS)
    assert "where each unit starts and ends" in card and "0 chance level" in card


def test_gamma_region_shows_computing_then_the_figures(lead, annotated, held_gamma_jobs):
    go, started = held_gamma_jobs
    page = lead.get("/review/agreement").get_data(as_text=True)
    # the page's GET writes nothing (issue 13, hole 14): the region POSTs for the job on load
    assert gamma_status(page) == "waiting" and "computing…" in page and not started
    assert 'hx-trigger="load"' in page
    page = start_gamma(lead, page)
    assert gamma_status(page) == "running" and "computing…" in page
    assert 'hx-trigger="every 2s"' in page and len(started) == 1
    first = lead.get("/review/agreement/gamma", headers={"HX-Request": "true"})
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "<html" not in html
    assert gamma_status(html) == "running" and 'hx-trigger="every 2s"' in html
    assert len(started) == 1  # the poll does not start a second job
    go.set()
    done = poll_gamma(lead)
    assert gamma_status(done) == "done" and "hx-trigger" not in done  # polling stops
    direct = gamma_report(agreement_documents(annotated, ["anna", "ben"]), ["anna", "ben"], LABELS)
    assert f'<p class="big-number">{direct["gamma"]:.2f}</p>' in done
    assert f"gamma-cat {direct['gamma_cat']:.2f}" in done
    assert (
        f"{direct['observed_disorder']:.4f}" in done
        and f"{direct['expected_disorder']:.4f}" in done
    )
    assert f"{direct['samples']} · {direct['seed']} · shuffle" in done
    assert f"{direct['units']} · 2 · 2" in done
    row = get_cached_report(annotated, started[0])
    assert f'computed at <time datetime="{row.computed}">' in done
    assert "1 − observed / expected" in done and "Recompute" in done
    assert len(started) == 1


def test_gamma_follows_the_filters(lead, annotated, held_gamma_jobs):
    go, started = held_gamma_jobs
    html = lead.get("/review/agreement/figures?label=EDITORIAL_FRAMING").get_data(as_text=True)
    assert gamma_status(html) == "waiting"
    running = start_gamma(lead, html)
    url = re.search(r'<section id="gamma"[^>]*hx-get="([^"]+)"', running).group(1)
    url = url.replace("&amp;", "&")
    assert "label=EDITORIAL_FRAMING" in url and "STATE_PROPAGANDA" not in url
    go.set()
    done = poll_gamma(lead, url)
    direct = gamma_report(
        agreement_documents(annotated, ["anna", "ben"]), ["anna", "ben"], ["EDITORIAL_FRAMING"]
    )
    assert f'<p class="big-number">{direct["gamma"]:.2f}</p>' in done
    assert f"{direct['units']} · 2 · 2" in done and direct["units"] == 3
    assert len(started) == 1


def test_a_new_span_or_status_recomputes_gamma(lead, annotated, held_gamma_jobs):
    go, started = held_gamma_jobs
    go.set()
    old = poll_gamma(lead)
    create_span(
        annotated,
        SCHEME,
        get_user(annotated, "ben"),
        2,
        SpanInput(LABELS[0], token_start=30, token_end=34),
    )
    go.clear()
    waiting = lead.get("/review/agreement/gamma").get_data(as_text=True)
    assert gamma_status(waiting) == "waiting" and len(started) == 1  # a GET starts nothing
    stale = start_gamma(lead, waiting)
    assert gamma_status(stale) == "running" and len(started) == 2
    old_gamma = re.search(r'<p class="big-number">([-\d.]+)</p>', old).group(1)
    assert f"Before the latest changes: gamma {old_gamma}" in stale
    go.set()
    new = poll_gamma(lead)
    direct = gamma_report(agreement_documents(annotated, ["anna", "ben"]), ["anna", "ben"], LABELS)
    assert f'<p class="big-number">{direct["gamma"]:.2f}</p>' in new
    assert f"{len(SPANS) + 1} · 2 · 2" in new
    go.clear()  # hold the next job, or on a busy machine it can finish before the page renders
    set_document_status(annotated, get_user(annotated, "ben"), 2, "in_progress")
    waiting = lead.get("/review/agreement/gamma").get_data(as_text=True)
    assert gamma_status(start_gamma(lead, waiting)) == "running"
    assert len(started) == 3
    go.set()
    assert "· 1 · 2</td>" in poll_gamma(lead)  # one document left that both finished


def test_recompute_button_and_stored_errors(lead, annotated, monkeypatch):
    # the job's child process gets too little memory to run: a real failure, stored and shown
    monkeypatch.setattr(gamma_jobs, "JOB_MEMORY_BYTES", 64 * 2**20)
    failed = poll_gamma(lead)
    assert gamma_status(failed) == "error" and "memory cap 64 MB" in failed
    assert "hx-trigger" not in failed
    button = re.search(r'<button[^>]*hx-post="([^"]+)"[^>]*>Recompute</button>', failed)
    assert button and 'hx-target="#gamma"' in button.group(0)
    monkeypatch.undo()
    again = lead.post(button.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert again.status_code == 200 and "<html" not in again.get_data(as_text=True)
    done = poll_gamma(lead)
    assert gamma_status(done) == "done" and "memory cap" not in done


def test_a_busy_result_store_is_shown_not_a_500(lead, annotated, monkeypatch):
    def locked(db):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(gamma_jobs, "data_fingerprint", locked)
    response = lead.get("/review/agreement")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and gamma_status(html) == "error"
    assert "result store is unavailable (database is locked)" in html
    assert 'id="alpha-u"' in html  # the other figures are there


def test_recompute_needs_the_csrf_token(client, annotated):
    login(client, "lea")
    assert client.post("/review/agreement/gamma").status_code == 400
    assert annotated.execute("SELECT COUNT(*) FROM report_cache").fetchone()[0] == 0


# Disagreement view -----------------------------------------------------------------------------


def kinds_in(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-span="([\w-]+)" data-kind="(\w+)"', html))


def test_disagreement_classes(lead, annotated):
    html = lead.get("/review/documents/1/rows").get_data(as_text=True)
    kinds = kinds_in(html)
    db = annotated
    assert kinds[span_of(db, "anna", 1, "STATE_PROPAGANDA").id] == "boundary"
    assert kinds[span_of(db, "ben", 1, "STATE_PROPAGANDA").id] == "boundary"
    assert kinds[span_of(db, "ben", 1, "EDITORIAL_FRAMING").id] == "label"
    lone = [s for s in list_spans(db, 1, "anna") if s.token_start == 120][0]
    assert kinds[lone.id] == "missing"
    # ben's empty cell beside the lone span, and nowhere else.
    assert html.count('class="span-cell kind-absent"><span') == 1
    identical = lead.get("/review/documents/2/rows").get_data(as_text=True)
    assert set(kinds_in(identical).values()) == {"agree"}


def test_label_filter_of_the_rows(lead, annotated):
    html = lead.get("/review/documents/1/rows?label=STATE_PROPAGANDA").get_data(as_text=True)
    shown = {
        annotated.execute("SELECT label FROM span WHERE id = ?", [i]).fetchone()[0]
        for i in kinds_in(html)
    }
    assert shown == {"STATE_PROPAGANDA"}


# The reviewer's case: anna INTEL_ESTIMATE over tokens 10-14, ben STATE_PROPAGANDA over 13-14.
ONLY_PROPAGANDA = "label=STATE_PROPAGANDA&label=EDITORIAL_FRAMING&filter=1"


@pytest.fixture
def hidden_case(client, db):
    anna, ben, lea = (get_user(db, n) for n in ("anna", "ben", "lea"))
    intel, _ = create_span(
        db, SCHEME, anna, 1, SpanInput("INTEL_ESTIMATE", token_start=10, token_end=14)
    )
    quote, _ = create_span(
        db, SCHEME, ben, 1, SpanInput("STATE_PROPAGANDA", token_start=13, token_end=14)
    )
    for user in (anna, ben):
        set_document_status(db, user, 1, "done")
    log_in_with_csrf(client, "lea")
    return client, intel, quote


def layer_cells(html: str) -> dict[str, str]:
    """The one aligned row's cells by column name (annotators in header order, then gold)."""
    names = re.findall(r"<th>([\w-]+) <span class=\"badge", html) + ["gold"]
    rows = re.findall(r'<tr class="region[^"]*"[^>]*>(.*?)</tr>', html, re.S)
    assert len(rows) == 1, rows
    cells = re.findall(r'<td class="layer[^"]*">(.*?)</td>', rows[0], re.S)
    return dict(zip(names, cells, strict=True))


def test_label_filter_says_what_it_hides(hidden_case):
    client, intel, quote = hidden_case
    unfiltered = client.get("/review/documents/1/rows").get_data(as_text=True)
    assert kinds_in(unfiltered) == {intel.id: "label", quote.id: "label"}
    assert "hidden by the label filter" not in unfiltered and "spans shown" not in unfiltered
    assert "data-hidden-span" not in unfiltered

    html = client.get(f"/review/documents/1/rows?{ONLY_PROPAGANDA}").get_data(as_text=True)
    # The classification is still computed on every label: ben's span differs in label.
    assert kinds_in(html) == {quote.id: "label"}
    cells = layer_cells(html)
    assert "nothing here" not in cells["anna"] and "kind-absent" not in cells["anna"]
    assert "1 span hidden by the label filter" in cells["anna"]
    assert f'data-hidden-span="{intel.id}"' in cells["anna"]
    assert "hidden: Intelligence estimate" in cells["anna"]
    # ben's span names the layer whose (hidden) span makes it a label difference.
    assert "the other label (anna) is hidden by the label filter" in cells["ben"]
    assert "anna: another label (hidden by the label filter)" in cells["ben"]
    assert "1 of 2 spans shown" in html


def test_gold_counts_under_the_label_filter(hidden_case, db):
    client, intel, quote = hidden_case
    for span in (intel, quote):
        assert client.post(f"/review/documents/1/accept/{span.id}").status_code == 201
    gold_list = client.get(f"/review/documents/1/gold?{ONLY_PROPAGANDA}").get_data(as_text=True)
    assert gold_list.count("<li data-span=") == 1
    assert '<span class="count">1 of 2 shown</span>' in gold_list
    assert '<span class="count">2</span>' in client.get("/review/documents/1/gold").get_data(
        as_text=True
    )
    # The status box (not refreshed by the filter) counts the whole gold layer, on the full page
    # and as a fragment.
    page = client.get(f"/review/documents/1?{ONLY_PROPAGANDA}").get_data(as_text=True)
    status = client.get(f"/review/documents/1/status?{ONLY_PROPAGANDA}").get_data(as_text=True)
    for html in (page, status):
        assert "2 spans (every label)" in html
    assert '<span class="count">1 of 2 shown</span>' in page
    # The gold column shows the accepted quote and says the accepted estimate is hidden.
    gold = {g.label: g.id for g in list_spans(db, 1, "gold")}
    rows = client.get(f"/review/documents/1/rows?{ONLY_PROPAGANDA}").get_data(as_text=True)
    gold_cell = layer_cells(rows)["gold"]
    assert f'data-span="{gold["STATE_PROPAGANDA"]}"' in gold_cell
    assert f'data-hidden-span="{gold["INTEL_ESTIMATE"]}"' in gold_cell
    assert f'data-span="{gold["INTEL_ESTIMATE"]}"' not in rows
    assert "2 of 4 spans shown" in rows


def test_every_label_unticked_shows_none_and_says_so(hidden_case):
    client, _, _ = hidden_case
    html = client.get("/review/documents/1/rows?filter=1").get_data(as_text=True)
    assert kinds_in(html) == {}
    assert "2 spans hidden by the label filter" in html
    page = client.get("/review/documents/1?filter=1").get_data(as_text=True)
    form = re.search(r'<form id="label-filter".*?</form>', page, re.S).group(0)
    assert 'name="filter"' in form and " checked" not in form
    # A first load, without the filter form, shows every label.
    assert len(kinds_in(client.get("/review/documents/1/rows").get_data(as_text=True))) == 2


def test_regions_note_hidden_spans_and_partners():
    def s(i, label, ts, te):
        return Span(i, 1, "x", label, ts, te + 1, ts, te)

    layers = {"a": [s("a1", "L", 0, 4), s("a2", "L", 8, 9)], "b": [s("b1", "M", 3, 8)]}
    got = review.classify_spans(layers, ["a", "b"], [s("g", "M", 20, 21)])
    assert [c.kind for c in got["a"]] == ["label", "label"]
    only_l = review.regions(got, [s("g", "M", 20, 21)], ["L"])
    assert [(r.token_start, r.token_end) for r in only_l] == [(0, 4), (8, 9)]
    # b1 overlaps both runs, so both say it is hidden; gold's M span overlaps neither.
    for region in only_l:
        assert [c.span.id for c in region.hidden["b"]] == ["b1"]
        assert list(region.hidden) == ["b"]
    assert only_l[0].hidden_partners == {"a1": ["b"]} and only_l[1].hidden_partners == {"a2": ["b"]}
    only_m = review.regions(got, [], ["M"])
    assert [c.span.id for c in only_m[0].hidden["a"]] == ["a1", "a2"]
    assert only_m[0].hidden_partners == {"b1": ["a"]}
    both = review.regions(got, [], ["L", "M"])
    assert all(not r.hidden and not r.hidden_partners for r in both)


def test_classify_spans_relations():
    def s(i, label, ts, te):
        return Span(i, 1, "x", label, ts, te + 1, ts, te)

    layers = {
        "a": [s("a1", "L", 0, 3), s("a2", "M", 10, 12)],
        "b": [s("b1", "L", 0, 3), s("b2", "M", 11, 12)],
        "c": [s("c1", "L", 0, 3)],
    }
    got = review.classify_spans(layers, ["a", "b", "c"], [s("g", "L", 0, 3)])
    assert [(c.span.id, c.kind, c.in_gold) for c in got["a"]] == [
        ("a1", "agree", True),
        ("a2", "missing", False),
    ]
    assert got["b"][1].relations == {"a": "boundary", "c": "missing"}
    assert review.identical_spans(got, ["a", "b", "c"]) == []  # the one identical is in gold
    regions = review.regions(got, [], ["L", "M"])
    assert [(r.token_start, r.token_end) for r in regions] == [(0, 3), (10, 12)]


# Adjudication ----------------------------------------------------------------------------------


def new_events(db, before: list) -> list[tuple]:
    return event_rows(db)[len(before) :]


def test_accept_copies_the_span_into_gold_and_audits_it(lead, annotated):
    db = annotated
    source = span_of(db, "anna", 1, "STATE_PROPAGANDA")
    before = event_rows(db)
    response = lead.post(f"/review/documents/1/accept/{source.id}", headers={"HX-Request": "true"})
    assert response.status_code == 201
    assert response.headers["HX-Trigger"] == "goldChanged"
    assert "<html" not in response.get_data(as_text=True)
    (gold,) = list_spans(db, 1, "gold")
    assert (gold.label, gold.start, gold.end, gold.token_start, gold.token_end) == (
        source.label,
        source.start,
        source.end,
        source.token_start,
        source.token_end,
    )
    events = new_events(db, before)
    assert [(e[0], e[1]) for e in events] == [
        ("gold_status", "gold_status"),
        ("create", "span"),
        ("accept", "span"),
    ]
    assert events[0][3:] == ({"status": "not_started"}, {"status": "in_progress"})
    assert events[2][2] == source.id and events[2][4] == {"gold": gold.id, "annotator": "anna"}
    # Again: nothing changes, nothing is logged.
    again = event_rows(db)
    assert lead.post(f"/review/documents/1/accept/{source.id}").status_code == 200
    assert event_rows(db) == again and len(list_spans(db, 1, "gold")) == 1


def test_reject_records_the_decision_only(lead, annotated):
    db = annotated
    source = span_of(db, "ben", 1, "EDITORIAL_FRAMING")
    before = event_rows(db)
    assert lead.post(f"/review/documents/1/reject/{source.id}").status_code == 200
    assert list_spans(db, 1, "gold") == []
    events = new_events(db, before)
    assert [e[0] for e in events] == ["gold_status", "reject"]
    assert events[1][2] == source.id
    assert "rejected" in lead.get("/review/documents/1/rows").get_data(as_text=True)


def test_gold_spans_cannot_be_accepted_or_rejected(lead, annotated):
    lead.post(
        "/review/documents/1/gold",
        data={"label": "INTEL_ESTIMATE", "token_start": "3", "token_end": "4"},
    )
    (gold,) = list_spans(annotated, 1, "gold")
    assert lead.post(f"/review/documents/1/accept/{gold.id}").status_code == 404
    other = span_of(annotated, "anna", 2, "EDITORIAL_FRAMING")
    assert lead.post(f"/review/documents/1/reject/{other.id}").status_code == 404


def test_gold_drawn_over_punctuation_only_is_refused(lead, annotated):
    """The lead's gold is drawn as annotators draw theirs: a span of the dash alone (token 3)
    is refused with the page's message and stores nothing (it was stored with 201)."""
    before = event_rows(annotated)
    response = lead.post(
        "/review/documents/1/gold",
        data={"label": "INTEL_ESTIMATE", "token_start": "3", "token_end": "3"},
    )
    assert response.status_code == 400
    assert "punctuation only" in response.get_data(as_text=True)
    assert list_spans(annotated, 1, "gold") == [] and event_rows(annotated) == before


def test_an_overshooting_gold_span_asks_first_as_on_the_annotation_page(lead, annotated):
    """A gold span over 60 tokens answers 409 with X-Needs-Confirmation (the page's script asks
    and sends it again with confirmed=1), as an annotator's does; it was stored at once."""
    data = {"label": "INTEL_ESTIMATE", "token_start": "0", "token_end": "90"}
    response = lead.post("/review/documents/1/gold", data=data)
    assert response.status_code == 409 and response.headers["X-Needs-Confirmation"] == "1"
    assert "91 tokens long" in response.get_data(as_text=True)
    assert list_spans(annotated, 1, "gold") == []
    assert lead.post("/review/documents/1/gold", data={**data, "confirmed": "1"}).status_code == 201
    assert [(s.token_start, s.token_end) for s in list_spans(annotated, 1, "gold")] == [(0, 90)]


def test_draw_edit_delete_gold(lead, annotated):
    db = annotated
    before = event_rows(db)
    response = lead.post(
        "/review/documents/1/gold",
        data={"label": "INTEL_ESTIMATE", "token_start": "40", "token_end": "44"},
    )
    assert response.status_code == 201
    (gold,) = list_spans(db, 1, "gold")
    assert (gold.token_start, gold.token_end, gold.version) == (40, 44, 1)
    response = lead.post(
        f"/review/documents/1/gold/{gold.id}",
        data={"version": "1", "label": "EDITORIAL_FRAMING", "token_start": "41", "token_end": "46"},
    )
    assert response.status_code == 200
    (edited,) = list_spans(db, 1, "gold")
    tokens = get_tokens(db, 1)
    assert (edited.label, edited.token_start, edited.token_end, edited.version) == (
        "EDITORIAL_FRAMING",
        41,
        46,
        2,
    )
    assert (edited.start, edited.end) == (int(tokens.starts[41]), int(tokens.ends[46]))
    stale = lead.post(
        f"/review/documents/1/gold/{gold.id}", data={"version": "1", "label": "INTEL_ESTIMATE"}
    )
    assert stale.status_code == 409
    assert lead.delete(f"/review/documents/1/gold/{gold.id}?version=2").status_code == 200
    assert list_spans(db, 1, "gold") == []
    events = new_events(db, before)
    assert [e[0] for e in events] == ["gold_status", "create", "update", "delete"]
    assert events[2][3]["token_start"] == 40 and events[2][4]["token_start"] == 41
    assert events[3][3]["id"] == gold.id and events[3][4] is None


def test_accept_all_identical_in_one_action(lead, annotated):
    db = annotated
    before = event_rows(db)
    assert lead.post("/review/documents/1/accept-identical").status_code == 200
    assert list_spans(db, 1, "gold") == []  # nothing identical in document 1
    assert event_rows(db) == before
    assert "Accept 1 identical" in lead.get("/review/documents/2/status").get_data(as_text=True)
    lead.post("/review/documents/2/accept-identical")
    (gold,) = list_spans(db, 2, "gold")
    assert (gold.label, gold.token_start, gold.token_end) == ("EDITORIAL_FRAMING", 5, 9)
    assert [e[0] for e in new_events(db, before)] == ["gold_status", "create", "accept"]
    assert "Accept 0 identical" in lead.get("/review/documents/2/status").get_data(as_text=True)


def test_gold_status_and_scores_against_gold(lead, annotated):
    db = annotated
    lead.post(f"/review/documents/1/accept/{span_of(db, 'anna', 1, 'STATE_PROPAGANDA').id}")
    lead.post(f"/review/documents/1/accept/{span_of(db, 'ben', 1, 'EDITORIAL_FRAMING').id}")
    before = event_rows(db)
    # anna's two INTEL spans are neither in gold nor rejected: asked first, nothing changed.
    question = lead.post("/review/documents/1/gold-status", data={"status": "adjudicated"})
    assert question.status_code == 409 and question.headers["X-Needs-Confirmation"] == "1"
    assert "2 annotator spans in 2 places are neither in gold" in question.get_data(as_text=True)
    assert new_events(db, before) == []
    response = lead.post(
        "/review/documents/1/gold-status", data={"status": "adjudicated", "confirmed": "1"}
    )
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "goldChanged"
    assert new_events(db, before) == [
        ("gold_status", "gold_status", "1", {"status": "in_progress"}, {"status": "adjudicated"})
    ]
    assert lead.post("/review/documents/1/gold-status", data={"status": "bogus"}).status_code == 400
    html = lead.get("/review/agreement/figures").get_data(as_text=True)

    def micro(name):
        row = re.search(
            rf'<tr class="micro" data-annotator="{name}" data-label="\*">(.*?)</tr>', html, re.S
        )
        return re.findall(r'class="num">([^<]*)<', row.group(1))

    # anna: SP exact, INTEL 60-80 and INTEL 120-125 unmatched: exact and overlap P 1/3, R 1/2.
    assert micro("anna") == ["1", "0.33", "0.50", "0.40", "0.33", "0.50", "0.40", "3 / 2 / 1"]
    # ben: SP 22-30 overlaps gold's 20-30 (not exact), FRAMING exact: exact 1/2, overlap 2/2.
    assert micro("ben") == ["1", "0.50", "0.50", "0.50", "1.00", "1.00", "1.00", "2 / 2 / 2"]


# Progress and assignment -----------------------------------------------------------------------


def test_progress_grid_counts(lead, annotated):
    html = lead.get("/review/progress").get_data(as_text=True)
    row = re.search(r'<tr data-document="1">(.*?)</tr>', html, re.S).group(1)
    assert row.count("badge done") == 2
    assert "3 spans" in row and "2 spans" in row
    totals = lead.get("/review/totals").get_data(as_text=True)
    assert 'max="5" value="2"' in totals  # anna: 2 of 5 documents done


def test_assign_one_document_is_audited(lead, annotated):
    db = annotated
    before = event_rows(db)
    response = lead.post("/review/assignments/3", data={"annotator": ["anna"]})
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "assignmentsChanged"
    assert "<html" not in response.get_data(as_text=True)
    assert db.execute("SELECT annotator FROM assignment WHERE document_id = 3").fetchall() == [
        ("anna",)
    ]
    assert new_events(db, before) == [
        ("assign", "assignment", "3", {"annotators": "everyone"}, {"annotators": ["anna"]})
    ]
    lead.post("/review/assignments/3", data={"everyone": "1"})
    assert db.execute("SELECT COUNT(*) FROM assignment").fetchone()[0] == 0
    assert lead.post("/review/assignments/3", data={"annotator": ["zoe"]}).status_code == 400


def test_round_robin_and_everyone(lead, annotated):
    db = annotated
    # Done work would leave its annotators' queues: asked first, nothing changed yet.
    question = lead.post("/review/assignments", data={"n": "1"})
    assert question.status_code == 200
    assert "hides finished work" in question.get_data(as_text=True)
    assert db.execute("SELECT COUNT(*) FROM assignment").fetchone()[0] == 0
    confirmed = lead.post("/review/assignments", data={"n": "1", "confirmed": "1"})
    assert confirmed.status_code == 200
    rows = db.execute("SELECT document_id, annotator FROM assignment").fetchall()
    per_doc = Counter(d for d, _ in rows)
    per_annotator = Counter(a for _, a in rows)
    assert set(per_doc.values()) == {1} and len(per_doc) == 5
    assert sorted(per_annotator.values()) == [2, 3]
    assert lead.post("/review/assignments", data={"n": "3"}).status_code == 400
    lead.post("/review/assignments", data={"mode": "everyone"})
    assert db.execute("SELECT COUNT(*) FROM assignment").fetchone()[0] == 0


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 30), st.integers(1, 6), st.data())
def test_round_robin_balances_load(n_docs, n_annotators, data):
    n = data.draw(st.integers(1, n_annotators))
    names = [f"a{k}" for k in range(n_annotators)]
    plan = assignments.round_robin(list(range(n_docs)), names, n)
    assert all(len(set(v)) == n for v in plan.values())
    load = Counter(a for v in plan.values() for a in v)
    counts = [load.get(a, 0) for a in names]
    assert max(counts) - min(counts) <= 1


def test_accept_copies_attributes_and_note(lead, annotated):
    db = annotated
    source, _ = create_span(
        db,
        SCHEME,
        get_user(db, "anna"),
        3,
        SpanInput(
            "STATE_PROPAGANDA", token_start=4, token_end=8, attributes={"speaker": "KCNA"}, note="n"
        ),
    )
    assert lead.post(f"/review/documents/3/accept/{source.id}").status_code == 201
    (gold,) = list_spans(db, 3, "gold")
    assert (gold.attributes, gold.note, gold.annotator) == ({"speaker": "KCNA"}, "n", "gold")


def test_regions_refresh_on_gold_changed(lead, annotated):
    for region in ("text", "gold", "status"):
        html = lead.get(f"/review/documents/1/{region}").get_data(as_text=True)
        assert 'hx-trigger="goldChanged from:body' in html, region
    # The rows do not reload on a gold change (that brought back their first page only): the
    # change's answer carries the rows it changed (test_review_places.py).
    rows = lead.get("/review/documents/1/rows").get_data(as_text=True)
    assert 'hx-trigger="change from:#label-filter"' in rows and "goldChanged" not in rows
    assert 'hx-trigger="assignmentsChanged from:body"' in lead.get("/review/totals").get_data(
        as_text=True
    )


def test_a_long_document_renders_its_places_a_page_at_a_time(db, client, monkeypatch):
    """The disagreement view renders the first page of places and a row that loads the next
    when it scrolls into view: every place comes exactly once over the pages, in order."""
    from annotator.web.review import adjudication as view

    monkeypatch.setattr(view, "PLACES_PER_PAGE", 4)
    n_tokens = len(get_tokens(db, 1).starts)
    places = list(range(0, min(n_tokens - 2, 60), 6))  # ten separate places
    assert len(places) == 10
    for name in ("anna", "ben"):
        for ts in places:
            span = SpanInput("STATE_PROPAGANDA", token_start=ts, token_end=ts + 1)
            create_span(db, SCHEME, get_user(db, name), 1, span)
        set_document_status(db, get_user(db, name), 1, "done")
    lead = log_in_with_csrf(client, "lea")
    monkeypatch.setattr(view, "PLACES_PER_PAGE", 1000)
    whole = lead.get("/review/documents/1").get_data(as_text=True)
    every = re.findall(r'<tr class="region[^"]*" data-ts="(\d+)"', whole)
    assert len(every) == 10 and "rows?from=" not in whole
    monkeypatch.setattr(view, "PLACES_PER_PAGE", 4)
    page = lead.get("/review/documents/1").get_data(as_text=True)
    seen = re.findall(r'<tr class="region[^"]*" data-ts="(\d+)"', page)
    assert seen == every[:4]
    more = re.findall(r'hx-get="(/review/documents/1/rows\?from=\d+)"', page)
    while more:
        assert len(more) == 1
        fragment = lead.get(more[0].replace("&amp;", "&")).get_data(as_text=True)
        seen += re.findall(r'<tr class="region[^"]*" data-ts="(\d+)"', fragment)
        more = re.findall(r'hx-get="(/review/documents/1/rows\?from=\d+)"', fragment)
    assert seen == every
    assert lead.get("/review/documents/1/rows?from=x").status_code == 400
    assert lead.get("/review/documents/1/rows?from=999").status_code == 200  # past the end: none
