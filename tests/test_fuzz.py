"""Fuzz: 10,000 generated requests against every route, JSON endpoint and form.

Random methods, paths built from every rule of `app.url_map` with random ids, random JSON and
form bodies, content types and credentials (none, Bearer of each role, a forged token, a session
cookie with and without its CSRF token). Never a 5xx; after every batch each stored span lies on
token boundaries inside its text, and no two same-label spans of one layer overlap.
"""

from __future__ import annotations

import json
import re
import shutil
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator import store
from annotator.core.labels import load_label_scheme
from annotator.services import accounts
from annotator.services.annotations import SpanInput, create_span
from annotator.services.imports import import_paths
from annotator.store import users as user_store
from annotator.store.documents import get_document, get_tokens
from annotator.web import create_app
from tests.conftest import CORPUS, PASSWORD, USERS, csrf_token_of

BATCH = 10
EXAMPLES = {"json": 400, "forms": 300, "anything": 300}  # x BATCH = 10,000 requests
LABELS = ("STATE_PROPAGANDA", "INTEL_ESTIMATE", "EDITORIAL_FRAMING")
SEEDED = ("fz-anna", "fz-ben", "fz-gold")
FIELDS = (
    "id", "label", "start", "end", "token_start", "token_end", "attributes", "note", "version",
    "status", "annotator", "speaker", "agency", "everyone", "mode", "n", "username", "password",
)  # fmt: skip
ANY_RULE = re.compile(r"<any\(([^)]*)\):\w+>")
ARGUMENT = re.compile(r"<(?:[^:>]+:)?(\w+)>")

REQUESTS = {"count": 0}
# endpoint -> credentials that reached it: every route, the lead-only ones included, must be hit
ENDPOINTS: dict[str, set[str]] = {}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One app and database for the whole module: state builds up, as on a real server."""
    tmp = tmp_path_factory.mktemp("fuzz")
    path = tmp / "annotator.db"
    db = store.connect(path)
    import_paths(db, [CORPUS], "text")
    for name, role in USERS.items():
        accounts.create_user(db, name, role, PASSWORD, actor="test")
    tokens = {name: accounts.create_api_token(db, name, actor="test") for name in USERS}
    scheme = load_label_scheme(None)
    for span_id, name in zip(SEEDED, ("anna", "ben", "lea"), strict=True):
        create_span(
            db, scheme, user_store.get_user(db, name), 1, SpanInput(LABELS[0], 0, 5, id=span_id)
        )
    app = create_app({"DB": str(path), "SECRET_KEY": "k", "EXPORT_JOBS": str(tmp / "jobs")})
    cookies = {}
    for name in ("anna", "lea"):
        client = app.test_client()
        user = user_store.get_user(db, name)
        with client.session_transaction() as session:
            session["user_id"], session["epoch"] = user.id, user.session_epoch
        cookies[name] = (client, csrf_token_of(client.get("/").get_data(as_text=True)))
    rules = [r.rule for r in app.url_map.iter_rules() if r.endpoint != "static"]
    yield {"app": app, "db": db, "tokens": tokens, "cookies": cookies, "rules": rules}
    db.conn.close()
    shutil.rmtree(tmp, ignore_errors=True)


# -- strategies ---------------------------------------------------------------------------------

texts = st.text(max_size=40)
form_texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
numbers = st.one_of(
    st.integers(-3, 12000), st.integers(-(2**70), 2**70), st.sampled_from([0, 1, 2**31, 2**63])
)
ids = st.one_of(st.sampled_from(SEEDED), st.text("abcdef0123456789-_", min_size=1, max_size=70))
path_values = st.one_of(
    st.integers(0, 7).map(str),
    numbers.map(str),
    st.sampled_from(SEEDED),
    st.text(max_size=20).map(lambda t: quote(t.encode("utf-8", "surrogatepass"), safe="")),
    st.sampled_from(["..", "%2e%2e", "%00", "x" * 300, "1;DROP TABLE span", "-1", "1.5"]),
)
json_scalars = st.one_of(
    st.none(), st.booleans(), numbers, st.floats(allow_nan=True), texts, st.sampled_from(LABELS)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(FIELDS) | texts, inner, max_size=4),
    ),
    max_leaves=8,
)
span_bodies = st.fixed_dictionaries(
    {},
    optional={
        "id": ids,
        "label": st.sampled_from(LABELS) | json_values,
        "start": numbers | json_values,
        "end": numbers | json_values,
        "token_start": st.integers(-2, 1500) | json_values,
        "token_end": st.integers(-2, 1500) | json_values,
        "attributes": st.dictionaries(st.sampled_from(["speaker", "agency", "x"]), json_values)
        | json_values,
        "note": texts | json_values,
        "version": st.integers(-1, 5) | json_values,
        "status": st.sampled_from(["done", "in_progress", "new", ""]) | json_values,
    },
)
forms = st.dictionaries(
    st.sampled_from(FIELDS) | form_texts,
    st.one_of(st.integers(-3, 2000).map(str), form_texts, st.sampled_from(LABELS)),
    max_size=6,
)
credentials = st.sampled_from(
    ["none", "bearer:anna", "bearer:ben", "bearer:lea", "bearer:forged", "cookie:anna",
     "cookie:lea", "cookie-no-csrf:anna", "cookie-no-csrf:lea"]
)  # fmt: skip
methods = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"])
content_types = st.sampled_from(
    ["application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data",
     "application/json; charset=latin-1", None]
)  # fmt: skip


writers = st.sampled_from(["bearer:anna", "bearer:ben", "bearer:lea", "cookie:anna", "cookie:lea"])


@st.composite
def plausible_writes(draw):
    """Requests close to valid ones, so that writes succeed and the stored state grows."""
    start = draw(st.integers(-2, 2500))
    offsets = {"start": start, "end": start + draw(st.integers(-3, 120))}
    body = {"label": draw(st.sampled_from(LABELS)), **offsets}
    if draw(st.booleans()):
        body["note"] = draw(texts)
    if draw(st.booleans()):
        t0 = draw(st.integers(-1, 400))
        body = {
            "label": body["label"],
            "token_start": t0,
            "token_end": t0 + draw(st.integers(-1, 8)),
        }
    kind = draw(st.sampled_from(["create", "create", "patch", "delete"]))
    if kind == "create":
        if draw(st.booleans()):
            body["id"] = draw(ids)
        path, method = f"/api/documents/{draw(st.integers(1, 5))}/spans", "POST"
    else:
        method, path = ("PATCH" if kind == "patch" else "DELETE"), f"/api/spans/{draw(ids)}"
        body = {**body, "version": draw(st.integers(1, 4))}
    return method, path, draw(writers), body, "application/json"


@st.composite
def paths(draw, rules):
    rule = draw(st.sampled_from(rules))
    rule = ANY_RULE.sub(lambda m: draw(st.sampled_from(m.group(1).split(", "))), rule)
    path = ARGUMENT.sub(lambda _m: draw(path_values), rule)
    if draw(st.booleans()):
        query = draw(
            st.dictionaries(
                st.sampled_from(
                    [
                        "span",
                        "version",
                        "annotator",
                        "token",
                        "label",
                        "after",
                        "bootstrap",
                        "annotators",
                        "labels",
                        "layer",
                        "format",
                        "done_only",
                        "gamma",
                        "start",
                    ]
                ),  # fmt: skip
                path_values,
                max_size=2,
            )
        )
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


# -- sending and checking -----------------------------------------------------------------------


def send(site, method, path, credential, headers, **body):
    """One request as `credential`; asserts no 5xx."""
    app, tokens, cookies = site["app"], site["tokens"], site["cookies"]
    kind, _, who = credential.partition(":")
    headers = dict(headers)
    client = app.test_client()
    if kind == "bearer":
        headers["Authorization"] = f"Bearer {tokens.get(who, 'ann_forged-token')}"
    elif kind.startswith("cookie"):
        client, csrf = cookies[who]
        if kind == "cookie":
            headers["X-CSRFToken"] = csrf
            if isinstance(body.get("data"), dict):
                body["data"] = {**body["data"], "csrf_token": csrf}
    REQUESTS["count"] += 1
    try:
        endpoint, _ = app.url_map.bind("localhost").match(path.split("?")[0], method=method)
        ENDPOINTS.setdefault(endpoint, set()).add(credential)
    except Exception:  # 404 and 405: no endpoint reached
        pass
    response = client.open(path, method=method, headers=headers, **body)
    text = response.get_data(as_text=True)
    response.close()
    assert response.status_code < 500, (method, path, credential, body, text[:300])
    if response.status_code >= 400 and path.startswith("/api/") and method != "HEAD":
        assert response.is_json and "error" in response.get_json(), (method, path, text[:200])


def assert_spans_sound(db) -> None:
    """Every stored span is on token boundaries inside its text; no same-label overlaps."""
    spans = db.conn.execute(
        'SELECT id, document_id, annotator, label, start, "end", token_start, token_end FROM span'
    ).fetchall()
    cache = {}
    for span_id, doc_id, _annotator, _label, start, end, t0, t1 in spans:
        if doc_id not in cache:
            cache[doc_id] = (get_document(db, doc_id).text, get_tokens(db, doc_id))
        text, tokens = cache[doc_id]
        assert 0 <= t0 <= t1 < len(tokens.starts), span_id
        assert (start, end) == (tokens.starts[t0], tokens.ends[t1]), span_id
        assert 0 <= start < end <= len(text), span_id
        assert not text[start].isspace() and not text[end - 1].isspace(), span_id
    by_layer: dict[tuple, list[tuple[int, int]]] = {}
    for _id, doc_id, annotator, label, _s, _e, t0, t1 in spans:
        by_layer.setdefault((doc_id, annotator, label), []).append((t0, t1))
    for key, ranges in by_layer.items():
        ranges.sort()
        for (_a0, a1), (b0, _b1) in zip(ranges, ranges[1:], strict=False):
            assert a1 < b0, f"overlapping same-label spans in {key}"


SETTINGS = settings(
    deadline=None,
    derandomize=True,  # the same 10,000 requests each run: a failure is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def test_fuzz_json_endpoints(site):
    api_rules = [r for r in site["rules"] if r.startswith("/api/")]

    @settings(SETTINGS, max_examples=EXAMPLES["json"])
    @given(
        st.lists(
            st.tuples(
                methods, paths(api_rules), credentials, span_bodies | json_values, content_types
            )
            | plausible_writes(),
            min_size=BATCH,
            max_size=BATCH,
        )
    )
    def run(batch):
        for method, path, credential, body, content_type in batch:
            headers = {"Content-Type": content_type} if content_type else {}
            send(site, method, path, credential, headers, data=json.dumps(body))
        assert_spans_sound(site["db"])

    run()


def test_fuzz_forms(site):
    page_rules = [r for r in site["rules"] if not r.startswith("/api/")]

    @settings(SETTINGS, max_examples=EXAMPLES["forms"])
    @given(
        st.lists(
            st.tuples(methods, paths(page_rules), credentials, forms, st.booleans()),
            min_size=BATCH,
            max_size=BATCH,
        )
    )
    def run(batch):
        for method, path, credential, form, htmx in batch:
            headers = {"HX-Request": "true"} if htmx else {}
            send(site, method, path, credential, headers, data=form)
        assert_spans_sound(site["db"])

    run()


def test_fuzz_anything(site):
    """Raw bytes, odd headers and methods anywhere."""
    junk_methods = methods | st.sampled_from(["OPTIONS", "HEAD", "TRACE", "PROPFIND", "GETT"])
    header_sets = st.dictionaries(
        st.sampled_from(["Accept", "HX-Request", "X-CSRFToken", "Content-Length", "Cookie",
                         "Authorization", "X-Forwarded-For", "Origin", "Referer", "Range"]),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
        max_size=3,
    )  # fmt: skip

    @settings(SETTINGS, max_examples=EXAMPLES["anything"])
    @given(
        st.lists(
            st.tuples(
                junk_methods,
                paths(site["rules"]),
                credentials,
                st.binary(max_size=300),
                header_sets,
            ),
            min_size=BATCH,
            max_size=BATCH,
        )
    )
    def run(batch):
        for method, path, credential, raw, headers in batch:
            headers.pop("Content-Length", None)  # a wrong one would hang the test client
            send(site, method, path, credential, headers, data=raw)
        assert_spans_sound(site["db"])

    run()


def test_every_route_by_every_credential(site):
    """Besides the random draw: each rule with each of its methods, once per credential, with
    plausible arguments (1, a seeded span id) and hostile ones, so that no route is missed."""
    rules = [r for r in site["app"].url_map.iter_rules() if r.endpoint != "static"]
    creds = list(credentials.elements)
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for value in ("1", SEEDED[2], "%C2%B2", "9" * 30):
                path = ARGUMENT.sub(
                    lambda _m, v=value: v,
                    ANY_RULE.sub(lambda m: m.group(1).split(", ")[0], rule.rule),
                )
                for credential in creds:
                    send(site, method, path, credential, {}, data={"n": value})
    assert_spans_sound(site["db"])


def test_ten_thousand_requests_were_sent(site):
    # Runs after the three fuzz tests (file order); guards against a silently shrunken budget.
    assert REQUESTS["count"] >= 10_000
    db = site["db"]
    counts = dict(
        db.conn.execute(
            "SELECT action, COUNT(*) FROM event WHERE entity = 'span' GROUP BY action"
        ).fetchall()
    )
    print(f"fuzz: {REQUESTS['count']} requests, span events {counts}")
    # Every route of the url_map was reached, and each by a lead (the lead-only ones too).
    endpoints = {r.endpoint for r in site["app"].url_map.iter_rules() if r.endpoint != "static"}
    assert endpoints - set(ENDPOINTS) == set(), "routes the fuzz never reached"
    by_lead = {e for e, who in ENDPOINTS.items() if who & {"bearer:lea", "cookie:lea"}}
    assert endpoints - by_lead == set(), "routes no lead request reached"
    # The fuzz reached the write paths, not only their refusals.
    assert counts.get("create", 0) >= 100 and counts.get("update", 0) >= 1, counts
    assert db.conn.execute("SELECT COUNT(*) FROM span").fetchone()[0] >= 50, counts
