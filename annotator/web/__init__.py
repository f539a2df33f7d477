"""The web layer: the Flask application factory, sign-in and security, and one package per area
(`annotate`, `review`, `api`, `html`). Every URL is declared with a decorator on the blueprint of
the module that serves it; `BLUEPRINTS` below lists them all.

May import: `core`, `agreement`, `formats`, `store`, `services` (never `cli`).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from annotator.core.extent import DEFAULT_MAX_TOKENS
from annotator.core.labels import load_label_scheme
from annotator.web import auth, errors, health, i18n, security
from annotator.web import db as web_db
from annotator.web.annotate import actions, pages
from annotator.web.annotate import feedback as feedback_pages
from annotator.web.api import agreement as agreement_api
from annotator.web.api import annotations as annotations_api
from annotator.web.api import feedback as feedback_api
from annotator.web.review import adjudication, exports, loop, progress
from annotator.web.review import agreement as agreement_dashboard

# Every URL of the app is declared with a decorator on one of these blueprints, one per module.
BLUEPRINTS = (
    health.bp,
    auth.bp,
    annotations_api.bp,
    agreement_api.bp,
    feedback_api.bp,
    pages.bp,
    actions.bp,
    feedback_pages.bp,
    progress.bp,
    agreement_dashboard.bp,
    adjudication.bp,
    exports.bp,
    loop.bp,
)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; configuration from `test_config` or ANNOTATOR_* environment variables."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DB=os.path.join(app.instance_path, "annotator.db"),
        LABELS=None,  # None: schema/labels.toml of the project
        MAX_CONTENT_LENGTH=256 * 1024,  # a span body is tiny; refuse anything large with 413
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        HTTPS=False,  # ANNOTATOR_HTTPS=1 behind an HTTPS proxy: Secure cookies, HSTS
        TRUSTED_PROXIES=0,  # ANNOTATOR_TRUSTED_PROXIES=1: client address from X-Forwarded-For
        JSON_SORT_KEYS=False,
        # A new span over this many tokens (or over a paragraph) is made only once confirmed.
        SPAN_CONFIRM_TOKENS=DEFAULT_MAX_TOKENS,
    )
    app.config.from_prefixed_env("ANNOTATOR")
    if test_config:
        app.config.update(test_config)
    if app.config.get("HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    app.extensions["labels"] = load_label_scheme(app.config["LABELS"])

    web_db.init_app(app)
    security.init_app(app)  # first: the blueprints' <int:...> rules use its bounded converter
    errors.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def _instance_secret(instance: Path) -> str:
    """The secret key generated once into the instance folder (never in the code)."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()
