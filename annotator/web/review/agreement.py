"""The agreement dashboard under /review/agreement: figures for the filters, and gamma.

gamma's region (`agreement.gamma`, `agreement.gamma_recompute`) polls while the background
job of `annotator.services.jobs` computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, current_app, render_template, request

from annotator.core.labels import LabelScheme
from annotator.services import jobs as gamma_jobs
from annotator.services.reports import dashboard_figures
from annotator.services.timing import annotator_pace
from annotator.store.agreement_data import annotator_names
from annotator.store.documents import document_facets, list_documents
from annotator.store.report_cache import DONE
from annotator.web.auth import lead_required
from annotator.web.db import get_db, labels
from annotator.web.filters import document_filter, stratum
from annotator.web.html.charts import Bar, Series, bars_svg, format_value, heatmap_svg, line_svg

bp = Blueprint("agreement", __name__, url_prefix="/review")


def _chosen(db, scheme: LabelScheme) -> tuple[list[str], list[str]]:
    """The filters' annotators and labels that exist; nothing ticked means all."""
    names = annotator_names(db)
    chosen = [a for a in request.values.getlist("annotator") if a in names] or names
    keys = scheme.keys()
    chosen_labels = [k for k in request.values.getlist("label") if k in keys] or keys
    return chosen, chosen_labels


@bp.get("/agreement")
@lead_required
def agreement():
    """The agreement dashboard: alpha, kappa and F1 heatmaps, alpha_U, gamma, gold scores."""
    db = get_db()
    return render_template(
        "review/agreement.html",
        all_annotators=annotator_names(db),
        facets=document_facets(db),
        **figures_context(db, labels(), *_chosen(db, labels())),
    )


@bp.get("/agreement/figures")
@lead_required
def figures():
    """The figures alone, for the filters (annotators, labels, outlet, month, language)."""
    db = get_db()
    return render_template(
        "review/_figures.html", **figures_context(db, labels(), *_chosen(db, labels()))
    )


@bp.get("/agreement/gamma")
@lead_required
def gamma():
    """gamma's region alone: the cached result, or "computing…" (starting the job if none runs)."""
    db = get_db()
    return render_template("review/_unitizing.html", **gamma_context(db, *_chosen(db, labels())))


@bp.post("/agreement/gamma")
@lead_required
def gamma_recompute():
    """Compute gamma again for the filters (after an error, or to check a result)."""
    db = get_db()
    chosen, chosen_labels = _chosen(db, labels())
    return render_template(
        "review/_unitizing.html", **gamma_context(db, chosen, chosen_labels, force=True)
    )


def gamma_context(db, chosen: list[str], chosen_labels: list[str], force: bool = False) -> dict:
    """gamma's region: the state of its background job for the chosen annotators and labels."""
    config = current_app.config
    job = gamma_jobs.GammaRequest.of(
        chosen, chosen_labels, samples=int(config.get("REVIEW_GAMMA_SAMPLES", 30))
    )
    state = gamma_jobs.gamma_state(
        db,
        config["DB"],
        job,
        force=force,
        stale_after=float(config.get("REVIEW_GAMMA_STALE", gamma_jobs.STALE_AFTER)),
    )
    return {
        "gamma_state": state,
        "gamma_result": state.row.result if state.row and state.row.status == DONE else None,
        "chosen": chosen,
        "chosen_labels": chosen_labels,
        "fmt": format_value,
        "when": format_time,
    }


def format_time(iso: str) -> str:
    """An ISO timestamp of the store as 'YYYY-MM-DD HH:MM:SS UTC'."""
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S UTC")


# Krippendorff's thresholds for alpha, and the fewest documents a bootstrap interval over
# documents can mean anything with (two documents give a tight interval that looks precise).
RELIABLE = 0.8
TENTATIVE = 0.667
MIN_INTERVAL_DOCUMENTS = 10


@dataclass(frozen=True, slots=True)
class Verdict:
    word: str  # reliable | tentative | not yet usable | undefined
    kind: str  # a CSS class
    interval: tuple[float, float] | None  # shown only from MIN_INTERVAL_DOCUMENTS documents
    warning: str  # instead of the interval when there are too few documents


def alpha_verdict(value: float | None, ci95, documents: int) -> Verdict:
    """One label's alpha in plain words, with its interval or a too-few-documents warning."""
    if value is None:
        word, kind = "undefined", "undefined"
    elif value >= RELIABLE:
        word, kind = "reliable", "reliable"
    elif value >= TENTATIVE:
        word, kind = "tentative", "tentative"
    else:
        word, kind = "not yet usable", "unusable"
    if documents >= MIN_INTERVAL_DOCUMENTS:
        interval = tuple(ci95) if ci95 else None
        return Verdict(word, kind, interval, "")
    missing = MIN_INTERVAL_DOCUMENTS - documents
    warning = (
        f"only {documents} document{'' if documents == 1 else 's'}: a trustworthy interval needs "
        f"at least {MIN_INTERVAL_DOCUMENTS} ({missing} more)"
    )
    return Verdict(word, kind, None, warning)


def explain_alpha(value: float | None) -> str:
    """What an alpha (or kappa) value means, in one sentence a newcomer can read."""
    if value is None:
        return "undefined here: no variation to compare (nobody marked anything, or one document)."
    verdict = (
        "reliable (Krippendorff: from 0.8)"
        if value >= 0.8
        else "tentative conclusions only (Krippendorff: 0.667 to 0.8)"
        if value >= 0.667
        else "too low for conclusions (Krippendorff: below 0.667)"
    )
    return (
        f"{value:.2f}: the annotators agree on {max(value, 0) * 100:.0f}% of what chance would not "
        f"explain (1 perfect, 0 chance level); {verdict}."
    )


def _sort_key(row: dict) -> tuple:
    # Most disagreement first; undefined figures (nothing to compare) last.
    alpha, f1 = row["alpha"], row["f1_overlap_mean"]
    return (alpha is None, alpha if alpha is not None else 0, f1 is None, f1 or 0)


def _document_rows(db, report: dict, documents, chosen_labels: list[str]) -> list[dict]:
    by_id = {d.id: d for d in documents}
    titles = {d.id: d.title for d in list_documents(db)}
    rows = []
    for entry in report["by_document"]:
        doc = by_id[entry["document_id"]]
        rows.append(
            {
                **entry,
                "title": titles.get(entry["document_id"], ""),
                "done": sorted(doc.spans),
                "spans": sum(
                    1 for spans in doc.spans.values() for s in spans if s.label in chosen_labels
                ),
                "tokens": len(doc.tokens),
            }
        )
    rows.sort(key=_sort_key)
    return rows


def _gold_rows(gold: dict, scheme: LabelScheme, chosen_labels: list[str]) -> list[dict]:
    rows = []
    for entry in gold["by_annotator"]:
        parts = [("*", "all labels", entry["exact"]["micro"], entry["overlap"]["micro"])]
        parts += [
            (k, scheme.get(k).name, entry["exact"]["by_label"][k], entry["overlap"]["by_label"][k])
            for k in chosen_labels
        ]
        for n, (key, name, exact, over) in enumerate(parts):
            rows.append(
                {
                    "annotator": entry["annotator"],
                    "documents": entry["documents"],
                    "label": key,
                    "name": name,
                    "exact": exact,
                    "overlap": over,
                    "first": n == 0,
                }
            )
    return rows


def over_time_svg(report: dict):
    """The line chart of alpha (with intervals) and overlap F1 per batch."""
    batches = report["by_batch"]
    return line_svg(
        [f"{b['batch']} ({b['documents']})" for b in batches],
        [
            Series(
                "alpha",
                tuple(b["krippendorff_alpha"] for b in batches),
                "#0072B2",
                intervals=tuple(tuple(b["ci95"]) if b["ci95"] else None for b in batches),
            ),
            Series("overlap F1", tuple(b["f1_overlap"] for b in batches), "#D55E00", "6 4"),
        ],
        title="Agreement per batch of finished documents",
        subtitle="batch (documents in it)",
    )


def figures_context(db, scheme: LabelScheme, chosen: list[str], chosen_labels: list[str]) -> dict:
    """Everything the figures fragment shows, for the chosen annotators and labels (as `_chosen`
    checked them)."""
    bootstrap = int(current_app.config.get("REVIEW_BOOTSTRAP", 1000))
    doc_filter, by = document_filter(request.values), stratum(request.values)
    batch_size = int(current_app.config.get("REVIEW_BATCH_SIZE", 10))
    figures = dashboard_figures(
        db,
        scheme,
        chosen,
        chosen_labels,
        bootstrap=bootstrap,
        chosen=doc_filter,
        by=by,
        batch_size=batch_size,
    )
    report, documents, gold = figures.report, figures.documents, figures.gold_scores
    alpha = report["krippendorff_alpha"]
    pair_docs = {(p["a"], p["b"]): p["documents"] for p in report["pairs"]}
    kappa = {(p["a"], p["b"]): p["cohen_kappa"]["pooled"] for p in report["pairs"]}
    overlap = {(p["a"], p["b"]): p["f1_overlap"]["micro"] for p in report["pairs"]}
    bars = [
        Bar(
            scheme.get(key).name,
            alpha["by_label"][key]["value"],
            # Too few documents: no whisker that would look precise (the verdicts say why).
            tuple(alpha["by_label"][key]["ci95"])
            if alpha["by_label"][key]["ci95"] and report["documents"] >= MIN_INTERVAL_DOCUMENTS
            else None,
            scheme.get(key).colour,
            alpha["by_label"][key]["units"],
        )
        for key in chosen_labels
    ]
    return {
        "report": report,
        "strata": figures.strata,
        "doc_filter": doc_filter,
        "gold_scores": gold,
        "chosen": chosen,
        "chosen_labels": chosen_labels,
        "scheme": scheme,
        "fmt": format_value,
        "explain_alpha": explain_alpha,
        "verdicts": {
            key: alpha_verdict(
                alpha["by_label"][key]["value"], alpha["by_label"][key]["ci95"], report["documents"]
            )
            for key in chosen_labels
        },
        "pooled_verdict": alpha_verdict(
            alpha["pooled"]["value"], alpha["pooled"]["ci95"], report["documents"]
        ),
        "thresholds": {"reliable": RELIABLE, "tentative": TENTATIVE},
        "shared_pairs": [p for p in report["pairs"] if p["documents"]],
        "empty_pairs": [p for p in report["pairs"] if not p["documents"]],
        "kappa_svg": heatmap_svg(
            report["annotators"], kappa, pair_docs, title="Cohen's kappa (pooled over labels)"
        ),
        "overlap_svg": heatmap_svg(
            report["annotators"], overlap, pair_docs, title="Overlap F1 (micro over labels)"
        ),
        "bars_svg": bars_svg(bars, title="Krippendorff's alpha per label with 95% intervals"),
        "over_time_svg": over_time_svg(report),
        "pace": annotator_pace(db, chosen),
        "doc_rows": _document_rows(db, report, documents, chosen_labels),
        "gold_rows": _gold_rows(gold, scheme, chosen_labels),
        **gamma_context(db, chosen, chosen_labels),
    }
