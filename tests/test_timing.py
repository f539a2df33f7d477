"""Issue 15: active time per (document, annotator): bounded increments, no double counting of
several tabs, minutes in the grid, pace on the dashboard, active_ms in the export."""

from __future__ import annotations

import pytest

from annotator.core.errors import AppError
from annotator.core.labels import load_label_scheme
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.services.exports import export_records
from annotator.services.timing import MAX_INCREMENT_MS, add_time, annotator_pace
from annotator.store.active_time import active_ms
from annotator.store.users import get_user
from tests.conftest import login

SCHEME = load_label_scheme()


def put(client, token, value):
    return client.put(
        "/api/documents/1/time", json={"active_ms": value}, headers={"X-CSRFToken": token}
    )


def test_increments_are_bounded(client, db):
    token = login(client, "anna")
    for bad in (0, -5, MAX_INCREMENT_MS + 1, "5000", 1.5, True, None, 10**30):
        response = put(client, token, bad)
        assert response.status_code == 400, bad
        assert "active_ms" in response.json["error"]
    assert active_ms(db, 1, "anna") == 0
    assert put(client, token, 15_000).json == {"active_ms": 15_000, "total_ms": 15_000}


def test_only_annotators_and_only_their_documents(client, db):
    token = login(client, "lea")
    assert put(client, token, 1000).status_code == 403
    with pytest.raises(AppError) as refused:
        add_time(db, get_user(db, "anna"), 999, 1000)
    assert refused.value.status == 404


def test_two_tabs_reporting_at_once_count_the_wall_time_once(db):
    anna = get_user(db, "anna")
    # Tab A on document 1 and tab B on document 2 each report 15 s within the same 15 s.
    assert add_time(db, anna, 1, 15_000, now=1000.0)["active_ms"] == 15_000
    assert add_time(db, anna, 2, 15_000, now=1001.0)["active_ms"] == 1_250  # 1 s + slack
    assert add_time(db, anna, 1, 15_000, now=1015.0)["active_ms"] == 14_250
    assert add_time(db, anna, 2, 15_000, now=1016.0)["active_ms"] == 1_250
    total = active_ms(db, 1, "anna") + active_ms(db, 2, "anna")
    assert total == 31_750  # 16 s of wall time and four reports' slack, not 60 s
    # After a pause, a report is credited in full; a clock going backwards credits nothing.
    assert add_time(db, anna, 1, 10_000, now=2000.0)["active_ms"] == 10_000
    assert add_time(db, anna, 1, 10_000, now=1990.0)["active_ms"] == 0


def test_grid_shows_minutes_and_dashboard_shows_pace(client, db):
    anna = get_user(db, "anna")
    for ts in (5, 20, 40):
        create_span(
            db, SCHEME, anna, 1, SpanInput("EDITORIAL_FRAMING", token_start=ts, token_end=ts)
        )
    add_time(db, anna, 1, 90_000, now=100.0)
    add_time(db, anna, 1, 90_000, now=200.0)  # 3 minutes on document 1
    add_time(db, anna, 2, 60_000, now=300.0)  # 1 minute on document 2, no span
    set_document_status(db, anna, 1, "done")
    set_document_status(db, anna, 2, "done")
    pace = {p.annotator: p for p in annotator_pace(db, ["anna", "ben"])}
    assert pace["anna"].documents == 2
    assert pace["anna"].median_minutes == 2.0  # median of 3 and 1
    assert pace["anna"].spans_per_hour == 3 / (4 / 60)
    assert pace["ben"].median_minutes is None and pace["ben"].spans_per_hour is None
    login(client, "lea")
    grid = client.get("/review").get_data(as_text=True)
    assert "3.0 min" in grid and "1.0 min" in grid
    dashboard = client.get("/review/agreement").get_data(as_text=True)
    assert 'id="pace-table"' in dashboard and '<td class="num">2.0</td>' in dashboard
    records = {
        (r["meta"]["document_id"], r["_annotator_id"]): r for r in export_records(db, gold=True)
    }
    assert records[(1, "anna")]["meta"]["active_ms"] == 180_000
    assert records[(2, "anna")]["meta"]["active_ms"] == 60_000
