"""Shared fixtures: an app on a real SQLite file with the demo corpus, users, clients, tokens."""

from __future__ import annotations

import json
import re
import shutil
import threading
from pathlib import Path

import pytest

from annotator import store
from annotator.services import accounts
from annotator.services import jobs as gamma_jobs
from annotator.web import create_app
from tests.browser_support import (  # noqa: F401
    CORPUS,
    PASSWORD,
    ROOT,
    USERS,
    build_database,
    chromium,
)

SHARED_DATA = ROOT.parent / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """A file of the third-party test data next to the checkout, or a clear failure."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"{path}: missing; the tests read ../shared/data next to the checkout")
    return path


def shared_json(*parts: str):
    """A JSON file of the shared test data (read when a test asks, never at import)."""
    return json.loads(shared_path(*parts).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    """The corpus and users imported once per run (scrypt and tokenizing are the slow part)."""
    return build_database(tmp_path_factory.mktemp("template") / "annotator.db")


@pytest.fixture
def db_path(template_db, tmp_path) -> Path:
    """A fresh copy of the template: five corpus articles, users lea (lead), anna, ben."""
    path = tmp_path / "annotator.db"
    shutil.copyfile(template_db, path)
    return path


@pytest.fixture
def app(db_path):
    """The app as pytest-flask wants it (pytest-flask builds `client` from this)."""
    return create_app({"TESTING": True, "DB": str(db_path), "SECRET_KEY": "test-secret"})


@pytest.fixture
def db(db_path):
    """A second connection to the app's database, for asserting what was stored."""
    conn = store.connect(db_path)
    yield conn
    conn.conn.close()


@pytest.fixture
def tokens(db_path) -> dict[str, str]:
    """An API token per user."""
    db = store.connect(db_path)
    made = {name: accounts.create_api_token(db, name, actor="test") for name in USERS}
    db.conn.close()
    return made


def bearer(token: str) -> dict[str, str]:
    """Headers for an API call with a token."""
    return {"Authorization": f"Bearer {token}"}


def csrf_token_of(html: str) -> str:
    """The CSRF token of a rendered page (its meta tag or hidden field)."""
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "page carries no CSRF token"
    return match.group(1)


def login(client, name: str, password: str = PASSWORD) -> str:
    """Log `client` in through the form; returns the session's CSRF token."""
    page = client.get("/login")
    token = csrf_token_of(page.get_data(as_text=True))
    response = client.post(
        "/login", data={"username": name, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    # Logging in starts a new session (and so a new CSRF token): read the token it now has.
    return csrf_token_of(client.get("/login").get_data(as_text=True))


@pytest.fixture
def client(app):
    """Overrides pytest-flask's, which runs `with app.test_client()`: that keeps the last
    request's context pushed, so the next request of *another* client would reuse its `g`
    (cached CSRF token, user) — something no real deployment does."""
    return app.test_client()


@pytest.fixture(autouse=True)
def _push_request_context():
    """Overrides pytest-flask's: one long request context would share `g` (the database
    connection, Flask-WTF's cached CSRF token) between requests and clients, which no real
    deployment does. Every test request gets its own context instead."""
    yield


@pytest.fixture
def held_gamma_jobs(monkeypatch):
    """Background gamma jobs wait until the test sets the event; the list records each start."""
    release = threading.Event()
    started: list[str] = []
    real = gamma_jobs.run_gamma_job

    def held(db_path, key, request):
        started.append(key)
        release.wait(20)
        real(db_path, key, request)

    monkeypatch.setattr(gamma_jobs, "run_gamma_job", held)
    yield release, started
    release.set()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, one per test module (browser tests only)."""
    with chromium() as launched:
        yield launched
