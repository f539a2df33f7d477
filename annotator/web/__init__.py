"""The Flask application factory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from annotator.labels import load_label_scheme


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
    )
    app.config.from_prefixed_env("ANNOTATOR")
    if test_config:
        app.config.update(test_config)
    if app.config.get("HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    app.extensions["labels"] = load_label_scheme(app.config["LABELS"])

    from annotator.web import db as web_db

    web_db.init_app(app)
    from annotator.web import (
        agreement_api,
        api,
        auth,
        errors,
        exports,
        health,
        pages,
        review,
        security,
    )

    security.init_app(app)  # first: the blueprints' <int:...> rules use its bounded converter
    errors.init_app(app)
    auth.init_app(app)
    for module in (health, api, agreement_api, pages, review, exports):
        app.register_blueprint(module.bp)
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
