"""The database connection of a request, kept on `g`.

Each worker thread keeps its connection open between requests: opening one costs the PRAGMAs and
sqlite-utils' setup, and closing the last connection to a WAL database checkpoints it, which
together were most of a span write's time. A kept connection is checked against the file's
identity before each request (a replaced or removed file gets a new connection) and never carries
a transaction from one request to the next.
"""

from __future__ import annotations

import os
import threading

from flask import Flask, current_app, g, has_request_context

from annotator import store
from annotator.core.labels import LabelScheme
from annotator.services.scheme_versions import adopt_scheme
from annotator.web.i18n import interface_language

_kept = threading.local()
_inherited: list = []


def get_db():
    """The request's database connection (opened on first use, reused across requests)."""
    if "db" not in g:
        g.db = _thread_connection(current_app.config["DB"])
    return g.db


def _thread_connection(path: str):
    key = (os.getpid(), path)
    db = getattr(_kept, "db", None)
    if db is not None and (_kept.key != key or not _same_file(db, path)):
        if _kept.key[0] == os.getpid():
            db.conn.close()
        else:  # inherited through fork: never close (nor let GC close) the parent's handle
            _inherited.append(db)
        db = None
    if db is None:
        db = store.connect(path, migrate_schema=False)
        _kept.db, _kept.key = db, key
    return db


def _same_file(db, path: str) -> bool:
    try:
        stat = os.stat(path)
    except OSError:
        return False
    return store.database_identity(db)[1:] == (stat.st_dev, stat.st_ino)


def labels() -> LabelScheme:
    """The app's validated label scheme, its names in the request's interface language."""
    scheme = current_app.extensions["labels"]
    return scheme.localized(interface_language()) if has_request_context() else scheme


def close_db(_exc: BaseException | None = None) -> None:
    """End the request's use of the connection; it stays open for the thread's next request."""
    db = g.pop("db", None)
    if db is not None and db.conn.in_transaction:
        db.conn.execute("ROLLBACK")


def init_app(app: Flask) -> None:
    """Migrate once at start, refuse a scheme that lacks a stored label or changed its labels
    without a new version (recording a new version), release connections."""
    db = store.connect(app.config["DB"])
    try:
        # However the app is started (annotator serve, gunicorn directly, tests): a page of a
        # span whose label the scheme lost could not be rendered or edited, and spans made
        # under changed guidelines must not carry the old version.
        adopt_scheme(db, app.extensions["labels"])
    finally:
        db.conn.close()
    app.teardown_appcontext(close_db)
