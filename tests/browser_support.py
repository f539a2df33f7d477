"""A real server on loopback and a real Chromium for the browser tests and the UI benchmark."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from annotator import store
from annotator.services import accounts
from annotator.services.imports import import_paths
from annotator.store.documents import get_document, get_tokens
from annotator.web import create_app
from annotator.web.assets import HTMX_URL

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
VENDOR_HTMX = ROOT / "vendor" / "htmx.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PASSWORD = "correct horse battery"
USERS = {"lea": "lead", "anna": "annotator", "ben": "annotator"}


def build_database(path: Path) -> Path:
    """A migrated database with the corpus and the users lea, anna, ben (as conftest builds it)."""
    db = store.connect(path)
    import_paths(db, [CORPUS], "text")
    for name, role in USERS.items():
        accounts.create_user(db, name, role, PASSWORD, actor="test")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file: copyable
    db.conn.close()
    return path


def longest_article_words(db) -> tuple[int, list[int]]:
    """The corpus document with the most tokens and the indices of its all-letter tokens (where
    a test places disagreeing spans one word apart)."""
    doc = max(
        (row[0] for row in db.conn.execute("SELECT id FROM document")),
        key=lambda i: len(get_tokens(db, i).starts),
    )
    text, tokens = get_document(db, doc).text, get_tokens(db, doc)
    words = [
        i
        for i, (start, end) in enumerate(zip(tokens.starts, tokens.ends, strict=True))
        if text[start:end].isalpha()
    ]
    return doc, words


def disagreeing_places(
    db,
    annotators: tuple[str, ...],
    labels: tuple[str, ...],
    places: int,
    *,
    miss_every: int,
    extra_tokens: int,
    gold_every: int,
) -> int:
    """The longest article (its id) with `annotators` (those past anna and ben made here, all
    marked done) disagreeing at `places` separate places a few words apart: at each one the
    third annotator takes the next label, the second a longer span (1 + extra_tokens tokens
    for the rest), one annotator in `miss_every` leaves it out, and the first one's span of
    every `gold_every`-th place is accepted into gold by lea."""
    from annotator.core.labels import load_label_scheme
    from annotator.services.adjudication import accept_span
    from annotator.services.annotations import SpanInput, create_span, set_document_status
    from annotator.store.users import get_user

    scheme = load_label_scheme()
    for name in annotators[2:]:
        accounts.create_user(db, name, "annotator", PASSWORD, actor="test")
    doc, words = longest_article_words(db)
    step = len(words) // places
    assert step >= 5, "the article is too short for separate places"
    lead = get_user(db, "lea")
    users = {name: get_user(db, name) for name in annotators}
    for place in range(places):
        first = words[place * step]
        made = []
        for n, name in enumerate(annotators):
            if (place + n) % miss_every == miss_every - 1:
                continue  # one annotator missed this place
            label = labels[(place + (n == 2)) % len(labels)]
            span, _ = create_span(
                db,
                scheme,
                users[name],
                doc,
                SpanInput(label, token_start=first, token_end=first + extra_tokens + (n == 1)),
            )
            made.append(span)
        if place % gold_every == 0:
            accept_span(db, scheme, lead, doc, made[0].id)
    for name in annotators:
        set_document_status(db, users[name], doc, "done")
    return doc


def local_htmx() -> bytes:
    """The pinned htmx file the CDN serves, fetched once by scripts/fetch-htmx.sh (SRI-checked)."""
    subprocess.run([str(ROOT / "scripts" / "fetch-htmx.sh")], check=True, capture_output=True)
    return VENDOR_HTMX.read_bytes()


@contextmanager
def live_server(db_path: Path, **config) -> Iterator[str]:
    """The app served by werkzeug in a thread on 127.0.0.1 (with extra `config`); yields its
    base URL."""
    app = create_app({"DB": str(db_path), "SECRET_KEY": "browser-test", **config})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@contextmanager
def chromium() -> Iterator:
    """Debian's Chromium driven by Playwright (its own browser download does not work here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, base_url: str, width: int = 1400, height: int = 900, **options):
    """A fresh browser context whose CDN request for htmx is answered from the local copy."""
    body = local_htmx()
    context = browser.new_context(
        base_url=base_url, viewport={"width": width, "height": height}, **options
    )
    context.route(
        HTMX_URL,
        lambda route: route.fulfill(
            status=200,
            body=body,
            headers={"Content-Type": "text/javascript", "Access-Control-Allow-Origin": "*"},
        ),
    )
    return context.new_page()


def log_in(page, name: str, password: str = PASSWORD) -> None:
    """Log in through the form."""
    page.goto("/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def drag_select(page, first: int, last: int, *, inset: float = 0.5) -> None:
    """Select with a real mouse drag from inside token `first` to inside token `last`."""
    # The text may scroll in its own box (the review page): bring the start into sight first.
    page.locator(f'#text span[data-i="{first}"]').scroll_into_view_if_needed()
    a = page.locator(f'#text span[data-i="{first}"]').bounding_box()
    b = page.locator(f'#text span[data-i="{last}"]').bounding_box()
    page.mouse.move(a["x"] + a["width"] * inset / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] * (1 - inset / 2), b["y"] + b["height"] / 2, steps=8)
    page.mouse.up()
