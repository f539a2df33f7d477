"""The JSON API (DESIGN section 6): the same domain functions as the pages."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from annotator.web.auth import login_required

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/me")
@login_required
def me():
    """Who the session or token belongs to."""
    return jsonify(name=g.user.name, role=g.user.role)
