"""GET /healthz: the app answers and its database is readable and migrated."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from annotator import store
from annotator.web.db import get_db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """ok or error for anyone (a load balancer); the schema version, counts and the reason of an
    error only for a lead: an anonymous caller learns nothing about the corpus or the server."""
    lead = getattr(g, "user", None) is not None and g.user.role == "lead"
    try:
        db = get_db()
        version = store.schema_version(db)
        documents = store.count_documents(db) if lead else None
    except Exception as exc:  # any database failure is what this page exists to report
        current_app.logger.warning("healthz: database: %s", exc)
        return jsonify(status="error", **({"error": f"database: {exc}"} if lead else {})), 503
    if version != store.SCHEMA_VERSION:
        error = f"schema version {version}, expected {store.SCHEMA_VERSION}"
        return jsonify(status="error", **({"error": error} if lead else {})), 503
    if not lead:
        return jsonify(status="ok")
    return jsonify(status="ok", schema_version=version, documents=documents)
