"""News documents in the web app (issue 16): outlet, date, author and URL on the queue and the
document page; waiting feed entries hidden; the grid and the dashboard filtered by outlet,
month and language, the filters kept in their htmx requests; agreement per outlet."""

from __future__ import annotations

import re

import pytest

from annotator.core.labels import load_label_scheme
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.services.imports import import_run
from annotator.store.users import get_user
from tests.conftest import login
from tests.news_support import rss, write_pages
from tests.test_review import log_in_with_csrf

SCHEME = load_label_scheme()
WAITING_URL = "https://www.tagesblick.example/politik/noch-nicht.html"


@pytest.fixture
def news(db, tmp_path):
    """The five corpus documents, three news pages (ids 6-8 by URL order of their files) and
    one feed entry waiting for its page; anna and ben done on every news page."""
    feed = tmp_path / "feed.xml"
    feed.write_text(rss([{"title": "Noch nicht da", "link": WAITING_URL}]), encoding="utf-8")
    report = import_run(db, [write_pages(tmp_path / "pages"), feed])
    assert (report.documents_added, report.documents_waiting) == (3, 1)
    ids = dict(
        db.conn.execute(
            "SELECT outlet || '/' || lang, id FROM document WHERE url IS NOT NULL AND waiting = 0"
        )
    )
    (waiting,) = db.conn.execute("SELECT id FROM document WHERE waiting = 1").fetchone()
    for name, shift in (("anna", 0), ("ben", 1)):
        user = get_user(db, name)
        for document_id in ids.values():
            create_span(
                db,
                SCHEME,
                user,
                document_id,
                SpanInput("INTEL_ESTIMATE", token_start=2, token_end=6 + shift),
            )
            set_document_status(db, user, document_id, "done")
    return {"ids": ids, "waiting": waiting}


def test_queue_shows_outlet_date_and_author_and_not_the_waiting_entry(client, news):
    login(client, "anna")
    html = client.get("/").get_data(as_text=True)
    row = re.search(rf'<tr data-document="{news["ids"]["Vesti/ru"]}".*?</tr>', html, re.S).group(0)
    assert '<div class="article-meta small">Vesti · 2025-03-15 · Иван Петров</div>' in row
    assert f'data-document="{news["waiting"]}"' not in html
    assert "Noch nicht da" not in html
    # Documents without article fields have no such line.
    plain = re.search(r'<tr data-document="1".*?</tr>', html, re.S).group(0)
    assert "article-meta" not in plain


def test_document_page_shows_where_the_article_comes_from(client, news):
    login(client, "anna")
    html = client.get(f"/documents/{news['ids']['Kyiv Wire/en']}").get_data(as_text=True)
    meta = re.search(r'<dl class="article-meta small" id="article-meta">.*?</dl>', html, re.S)
    assert meta, "no article fields on the document page"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", meta.group(0))).strip()
    assert text == (
        "Outlet Kyiv Wire Published 2025-05-01 Author Olena Example "
        "URL https://wire.example/troops Language en"
    )
    assert '<a href="https://wire.example/troops" rel="noopener noreferrer nofollow"' in meta.group(
        0
    )


@pytest.mark.parametrize("who", ["anna", "lea"])
def test_waiting_entry_is_not_found_for_anyone_until_its_page_comes(client, news, who):
    token = login(client, who)
    assert client.get(f"/documents/{news['waiting']}").status_code == 404
    assert client.get(f"/api/documents/{news['waiting']}").status_code == 404
    posted = client.post(
        f"/api/documents/{news['waiting']}/spans",
        json={"label": "INTEL_ESTIMATE", "start": 0, "end": 1},
        headers={"X-CSRFToken": token},
    )
    assert posted.status_code == 404
    listed = client.get("/api/documents").get_json()
    assert news["waiting"] not in [d["id"] for d in listed]


def test_progress_grid_filters_by_outlet_and_keeps_the_filter_in_its_requests(client, news):
    log_in_with_csrf(client, "lea")
    html = client.get("/review?outlet=Vesti").get_data(as_text=True)
    rows = re.findall(r'<tr data-document="(\d+)"', html)
    assert rows == [str(news["ids"]["Vesti/ru"])]
    assert '<option value="Vesti" selected>Vesti</option>' in html
    assert 'id="waiting-count"' in html and "1 feed entry waiting for its page" in html
    # Every htmx request the grid makes carries the filter.
    assert 'hx-get="/review/totals?outlet=Vesti"' in html
    assert f'hx-post="/review/assignments/{rows[0]}?outlet=Vesti"' in html
    assert 'hx-post="/review/assignments?outlet=Vesti"' in html
    response = client.post(
        f"/review/assignments/{rows[0]}?outlet=Vesti",
        data={"annotator": "anna", "confirmed": "1"},  # ben's finished layer may be hidden
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "assignmentsChanged"
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment
    assert re.findall(r'<tr data-document="(\d+)"', fragment) == rows


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("month=2025-05", ["Kyiv Wire/en"]),
        ("lang=de", None),  # the five corpus documents and the German page
        ("outlet=Tagesblick&lang=en", []),
    ],
)
def test_progress_grid_filters_by_month_and_language(client, news, db, query, expected):
    log_in_with_csrf(client, "lea")
    html = client.get(f"/review/progress?{query}").get_data(as_text=True)
    rows = [int(r) for r in re.findall(r'<tr data-document="(\d+)"', html)]
    if expected is None:
        wanted = [
            r[0]
            for r in db.conn.execute(
                "SELECT id FROM document WHERE lang = 'de' AND waiting = 0 ORDER BY id"
            )
        ]
        assert rows == wanted and len(wanted) == 6
    else:
        assert rows == [news["ids"][k] for k in expected]
    if expected == []:
        assert "No documents match the filter." in html


@pytest.mark.parametrize(
    "query",
    ["month=May", "month=2025-13-01", "outlet=" + "x" * 5000, "lang=%00", "by=author", "outlet="],
)
def test_odd_filter_values_never_fail(client, news, query):
    log_in_with_csrf(client, "lea")
    for path in ("/review", "/review/progress", "/review/agreement", "/review/agreement/figures"):
        assert client.get(f"{path}?{query}").status_code == 200, path


def test_dashboard_filters_by_outlet_and_shows_agreement_per_outlet(client, news):
    log_in_with_csrf(client, "lea")
    page = client.get("/review/agreement").get_data(as_text=True)
    assert '<select name="outlet">' in page and '<option value="Kyiv Wire">' in page
    html = client.get(
        "/review/agreement/figures?outlet=Tagesblick", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert 'data-documents="1"' in html
    assert re.findall(r'<tr data-stratum="([^"]*)">', html) == ["Tagesblick"]
    everything = client.get("/review/agreement/figures").get_data(as_text=True)
    assert re.findall(r'<tr data-stratum="([^"]*)">', everything) == [
        "Kyiv Wire",
        "Tagesblick",
        "Vesti",
    ]
    assert 'id="strata" data-by="outlet"' in everything
    by_lang = client.get("/review/agreement/figures?by=lang").get_data(as_text=True)
    assert re.findall(r'<tr data-stratum="([^"]*)">', by_lang) == ["de", "en", "ru"]
    row = re.search(r'<tr data-stratum="en">.*?</tr>', by_lang, re.S).group(0)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells[0] == "1" and cells[2] == "n/a"  # one document: no interval
