"""GET /api/agreement: the same report as `annotator agreement --json`, for leads."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from annotator.services.reports import build_agreement_report
from annotator.web.auth import lead_required
from annotator.web.db import get_db, labels
from annotator.web.params import query_int

bp = Blueprint("agreement_api", __name__, url_prefix="/api")


def _names(arg: str) -> list[str] | None:
    value = request.args.get(arg, "")
    return [v.strip() for v in value.split(",") if v.strip()] or None


@bp.get("/agreement")
@lead_required
def agreement():
    bootstrap = query_int("bootstrap", 1000, high=100_000)
    # gamma costs seconds on a large corpus: only on request (?gamma=1); the dashboard computes
    # it in the background.
    report = build_agreement_report(
        get_db(),
        labels(),
        _names("annotators"),
        _names("labels"),
        bootstrap=bootstrap,
        gamma=request.args.get("gamma") == "1",
    )
    return jsonify(report)
