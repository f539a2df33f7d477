"""GET /api/agreement: the same report as `annotator agreement --json`, for leads, with the
command's options as query parameters."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from annotator.core.records import STRATA
from annotator.services.reports import build_agreement_report
from annotator.web.auth import lead_required
from annotator.web.db import get_db, labels
from annotator.web.params import only_known_params, query_choice, query_flag, query_int

bp = Blueprint("agreement_api", __name__, url_prefix="/api")

# the options of `annotator agreement` (gamma is off unless asked for, see below)
PARAMS = (
    "annotators", "labels", "bootstrap", "gamma", "gamma_samples", "by", "batch_size", "all_pairs"
)  # fmt: skip


def _names(arg: str) -> list[str] | None:
    value = request.args.get(arg, "")
    return [v.strip() for v in value.split(",") if v.strip()] or None


@bp.get("/agreement")
@lead_required
def agreement():
    """`annotator agreement --json`: ?annotators=, labels=, bootstrap=, gamma=1,
    gamma_samples=, by=, batch_size=, all_pairs=1; any other parameter is a 400."""
    only_known_params(PARAMS)
    # gamma costs seconds on a large corpus: only on request (?gamma=1); the dashboard computes
    # it in the background.
    report = build_agreement_report(
        get_db(),
        labels(),
        _names("annotators"),
        _names("labels"),
        bootstrap=query_int("bootstrap", 1000, high=100_000),
        gamma=query_flag("gamma"),
        gamma_samples=query_int("gamma_samples", 30, low=2, high=10_000),
        by=query_choice("by", STRATA),
        batch_size=query_int("batch_size", 10, low=1, high=100_000),
        all_pairs=query_flag("all_pairs"),
    )
    return jsonify(report)
