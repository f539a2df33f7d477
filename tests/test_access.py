"""Every route by every role, as a table: who may read and write what.

The table is checked against `app.url_map`: a route added without a row here fails the suite.
Roles: anonymous, the owner of a span (anna), another annotator (ben), a lead (lea). Besides the
status, every answer to an annotator is searched for span ids of other layers (blindness), and a
refused write must leave the database exactly as it was.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from annotator import store
from annotator.core.labels import load_label_scheme
from annotator.services import accounts
from annotator.services.annotations import SpanInput, create_span
from annotator.services.imports import import_paths
from annotator.store import users as user_store
from annotator.web import create_app
from tests.conftest import CORPUS, PASSWORD, USERS, csrf_token_of

FRAMING = "EDITORIAL_FRAMING"
ANON, OWNER, OTHER, LEAD = "anonymous", "anna", "ben", "lea"
ROLES = (ANON, OTHER, LEAD, OWNER)  # refusals first, the owner's successful write last
IDS = {"anna": "span-of-anna", "ben": "span-of-ben", "gold": "span-of-gold"}

OK = "ok"  # 2xx, or a redirect that is not to the login page
PASS = "pass"  # past access control: anything but 401/403/404/login (bad input 400 is fine)
DENY = "deny"  # 403 or 404
LOGIN = "login"  # 401, or a redirect to the login page
NO_METHOD = "405"


@dataclass(frozen=True)
class Row:
    method: str
    rule: str
    path: str
    expect: dict[str, str]
    json: dict | None = None
    form: dict | None = None
    extra_rules: tuple[str, ...] = field(default=())


def everyone(kind: str) -> dict[str, str]:
    return {ANON: kind, OTHER: kind, LEAD: kind, OWNER: kind}


def users(kind: str, anonymous: str = LOGIN) -> dict[str, str]:
    return {ANON: anonymous, OTHER: kind, LEAD: kind, OWNER: kind}


def lead_only(kind: str = OK) -> dict[str, str]:
    return {ANON: LOGIN, OTHER: DENY, LEAD: kind, OWNER: DENY}


def owner_only() -> dict[str, str]:
    return {ANON: LOGIN, OTHER: DENY, LEAD: DENY, OWNER: OK}


def annotators_only() -> dict[str, str]:
    return {ANON: LOGIN, OTHER: OK, LEAD: DENY, OWNER: OK}


def owner_and_lead() -> dict[str, str]:
    return {ANON: LOGIN, OTHER: DENY, LEAD: OK, OWNER: OK}


# Feedback before release: nobody (a lead gets 403: feedback is an annotator's view).
NOBODY_BEFORE_RELEASE = {ANON: LOGIN, OTHER: DENY, LEAD: DENY, OWNER: DENY}
DOC = "/documents/<int:document_id>"
RDOC = "/review/documents/<int:document_id>"
NEW_SPAN = {"label": FRAMING, "start": 40, "end": 60}
TABLE = [
    Row("GET", "/", "/", users(OK)),
    Row("GET", "/healthz", "/healthz", everyone(OK)),
    Row("GET", "/login", "/login", everyone(OK)),
    Row("POST", "/login", "/login", everyone(OK), form={"username": "anna", "password": PASSWORD}),
    Row("POST", "/logout", "/logout", everyone(OK)),
    Row("GET", "/logout", "/logout", everyone(NO_METHOD)),
    Row("GET", "/next", "/next", users(OK)),
    Row("GET", "/static/<path:filename>", "/static/annotator.css", everyone(OK)),
    # The JSON API.
    Row("GET", "/api/me", "/api/me", users(OK)),
    Row("GET", "/api/agreement", "/api/agreement", lead_only()),
    Row("GET", "/api/documents", "/api/documents", users(OK)),
    Row("GET", "/api/documents/<int:document_id>", "/api/documents/1", users(OK)),
    Row("GET", "/api/documents/<int:document_id>/spans", "/api/documents/1/spans", users(OK)),
    Row(
        "GET",
        "/api/documents/<int:document_id>/spans",
        "/api/documents/1/spans?annotator=anna",
        owner_and_lead(),
    ),
    Row(
        "POST",
        "/api/documents/<int:document_id>/spans",
        "/api/documents/1/spans",
        users(OK),
        json=NEW_SPAN,
    ),
    Row(
        "POST",  # someone else's span id: never revealed or touched
        "/api/documents/<int:document_id>/spans",
        "/api/documents/1/spans",
        {ANON: LOGIN, OTHER: "409", LEAD: "409", OWNER: OK},
        json={**NEW_SPAN, "id": IDS["anna"]},
    ),
    Row(
        "PUT",
        "/api/documents/<int:document_id>/status",
        "/api/documents/1/status",
        annotators_only(),
        json={"status": "done"},
    ),
    Row("GET", "/api/spans/<span_id>", f"/api/spans/{IDS['anna']}", owner_and_lead()),
    Row("GET", "/api/spans/<span_id>", f"/api/spans/{IDS['gold']}", lead_only()),
    Row(
        "PATCH",
        "/api/spans/<span_id>",
        f"/api/spans/{IDS['anna']}",
        owner_only(),
        json={"version": 1, "note": "changed"},
    ),
    Row(
        "PATCH",
        "/api/spans/<span_id>",
        f"/api/spans/{IDS['gold']}",
        lead_only(),
        json={"version": 1, "note": "changed"},
    ),
    Row("DELETE", "/api/spans/<span_id>", f"/api/spans/{IDS['anna']}", owner_only()),
    Row("DELETE", "/api/spans/<span_id>", f"/api/spans/{IDS['gold']}", lead_only()),
    # Annotation pages.
    Row("GET", DOC, "/documents/1", users(OK)),
    Row("GET", f"{DOC}/text", "/documents/1/text", users(OK)),
    Row("GET", f"{DOC}/spans", "/documents/1/spans", users(OK)),
    Row("GET", f"{DOC}/toolbar", "/documents/1/toolbar", users(OK)),
    Row("GET", f"{DOC}/editor", "/documents/1/editor", users(OK)),
    # The annotation page edits one's own layer (gold for leads); leads read others' on /review.
    Row("GET", f"{DOC}/editor", f"/documents/1/editor?span={IDS['anna']}", owner_only()),
    Row("GET", f"{DOC}/editor", f"/documents/1/editor?span={IDS['gold']}", lead_only()),
    Row(
        "POST",
        f"{DOC}/spans",
        "/documents/1/spans",
        users(OK),
        form={"label": FRAMING, "token_start": "10", "token_end": "12"},
    ),
    Row(
        "POST",
        f"{DOC}/spans/<span_id>",
        f"/documents/1/spans/{IDS['anna']}",
        owner_only(),
        form={"version": "1", "note": "changed"},
    ),
    Row(
        "DELETE",
        f"{DOC}/spans/<span_id>",
        f"/documents/1/spans/{IDS['anna']}?version=1",
        owner_only(),
    ),
    Row(
        "DELETE",
        f"{DOC}/spans/<span_id>",
        f"/documents/1/spans/{IDS['gold']}?version=1",
        lead_only(),
    ),
    Row("POST", f"{DOC}/status", "/documents/1/status", annotators_only(), form={"status": "done"}),
    Row("POST", f"{DOC}/undo", "/documents/1/undo", users(PASS)),
    # Review pages: leads only.
    Row("GET", "/review", "/review", lead_only()),
    Row("GET", "/review/progress", "/review/progress", lead_only()),
    Row("GET", "/review/totals", "/review/totals", lead_only()),
    Row("GET", "/review/agreement", "/review/agreement", lead_only()),
    Row("GET", "/review/export", "/review/export?format=jsonl&layer=all", lead_only()),
    Row("GET", "/review/agreement/figures", "/review/agreement/figures", lead_only()),
    Row("GET", "/review/agreement/gamma", "/review/agreement/gamma", lead_only()),
    Row("POST", "/review/agreement/gamma", "/review/agreement/gamma", lead_only()),
    Row("GET", "/review/agreement/gamma", "/review/agreement/gamma", lead_only()),
    Row("POST", "/review/agreement/gamma", "/review/agreement/gamma", lead_only(PASS)),
    Row(
        "POST",
        "/review/assignments",
        "/review/assignments",
        lead_only(PASS),
        form={"mode": "everyone"},
    ),
    Row(
        "POST",
        "/review/assignments/<int:document_id>",
        "/review/assignments/1",
        lead_only(PASS),
        form={"everyone": "1"},
    ),
    Row("GET", RDOC, "/review/documents/1", lead_only()),
    Row("GET", f"{RDOC}/rows", "/review/documents/1/rows", lead_only()),
    Row("GET", f"{RDOC}/editor", "/review/documents/1/editor", lead_only()),
    *[
        Row(
            "GET",
            f"{RDOC}/<any(text, gold, status):region>",
            f"/review/documents/1/{r}",
            lead_only(),
        )
        for r in ("text", "gold", "status")
    ],
    Row(
        "POST",
        f"{RDOC}/accept/<span_id>",
        f"/review/documents/1/accept/{IDS['anna']}",
        lead_only(PASS),
    ),
    Row(
        "POST",
        f"{RDOC}/reject/<span_id>",
        f"/review/documents/1/reject/{IDS['anna']}",
        lead_only(PASS),
    ),
    Row(
        "POST", f"{RDOC}/accept-identical", "/review/documents/1/accept-identical", lead_only(PASS)
    ),
    Row(
        "POST",
        f"{RDOC}/gold",
        "/review/documents/1/gold",
        lead_only(PASS),
        form={"label": FRAMING, "token_start": "20", "token_end": "22"},
    ),
    Row(
        "POST",
        f"{RDOC}/gold/<span_id>",
        f"/review/documents/1/gold/{IDS['gold']}",
        lead_only(PASS),
        form={"version": "1", "note": "changed"},
    ),
    Row(
        "DELETE",
        f"{RDOC}/gold/<span_id>",
        f"/review/documents/1/gold/{IDS['gold']}?version=1",
        lead_only(PASS),
    ),
    Row(
        "POST",
        f"{RDOC}/gold-status",
        "/review/documents/1/gold-status",
        lead_only(PASS),
        form={"status": "adjudicated"},
    ),
    # Issue 15: feedback after adjudication, question threads, active time, scheme versions.
    # Document 1 is not adjudicated here: release answers 409 and nothing of feedback shows.
    Row(
        "POST",
        "/api/documents/<int:document_id>/release",
        "/api/documents/1/release",
        lead_only(PASS),
    ),
    Row(
        "GET",
        "/api/documents/<int:document_id>/feedback",
        "/api/documents/1/feedback",
        NOBODY_BEFORE_RELEASE,
    ),
    Row("GET", f"{DOC}/feedback", "/documents/1/feedback", NOBODY_BEFORE_RELEASE),
    Row(
        "GET",
        "/api/spans/<span_id>/comments",
        f"/api/spans/{IDS['anna']}/comments",
        owner_and_lead(),
    ),
    Row(
        "GET",
        "/api/spans/<span_id>/comments",
        f"/api/spans/{IDS['gold']}/comments",
        lead_only(PASS),
    ),
    Row(
        "POST",
        "/api/spans/<span_id>/comments",
        f"/api/spans/{IDS['anna']}/comments",
        owner_and_lead(),
        json={"text": "unsure?"},
    ),
    Row(
        "POST",
        "/api/spans/<span_id>/comments/resolve",
        f"/api/spans/{IDS['anna']}/comments/resolve",
        owner_and_lead(),
    ),
    Row("GET", "/api/documents/<int:document_id>/comments", "/api/documents/1/comments", users(OK)),
    Row(
        "GET",
        "/api/documents/<int:document_id>/comments",
        "/api/documents/1/comments?annotator=anna",
        owner_and_lead(),
    ),
    Row(
        "POST",
        "/api/documents/<int:document_id>/comments",
        "/api/documents/1/comments",
        {ANON: LOGIN, OTHER: OK, LEAD: PASS, OWNER: OK},  # a lead names the annotator (400)
        json={"text": "unsure about the whole text"},
    ),
    Row(
        "POST",
        "/api/documents/<int:document_id>/comments",
        "/api/documents/1/comments",
        owner_and_lead(),
        json={"text": "an answer", "annotator": "anna"},
    ),
    Row(
        "POST",
        "/api/documents/<int:document_id>/comments/resolve",
        "/api/documents/1/comments/resolve",
        {ANON: LOGIN, OTHER: OK, LEAD: PASS, OWNER: OK},
    ),
    Row(
        "PUT",
        "/api/documents/<int:document_id>/time",
        "/api/documents/1/time",
        annotators_only(),
        json={"active_ms": 5000},
    ),
    Row("GET", f"{DOC}/questions", "/documents/1/questions", users(OK)),
    Row(
        "POST",
        f"{DOC}/questions",
        "/documents/1/questions",
        annotators_only(),
        form={"text": "unsure?"},
    ),
    Row(
        "POST",
        f"{DOC}/questions",
        "/documents/1/questions",
        owner_only(),
        form={"text": "unsure?", "span_id": IDS["anna"]},
    ),
    Row(
        "POST",
        f"{DOC}/questions/resolve",
        "/documents/1/questions/resolve",
        annotators_only(),
        form={},
    ),
    Row("GET", f"{RDOC}/release", "/review/documents/1/release", lead_only()),
    Row(
        "POST",
        f"{RDOC}/release",
        "/review/documents/1/release",
        lead_only(PASS),
        form={"note": "n"},
    ),
    Row("POST", "/review/release-all", "/review/release-all", lead_only()),
    Row("POST", "/review/reopen-outdated", "/review/reopen-outdated", lead_only()),
    Row("GET", f"{RDOC}/threads", "/review/documents/1/threads", lead_only()),
    Row(
        "POST",
        f"{RDOC}/threads",
        "/review/documents/1/threads",
        lead_only(),
        form={"text": "an answer", "span_id": IDS["anna"]},
    ),
    Row(
        "POST",
        f"{RDOC}/threads/resolve",
        "/review/documents/1/threads/resolve",
        lead_only(),
        form={"span_id": IDS["anna"]},
    ),
    # Issue 14: what needs the lead, on the progress page.
    Row("GET", "/review/todo", "/review/todo", lead_only()),
]


@pytest.fixture(scope="module")
def template_db(tmp_path_factory) -> Path:
    """The corpus, the three users, and one span each of anna, ben and gold on document 1."""
    path = tmp_path_factory.mktemp("access") / "annotator.db"
    db = store.connect(path)
    import_paths(db, [CORPUS], "text")
    for name, role in USERS.items():
        accounts.create_user(db, name, role, PASSWORD, actor="test")
    scheme = load_label_scheme(None)
    for name, layer in (("anna", "anna"), ("ben", "ben"), ("lea", "gold")):
        user = user_store.get_user(db, name)
        create_span(db, scheme, user, 1, SpanInput(FRAMING, 0, 5, id=IDS[layer]))
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path


def snapshot(db) -> tuple:
    """Everything a refused request must leave alone."""
    tables = ("span", "document_status", "assignment", "gold_status", "user")
    tables += ("comment", "active_time", "feedback_release", "label_scheme_state")
    rows = tuple(db.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables)
    return rows, db.conn.execute("SELECT COUNT(*) FROM event").fetchone()[0]


def client_for(app, role: str, db):
    """A test client with a session of `role` (made directly, no scrypt), and its CSRF token."""
    client = app.test_client()
    if role != ANON:
        user = user_store.get_user(db, role)
        with client.session_transaction() as session:
            session["user_id"], session["epoch"] = user.id, user.session_epoch
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    return client, token


def classify(response) -> str:
    status = response.status_code
    location = response.headers.get("Location", "")
    if status == 401 or (status == 302 and "/login" in location and "next=" in location):
        return LOGIN
    if status in (403, 404):
        return DENY
    if status == 405:
        return NO_METHOD
    if status == 409:
        return "409"
    if status < 400:
        return OK
    return f"status {status}"


def test_every_route_is_in_the_table(tmp_path, template_db):
    app = create_app({"DB": str(template_db), "SECRET_KEY": "k"})
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(row.method, row.rule) for row in TABLE}
    assert routes - covered == set(), "routes without an access row"
    assert covered - routes == set(), "rows for routes that no longer exist"


@pytest.mark.parametrize("row", TABLE, ids=lambda r: f"{r.method} {r.path}")
def test_route_by_role(row: Row, template_db, tmp_path):
    path = tmp_path / "annotator.db"
    shutil.copyfile(template_db, path)
    app = create_app({"DB": str(path), "SECRET_KEY": "k", "TESTING": True})
    db = store.connect(path, migrate_schema=False)
    try:
        for role in ROLES:
            client, token = client_for(app, role, db)
            before = snapshot(db)
            headers = {"X-CSRFToken": token}
            kwargs = {"headers": headers}
            if row.json is not None:
                kwargs["json"] = row.json
            if row.form is not None:
                kwargs["data"] = {**row.form, "csrf_token": token}
            response = client.open(row.path, method=row.method, **kwargs)
            got, want = classify(response), row.expect[role]
            assert response.status_code < 500, (role, response.get_data(as_text=True)[:300])
            if want == PASS:
                assert got not in (LOGIN, DENY), (role, response.status_code)
            else:
                assert got == want, (
                    role,
                    response.status_code,
                    response.get_data(as_text=True)[:200],
                )
            if got in (LOGIN, DENY, NO_METHOD, "409") and row.method != "GET":
                assert snapshot(db) == before, f"{role}: a refused {row.method} changed data"
            if role in (OWNER, OTHER):
                body = response.get_data(as_text=True)
                for layer, span_id in IDS.items():
                    if layer != role and span_id not in f"{row.path}{row.json}{row.form}":
                        assert span_id not in body, f"{role} saw {layer}'s span {span_id}"
            response.close()
    finally:
        db.conn.close()
