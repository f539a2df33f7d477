"""One database connection per request, kept on `g`."""

from __future__ import annotations

from flask import Flask, current_app, g

from annotator import store
from annotator.labels import LabelScheme


def get_db():
    """The request's database connection (opened on first use)."""
    if "db" not in g:
        g.db = store.connect(current_app.config["DB"], migrate_schema=False)
    return g.db


def labels() -> LabelScheme:
    """The app's validated label scheme."""
    return current_app.extensions["labels"]


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


def init_app(app: Flask) -> None:
    """Migrate once at start and close connections after each request."""
    store.connect(app.config["DB"]).conn.close()
    app.teardown_appcontext(close_db)
