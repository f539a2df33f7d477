"""What the benchmarks share, built on the installed package's public surface only: a database
prepared through the services, the server started with `annotator serve`, HTTP on loopback,
and Debian's Chromium through Playwright. The scripts import it as a sibling module
(`python bench/bench_x.py` puts bench/ on the path); nothing here comes from tests/.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from annotator import store
from annotator.core.extent import judge_extent
from annotator.core.records import AgreementDocument, Span
from annotator.core.resources import data_path
from annotator.services import accounts
from annotator.services.imports import import_paths
from annotator.store import users as user_store
from annotator.store.spans import insert_spans
from annotator.store.statuses import set_status
from annotator.web.assets import HTMX_URL

CORPUS = data_path("corpus")
LABELS = ("STATE_PROPAGANDA", "INTEL_ESTIMATE", "EDITORIAL_FRAMING")
PASSWORD = "bench password"
VENDOR_HTMX = Path(__file__).resolve().parents[1] / "vendor" / "htmx.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def prepare_database(path: Path, annotators: int) -> dict[str, str]:
    """The demo corpus, `annotators` annotators (load00, ...) and a lead `boss`; name -> token."""
    db = store.connect(path)
    import_paths(db, [CORPUS], "text")
    tokens = {}
    password_hash = accounts.hash_password(PASSWORD)  # one scrypt for all: setup stays fast
    for i in range(annotators):
        name = f"load{i:02d}"
        user_store.add_user(db, name, "annotator", password_hash, "bench")
        tokens[name] = accounts.create_api_token(db, name, actor="bench")
    user_store.add_user(db, "boss", "lead", password_hash, "bench")
    tokens["boss"] = accounts.create_api_token(db, "boss", actor="bench")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return tokens


def _text_of(starts: np.ndarray, ends: np.ndarray) -> str:
    """A text of 'x' where the tokens are and spaces between them."""
    length = int(ends[-1]) if len(ends) else 0
    edges = np.bincount(starts, minlength=length + 1) - np.bincount(ends, minlength=length + 1)
    inside = np.cumsum(edges[:-1]) > 0
    return np.where(inside, ord("x"), ord(" ")).astype(np.uint8).tobytes().decode("ascii")


def write_agreement_database(
    path: Path, documents: Iterable[AgreementDocument], annotators: list[str], batch: int = 500
) -> int:
    """Agreement documents as a real annotator database through the store layer: users,
    documents with their tokens, spans and done statuses, streamed `batch` documents per
    transaction (the iterable may be a generator: a large corpus never sits in memory).
    Returns the number of spans written."""
    db = store.connect(path)
    with store.write_transaction(db):
        for name in annotators:
            user_store.add_user(db, name, "annotator", None, "bench")
    written = 0
    pending: list[AgreementDocument] = []

    def flush() -> None:
        nonlocal written
        with store.write_transaction(db):
            for doc in pending:
                tokens = np.asarray(doc.tokens, dtype=np.int64).reshape(-1, 2)
                starts, ends = tokens[:, 0].astype(np.int32), tokens[:, 1].astype(np.int32)
                analysis = SimpleNamespace(
                    starts=starts,
                    ends=ends,
                    ws=np.ones(len(starts), bool),
                    space=np.zeros(len(starts), bool),
                    sentences=np.zeros(1, np.int32),
                )
                document_id = store.insert_document(
                    db,
                    external_id=doc.external_id,
                    title=doc.external_id,
                    text=_text_of(starts, ends),
                    text_sha256=doc.external_id,
                    lang="de",
                    meta={},
                    analysis=analysis,
                )
                rows = []
                for name, spans in doc.spans.items():
                    set_status(db, document_id, name, "done")
                    rows += [
                        Span(
                            f"{document_id}-{name}-{i}",
                            document_id,
                            name,
                            sp.label,
                            sp.start,
                            sp.end,
                            sp.token_start,
                            sp.token_end,
                        )
                        for i, sp in enumerate(spans)
                    ]
                insert_spans(db, rows)
                written += len(rows)
        pending.clear()

    for doc in documents:
        pending.append(doc)
        if len(pending) >= batch:
            flush()
    flush()
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return written


def word_tokens(path: Path) -> dict[int, list[int]]:
    """Per document, the indices of the tokens a one-token span may cover: not whitespace, not
    punctuation alone (the API refuses a span of punctuation, as the page does)."""
    db = store.connect(path, migrate_schema=False)
    try:
        result = {}
        for doc in store.list_documents(db):
            tokens, text = store.get_tokens(db, doc.id), store.get_document(db, doc.id).text
            result[doc.id] = [
                i
                for i in range(len(tokens.starts))
                if not judge_extent(text[tokens.starts[i] : tokens.ends[i]], 1).refused
            ]
        return result
    finally:
        db.conn.close()


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(
    port: int,
    method: str,
    path: str,
    body: dict | None = None,
    headers: dict | None = None,
    timeout: float = 30,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, dict | str | None, dict]:
    """One HTTP request on loopback: (status, parsed JSON or text, headers)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers={**sent, **(headers or {})})
        response = conn.getresponse()
        raw = response.read()
        kind = response.getheader("Content-Type", "")
        parsed = json.loads(raw) if raw and kind.startswith("application/json") else raw.decode()
        return response.status, parsed, dict(response.getheaders())
    finally:
        if own:
            conn.close()


class Server:
    """`annotator serve` (gunicorn, in its own process group) on one database."""

    def __init__(self, db_path: Path, workers: int = 4) -> None:
        self.db_path, self.workers, self.port = db_path, workers, free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        env = {**os.environ, "ANNOTATOR_SECRET_KEY": "bench-secret"}
        command = [sys.executable, "-m", "annotator", "serve", "--db", str(self.db_path)]
        command += ["--port", str(self.port), "--workers", str(self.workers)]
        self.process = subprocess.Popen(
            command,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("annotator serve exited")
            try:
                if request(self.port, "GET", "/healthz", timeout=2)[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("annotator serve did not answer /healthz in time")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def csrf_token_of(html: str) -> str:
    """The CSRF token of a rendered page (its meta tag)."""
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def log_in_client(client, name: str, password: str) -> str:
    """Log a Flask test client in through the form; the session's CSRF token."""
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": name, "password": password, "csrf_token": token})
    return csrf_token_of(client.get("/").get_data(as_text=True))


@contextmanager
def chromium() -> Iterator:
    """Debian's Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, base_url: str):
    """A browser page whose CDN request for htmx is answered from the pinned local copy
    (scripts/fetch-htmx.sh puts it at vendor/htmx.min.js)."""
    body = VENDOR_HTMX.read_bytes()
    context = browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 900})
    context.route(
        HTMX_URL,
        lambda route: route.fulfill(
            status=200,
            body=body,
            headers={"Content-Type": "text/javascript", "Access-Control-Allow-Origin": "*"},
        ),
    )
    return context.new_page()


def log_in(page, name: str, password: str) -> None:
    """Log a browser page in through the form."""
    page.goto("/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
