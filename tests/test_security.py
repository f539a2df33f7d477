"""Security: headers and CSP, cookies, secret key, CSRF, login limits, ended sessions, escaping."""

from __future__ import annotations

import stat
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.routing import AnyConverter

from annotator.core.errors import AppError
from annotator.services import accounts
from annotator.services.imports import import_paths
from annotator.store import users as user_store
from annotator.web import auth, create_app
from annotator.web.assets import HTMX_URL
from tests.conftest import PASSWORD, bearer, csrf_token_of, login

FRAMING, PROPAGANDA = "EDITORIAL_FRAMING", "STATE_PROPAGANDA"


def csp_of(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as directive -> sources."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request.path}: no Content-Security-Policy"
    policy = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            assert words[0] not in policy, f"directive {words[0]} twice"
            policy[words[0]] = words[1:]
    return policy


def assert_security_headers(response) -> None:
    """Every header the issue asks for, with values read from the standards, not from our code."""
    path = response.request.path
    policy = csp_of(response)
    assert policy["default-src"] == ["'self'"], path
    assert policy["script-src"] == ["'self'", HTMX_URL], path
    assert policy["frame-ancestors"] == ["'none'"], path
    assert policy["object-src"] == ["'none'"], path
    assert policy["base-uri"] == ["'none'"], path
    assert policy["form-action"] == ["'self'"], path
    assert policy["img-src"] == ["'self'", "data:"], path
    styles = policy["style-src"]
    assert styles[0] == "'self'" and all(s.startswith("'nonce-") for s in styles[1:]), styles
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header, path
    assert response.headers["X-Content-Type-Options"] == "nosniff", path
    assert response.headers["X-Frame-Options"] == "DENY", path
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")


class PageAudit(HTMLParser):
    """What an injected payload would add to a page: scripts, images, handlers, inline styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str | None] = []
        self.images = 0
        self.handlers: list[str] = []
        self.style_attributes = 0
        self.style_nonces: list[str | None] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs.get("src"))
        if tag == "img":
            self.images += 1
        if tag == "style":
            self.style_nonces.append(attrs.get("nonce"))
        if "style" in attrs:
            self.style_attributes += 1
        self.handlers += [
            name for name in attrs if name.startswith("on") or name.startswith("hx-on")
        ]

    def handle_data(self, data):
        self.text.append(data)


def audit_page(response) -> PageAudit:
    """Parse an HTML response and check it against the CSP it was sent with."""
    audit = PageAudit()
    audit.feed(response.get_data(as_text=True))
    path = response.request.path
    static = Path(__file__).resolve().parents[1] / "annotator" / "web" / "static"
    ours = {f"/static/{p.name}" for p in static.glob("*.js")}
    assert all(src == HTMX_URL or src in ours for src in audit.scripts), (
        path,
        audit.scripts,
    )
    assert audit.images == 0, f"{path}: an <img> element (injected?)"
    assert audit.handlers == [], f"{path}: inline event handlers {audit.handlers}"
    assert audit.style_attributes == 0, f"{path}: style attributes are refused by the CSP"
    nonces = [s[len("'nonce-") : -1] for s in csp_of(response)["style-src"][1:]]
    for nonce in audit.style_nonces:
        assert nonce is not None and nonce in nonces, f"{path}: a <style> the CSP blocks"
    return audit


# -- headers ------------------------------------------------------------------------------------


def test_headers_on_every_kind_of_response(app, client, tokens):
    responses = [
        client.get("/login"),
        client.get("/healthz"),
        client.get("/static/app.js"),
        client.get("/api/documents"),  # 401 JSON
        client.get("/no/such/page"),  # 404 page
        client.get("/logout"),  # 405
        client.get("/api/documents", headers=bearer(tokens["anna"])),
        client.get("/api/documents/999999", headers=bearer(tokens["anna"])),
        client.post("/api/documents/1/spans", data="[", headers=bearer(tokens["anna"])),
    ]
    login(client, "anna")
    responses += [client.get("/"), client.get("/documents/1"), client.get("/documents/1/text")]
    for response in responses:
        assert response.status_code < 500, response.request.path
        assert_security_headers(response)
        response.close()  # the static file's handle


def test_pages_need_nothing_the_csp_refuses(app, client):
    login(client, "anna")
    for path in ("/", "/documents/1", "/documents/1/spans", "/documents/1/toolbar"):
        response = client.get(path)
        assert response.status_code == 200, path
        audit_page(response)
    response = client.get("/documents/1")
    # The htmx config turns off the <style> htmx would inject (the CSP would block it).
    assert '"includeIndicatorStyles":false' in response.get_data(as_text=True)
    # A fresh nonce per response: a nonce seen once is no use to an attacker later.
    assert csp_of(response)["style-src"] != csp_of(client.get("/documents/1"))["style-src"]


def test_api_answers_are_json_never_sniffed_as_html(client, tokens):
    response = client.get("/api/documents/1", headers=bearer(tokens["anna"]))
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get("Cache-Control") == "no-store"


# -- cookies and the secret key -----------------------------------------------------------------


def session_cookie_header(client) -> str:
    page = client.get("/login")
    token = csrf_token_of(page.get_data(as_text=True))
    response = client.post(
        "/login", data={"username": "anna", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie"]
    (cookie,) = [c for c in cookies if c.startswith("session=")]
    return cookie


def test_session_cookie_is_httponly_lax_and_not_secure_on_plain_http(client):
    attributes = [a.strip().lower() for a in session_cookie_header(client).split(";")]
    assert "httponly" in attributes and "samesite=lax" in attributes
    assert "secure" not in attributes
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_https_setting_makes_cookies_secure_and_sends_hsts(db_path, tmp_path, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_HTTPS", "1")
    app = create_app({"DB": str(db_path), "SECRET_KEY": "k"})
    client = app.test_client()
    client.get("/login", base_url="https://localhost")
    attributes = [a.strip().lower() for a in session_cookie_header_https(client).split(";")]
    assert "secure" in attributes and "httponly" in attributes
    hsts = client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"]
    assert int(hsts.split("max-age=")[1].split(";")[0]) >= 180 * 24 * 3600


def session_cookie_header_https(client) -> str:
    page = client.get("/login", base_url="https://localhost")
    token = csrf_token_of(page.get_data(as_text=True))
    response = client.post(
        "/login",
        data={"username": "anna", "password": PASSWORD, "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    (cookie,) = [v for k, v in response.headers.items() if k == "Set-Cookie" and "session=" in v]
    return cookie


def test_secret_key_generated_once_private_and_shared_by_workers(db_path, tmp_path, monkeypatch):
    monkeypatch.delenv("ANNOTATOR_SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    # Where Flask puts the instance folder of a fresh checkout: here a temporary one.
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))
    first = create_app({"DB": str(db_path)})
    second = create_app({"DB": str(db_path)})
    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    # A session made by one worker is good in another (same key, no sticky sessions needed).
    one, two = first.test_client(), second.test_client()
    login(one, "anna")
    two.set_cookie("session", one.get_cookie("session").value)
    assert two.get("/api/me").get_json()["name"] == "anna"
    # The environment wins over the file, and the key is nowhere in the code.
    monkeypatch.setenv("ANNOTATOR_SECRET_KEY", "from-the-environment")
    third = create_app({"DB": str(db_path)})
    assert third.config["SECRET_KEY"] == "from-the-environment"
    assert key_file.read_text() == first.config["SECRET_KEY"]


# -- CSRF ---------------------------------------------------------------------------------------


def test_cookie_writes_need_the_session_csrf_token(app, client, db, tokens):
    other = app.test_client()
    login(other, "ben")
    foreign = csrf_token_of(other.get("/documents/1").get_data(as_text=True))
    login(client, "anna")
    own = csrf_token_of(client.get("/documents/1").get_data(as_text=True))
    body = {"label": FRAMING, "start": 0, "end": 5}
    for headers in ({}, {"X-CSRFToken": foreign}, {"X-CSRFToken": own + "x"}):
        response = client.post("/api/documents/1/spans", json=body, headers=headers)
        assert response.status_code == 400, headers
    page_form = client.post("/documents/1/spans", data={"label": FRAMING, "start": 0, "end": 5})
    assert page_form.status_code == 400
    assert client.post("/logout").status_code == 400  # even logout: no forced logout by others
    assert db.conn.execute("SELECT COUNT(*) FROM span").fetchone()[0] == 0
    ok = client.post("/api/documents/1/spans", json=body, headers={"X-CSRFToken": own})
    assert ok.status_code == 201
    # Bearer requests carry no cookie an attacker's page could ride on: no CSRF token needed.
    fresh = app.test_client()
    assert (
        fresh.post("/api/documents/1/spans", json=body, headers=bearer(tokens["ben"])).status_code
        == 201
    )


def test_login_form_needs_its_csrf_token(client):
    response = client.post("/login", data={"username": "anna", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/api/me").status_code == 401


# -- login limits -------------------------------------------------------------------------------


class Clock:
    """A settable time.time for the login module."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(1_000_000.0)
    monkeypatch.setattr(auth.time, "time", clock)
    return clock


def try_login(client, name: str, password: str, address: str = "10.0.0.1", headers=None):
    page = client.get("/login")
    token = csrf_token_of(page.get_data(as_text=True))
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
        headers=headers or {},
    )


def body_without_token(response) -> str:
    html = response.get_data(as_text=True)
    return html.replace(csrf_token_of(html), "TOKEN")


def test_five_failures_lock_the_name_with_retry_after(client, clock):
    for i in range(5):
        clock.now += 10
        assert try_login(client, "anna", f"wrong {i}").status_code == 401
    clock.now += 100
    locked = try_login(client, "anna", PASSWORD)  # the right password does not help now
    assert locked.status_code == 429
    # Unlocked when the first of the five failures is 15 minutes old: 1,000,010 + 900 - now.
    assert int(locked.headers["Retry-After"]) == 1_000_010 + 900 - int(clock.now)
    assert client.get("/api/me").status_code == 401
    # Other users from the same address are not locked by anna's five failures.
    assert try_login(client, "ben", PASSWORD).status_code == 302
    clock.now = 1_000_010 + 900 + 1
    assert try_login(client, "anna", PASSWORD, address="10.0.0.2").status_code == 302


def test_unknown_and_known_names_answer_alike(client, clock):
    wrong_known = try_login(client, "anna", "wrong password")
    wrong_unknown = try_login(client, "nobody", "wrong password")
    assert wrong_known.status_code == wrong_unknown.status_code == 401
    assert body_without_token(wrong_known) == body_without_token(wrong_unknown)
    for name in ("anna", "nobody"):
        for _ in range(5):
            try_login(client, name, "wrong password")
    locked_known = try_login(client, "anna", "x")
    locked_unknown = try_login(client, "nobody", "x")
    assert locked_known.status_code == locked_unknown.status_code == 429
    assert locked_known.headers["Retry-After"] == locked_unknown.headers["Retry-After"]
    assert body_without_token(locked_known) == body_without_token(locked_unknown)


def test_success_clears_the_name_counter(client, clock):
    for _ in range(4):
        assert try_login(client, "anna", "wrong password").status_code == 401
    assert try_login(client, "anna", PASSWORD).status_code == 302
    client.post(
        "/logout", data={"csrf_token": csrf_token_of(client.get("/").get_data(as_text=True))}
    )
    for _ in range(4):
        assert try_login(client, "anna", "wrong password").status_code == 401
    assert try_login(client, "anna", PASSWORD).status_code == 302


def test_many_names_from_one_address_lock_the_address(client, clock):
    for i in range(20):
        assert try_login(client, f"guess{i}", "wrong password", "10.9.9.9").status_code == 401
    assert try_login(client, "anna", PASSWORD, "10.9.9.9").status_code == 429
    assert try_login(client, "anna", PASSWORD, "10.9.9.10").status_code == 302


def test_forwarded_for_counts_only_behind_a_trusted_proxy(db_path, tmp_path, clock):
    # A lower address limit (a setting) keeps this test short; the default is tested above.
    config = {"DB": str(db_path), "SECRET_KEY": "k", "LOGIN_MAX_FAILURES_PER_ADDRESS": 3}
    client = create_app(config).test_client()

    def status(name, password, forwarded):
        return try_login(client, name, password, "10.1.1.1", {"X-Forwarded-For": forwarded})

    # Without a trusted proxy a client cannot dodge the address limit with a forged header.
    for i in range(3):
        assert status(f"guess{i}", "wrong", f"192.0.2.{i}").status_code == 401
    assert status("anna", PASSWORD, "192.0.2.99").status_code == 429
    client = create_app({**config, "TRUSTED_PROXIES": 1}).test_client()
    # Behind the proxy (10.1.1.1), clients are told apart by the address it forwards.
    assert status("anna", PASSWORD, "192.0.2.99").status_code == 302
    for i in range(3):
        assert status(f"g{i}", "wrong", "192.0.2.50").status_code == 401
    assert status("ben", PASSWORD, "192.0.2.50").status_code == 429
    assert status("ben", PASSWORD, "192.0.2.51").status_code == 302


def test_failure_rows_stay_bounded(client, db, clock):
    for i in range(12):
        clock.now += 100
        try_login(client, f"n{i}", "wrong", f"10.2.0.{i}")
    # Only the last 15 minutes are kept: the table does not grow with an attack's length.
    assert db.conn.execute("SELECT COUNT(*) FROM login_failure").fetchone()[0] <= 10
    long_name = "x" * 100_000
    assert try_login(client, long_name, "wrong").status_code == 401
    assert db.conn.execute("SELECT MAX(LENGTH(username)) FROM login_failure").fetchone()[0] <= 128


# -- sessions end -------------------------------------------------------------------------------


def test_disabling_a_user_ends_their_live_session_and_tokens(app, client, db, tokens):
    csrf = login(client, "anna")
    csrf = csrf_token_of(client.get("/").get_data(as_text=True))
    assert client.get("/api/me").get_json()["name"] == "anna"
    user_store.set_disabled(db, "anna", True, "test")
    assert client.get("/api/me").status_code == 401
    page = client.get("/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    write = client.post(
        "/api/documents/1/spans",
        json={"label": FRAMING, "start": 0, "end": 5},
        headers={"X-CSRFToken": csrf},
    )
    assert write.status_code in (400, 401)
    assert client.get("/api/me", headers=bearer(tokens["anna"])).status_code == 401
    # Enabling again does not revive the old cookie: the session epoch moved on.
    user_store.set_disabled(db, "anna", False, "test")
    assert client.get("/api/me").status_code == 401
    assert try_login(app.test_client(), "anna", PASSWORD).status_code == 302
    assert db.conn.execute("SELECT COUNT(*) FROM span").fetchone()[0] == 0


def test_disabled_user_cannot_log_in_and_looks_like_a_wrong_password(client, db):
    user_store.set_disabled(db, "ben", True, "test")
    disabled = try_login(client, "ben", PASSWORD)
    wrong = try_login(client, "anna", "wrong password")
    assert disabled.status_code == wrong.status_code == 401
    assert body_without_token(disabled) == body_without_token(wrong)


def test_logout_ends_every_session_of_the_user(app):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "anna")
    login(phone, "anna")
    stolen_cookie = laptop.get_cookie("session").value
    token = csrf_token_of(laptop.get("/").get_data(as_text=True))
    assert laptop.post("/logout", data={"csrf_token": token}).status_code == 302
    assert laptop.get("/api/me").status_code == 401
    assert phone.get("/api/me").status_code == 401
    replay = app.test_client()
    replay.set_cookie("session", stolen_cookie)
    assert replay.get("/api/me").status_code == 401


# -- escaping -----------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
TEMPLATE = "{{ 7*7 }}"
TEMPLATE_MARK = "{{ 7*191 }}"  # 1337 would show that a template engine evaluated it
QUOTES = "\"'><"
PAYLOADS = (SCRIPT, IMG, TEMPLATE, TEMPLATE_MARK, QUOTES)


@pytest.fixture
def hostile(db, tmp_path, tokens, app):
    """A document whose title and text are payloads, with payload notes and attributes."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    text = (
        f"{SCRIPT} Titel {IMG}\n\n"
        f"Der Kreml sagte {SCRIPT} und {IMG} sowie {TEMPLATE} und {TEMPLATE_MARK} dann {QUOTES} "
        "und {% if 1 %}ja{% endif %} ${7*7} #{7*7} <!-- x --> ]]> &amp; &lt;b&gt; Ende.\n"
    )
    (folder / f"{QUOTES.replace('/', '')}x.txt").write_text(text, encoding="utf-8")
    import_paths(db, [folder], "text")
    (doc_id,) = [r[0] for r in db.conn.execute("SELECT id FROM document WHERE text LIKE '%alert%'")]
    note = " ".join(PAYLOADS)
    start = text.index("Der Kreml")
    spans = {}
    for name, label, attributes in (
        ("anna", PROPAGANDA, {"speaker": note}),
        ("ben", FRAMING, None),
        ("lea", PROPAGANDA, {"speaker": note}),
    ):
        body = {"label": label, "start": start, "end": len(text) - 1, "note": note}
        if attributes:
            body["attributes"] = attributes
        response = app.test_client().post(
            f"/api/documents/{doc_id}/spans", json=body, headers=bearer(tokens[name])
        )
        assert response.status_code == 201, response.get_json()
        spans[name] = response.get_json()["id"]
    return doc_id, spans


def fill_rule(rule, doc_id: int, span_id: str, name: str) -> list[str]:
    """URLs for a GET rule with the hostile document's ids filled in (every `any()` choice)."""
    choices: list[dict] = [{}]
    for arg in rule.arguments:
        converter = rule._converters.get(arg)
        if isinstance(converter, AnyConverter):
            values = sorted(converter.items)
        elif arg == "filename":
            return []  # static files are not pages
        elif "document" in arg or arg == "id":
            values = [doc_id]
        elif "span" in arg:
            values = [span_id]
        else:
            values = [name]
        choices = [{**c, arg: v} for c in choices for v in values]
    return [rule.build(c, append_unknown=False)[1] for c in choices]


def test_user_names_cannot_carry_markup():
    for name in (SCRIPT, IMG, TEMPLATE, QUOTES, "anna<", "a b", "gold"):
        with pytest.raises(AppError):
            accounts.validate_name(name)


def test_hostile_document_renders_as_text_on_every_page(app, hostile):
    doc_id, spans = hostile
    seen_pages = 0
    for name in ("anna", "ben", "lea"):
        client = app.test_client()
        login(client, name)
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static")):
                continue
            if rule.endpoint == "auth.logout_get":
                continue
            queries = ("", f"?span={spans[name]}", f"?annotator={name}")
            for url in [u + q for u in fill_rule(rule, doc_id, spans[name], name) for q in queries]:
                response = client.get(url)
                assert response.status_code < 500, (name, url)
                if response.mimetype != "text/html":
                    continue
                html = response.get_data(as_text=True)
                for payload in (SCRIPT, IMG, QUOTES):
                    assert payload not in html, (name, url, payload)
                assert "1337" not in html, (name, url)
                audit_page(response)
                seen_pages += 1
        # The payloads are shown, as text, where the document is shown.
        page = client.get(f"/documents/{doc_id}")
        text = "".join(_texts(page))
        for payload in PAYLOADS:
            assert payload in text, (name, payload)
    assert seen_pages >= 10


def _texts(response) -> list[str]:
    audit = PageAudit()
    audit.feed(response.get_data(as_text=True))
    return audit.text


def test_hostile_notes_and_attributes_render_as_text_in_the_editor(app, hostile):
    doc_id, spans = hostile
    client = app.test_client()
    login(client, "anna")
    response = client.get(f"/documents/{doc_id}/editor?span={spans['anna']}")
    assert response.status_code == 200
    audit_page(response)
    html = response.get_data(as_text=True)
    assert SCRIPT not in html and IMG not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    json_view = client.get(f"/api/spans/{spans['anna']}").get_json()
    assert json_view["note"] == " ".join(PAYLOADS)


# -- the CSP in a real browser ------------------------------------------------------------------

VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.mark.browser
def test_pages_work_in_chromium_under_the_csp_and_it_blocks_injection(tmp_path):
    from playwright.sync_api import expect

    from tests.browser_support import build_database, chromium, live_server, log_in, new_page

    db_path = build_database(tmp_path / "annotator.db")
    with live_server(db_path) as url, chromium() as browser:
        page = new_page(browser, url)
        page.add_init_script(VIOLATIONS)
        console = []
        page.on("console", lambda m: console.append(m.text))
        log_in(page, "anna")
        assert page.evaluate("window.__csp") == []
        # The progress bar's width comes from the nonce'd style element (0 of 5 done: 0px).
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.progress-bar')).width")
            == "0px"
        )
        page.goto("/documents/1")
        assert page.evaluate("typeof htmx") == "object"  # the pinned CDN script ran
        assert page.evaluate("htmx.config.includeIndicatorStyles") is False
        # The label colours (Okabe-Ito vermillion for the first label) from the nonce'd style.
        chip = page.evaluate("getComputedStyle(document.querySelector('.chip0')).backgroundColor")
        assert chip == "rgb(213, 94, 0)"
        # An htmx round trip under the policy: mark the document done, the toolbar swaps.
        page.click("#mark-done")
        page.wait_for_url(lambda address: "/documents/1" not in address)
        page.goto("/")
        expect(page.locator('tr[data-document="1"] .badge')).to_have_text("done")
        # 1 of 5 done: the bar is a fifth of its track.
        bar, track = page.evaluate(
            "[document.querySelector('.progress-bar').getBoundingClientRect().width,"
            " document.querySelector('.progress').getBoundingClientRect().width]"
        )
        assert abs(bar / track - 0.2) < 0.01
        page.goto("/documents/1")
        assert page.evaluate("window.__csp") == []
        assert not [m for m in console if "Content Security Policy" in m]
        # What an injected payload would try: inline script, inline handler, foreign script. (eval
        # is not tried here: Playwright's own evaluate is exempt from the page's CSP.)
        page.evaluate(
            """() => {
                const s = document.createElement('script');
                s.textContent = 'window.__pwned = 1';
                document.body.appendChild(s);
                const i = document.createElement('img');
                i.setAttribute('src', 'data:,x');
                i.setAttribute('onerror', 'window.__pwned = 2');
                i.setAttribute('onload', 'window.__pwned = 2');
                document.body.appendChild(i);
                const f = document.createElement('script');
                f.src = 'https://example.org/x.js';
                document.body.appendChild(f);
            }"""
        )
        page.wait_for_timeout(200)
        assert page.evaluate("window.__pwned") is None
        blocked = " ".join(page.evaluate("window.__csp"))
        assert "script-src" in blocked and "example.org" in blocked
