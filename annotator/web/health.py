"""GET /healthz: the app answers and its database is readable and migrated."""

from __future__ import annotations

from flask import Blueprint, jsonify

from annotator import store
from annotator.web.db import get_db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db = get_db()
        version = store.schema_version(db)
        documents = store.count_documents(db)
    except Exception as exc:  # any database failure is what this page exists to report
        return jsonify(status="error", error=f"database: {exc}"), 503
    if version != store.SCHEMA_VERSION:
        return jsonify(
            status="error", error=f"schema version {version}, expected {store.SCHEMA_VERSION}"
        ), 503
    return jsonify(status="ok", schema_version=version, documents=documents)
