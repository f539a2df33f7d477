"""The agreement dashboard under /review/agreement: figures for the filters, and gamma.

gamma's region (`agreement.gamma`, `agreement.gamma_recompute`) polls while the background
job of `annotator.services.jobs` computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext, ngettext

from annotator.core.labels import LabelScheme
from annotator.services import jobs as gamma_jobs
from annotator.services.reports import dashboard_figures, source_gold_scores
from annotator.services.timing import annotator_pace
from annotator.store.agreement_data import annotator_names
from annotator.store.documents import document_facets, list_documents
from annotator.store.report_cache import DONE
from annotator.web.auth import lead_required
from annotator.web.db import get_db, labels
from annotator.web.filters import document_filter, stratum
from annotator.web.html.charts import Bar, Series, bars_svg, heatmap_svg, line_svg
from annotator.web.params import unique
from annotator.web.words import format_figure

bp = Blueprint("agreement", __name__, url_prefix="/review")


def _chosen(db, scheme: LabelScheme) -> tuple[list[str], list[str]]:
    """The filters' annotators and labels that exist; nothing ticked means all."""
    names = annotator_names(db)
    chosen = unique(a for a in request.values.getlist("annotator") if a in names) or names
    keys = scheme.keys()
    chosen_labels = unique(k for k in request.values.getlist("label") if k in keys) or keys
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
    return render_template(
        "review/_unitizing.html", **gamma_context(db, *_chosen(db, labels()), start=False)
    )


@bp.post("/agreement/gamma")
@lead_required
def gamma_recompute():
    """Start gamma for the filters (`start=1`: unless a result or a job is there already), or
    compute it again (after an error, or to check a result)."""
    db = get_db()
    chosen, chosen_labels = _chosen(db, labels())
    force = request.values.get("start") != "1"
    return render_template(
        "review/_unitizing.html", **gamma_context(db, chosen, chosen_labels, force=force)
    )


def gamma_context(
    db, chosen: list[str], chosen_labels: list[str], force: bool = False, start: bool = True
) -> dict:
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
        start=start,
        stale_after=float(config.get("REVIEW_GAMMA_STALE", gamma_jobs.STALE_AFTER)),
    )
    return {
        "gamma_state": state,
        "gamma_result": state.row.result if state.row and state.row.status == DONE else None,
        "chosen": chosen,
        "chosen_labels": chosen_labels,
        "fmt": format_figure,
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
        word, kind = gettext("undefined"), "undefined"
    elif value >= RELIABLE:
        word, kind = gettext("reliable"), "reliable"
    elif value >= TENTATIVE:
        word, kind = gettext("tentative"), "tentative"
    else:
        word, kind = gettext("not yet usable"), "unusable"
    if documents >= MIN_INTERVAL_DOCUMENTS:
        interval = tuple(ci95) if ci95 else None
        return Verdict(word, kind, interval, "")
    missing = MIN_INTERVAL_DOCUMENTS - documents
    warning = ngettext(
        "only %(num)d document: a trustworthy interval needs at least %(needed)d "
        "(%(missing)d more)",
        "only %(num)d documents: a trustworthy interval needs at least %(needed)d "
        "(%(missing)d more)",
        documents,
        needed=MIN_INTERVAL_DOCUMENTS,
        missing=missing,
    )
    return Verdict(word, kind, None, warning)


def explain_alpha(value: float | None) -> str:
    """What an alpha (or kappa) value means, in one sentence a newcomer can read."""
    if value is None:
        return gettext(
            "undefined here: no variation to compare (nobody marked anything, or one document)."
        )
    verdict = (
        gettext("reliable (Krippendorff: from 0.8)")
        if value >= 0.8
        else gettext("tentative conclusions only (Krippendorff: 0.667 to 0.8)")
        if value >= 0.667
        else gettext("too low for conclusions (Krippendorff: below 0.667)")
    )
    shown, percent = f"{value:.2f}", f"{max(value, 0) * 100:.0f}"
    return gettext(
        "%(value)s: the annotators agree on %(percent)s%% of what chance would not explain "
        "(1 perfect, 0 chance level); %(verdict)s.",
        value=shown,
        percent=percent,
        verdict=verdict,
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
        parts = [("*", gettext("all labels"), entry["exact"]["micro"], entry["overlap"]["micro"])]
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
            Series(
                gettext("overlap F1"), tuple(b["f1_overlap"] for b in batches), "#D55E00", "6 4"
            ),
        ],
        title=gettext("Agreement per batch of finished documents"),
        subtitle=gettext("batch (documents in it)"),
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
    crowd = "pair_summary" in report
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
        "fmt": format_figure,
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
        # Crowd mode: no n x n heat map (the template shows the pair summary instead).
        "kappa_svg": None
        if crowd
        else heatmap_svg(
            report["annotators"],
            kappa,
            pair_docs,
            title=gettext("Cohen's kappa (pooled over labels)"),
            count_unit=gettext("docs"),
        ),
        "overlap_svg": None
        if crowd
        else heatmap_svg(
            report["annotators"],
            overlap,
            pair_docs,
            title=gettext("Overlap F1 (micro over labels)"),
            count_unit=gettext("docs"),
        ),
        "bars_svg": bars_svg(
            bars,
            title=gettext("Krippendorff's alpha per label with %(level)s%% intervals", level=95),
            count_unit=gettext("units"),
        ),
        "over_time_svg": over_time_svg(report),
        "pace": annotator_pace(db, chosen),
        "doc_rows": _document_rows(db, report, documents, chosen_labels),
        "gold_rows": _gold_rows(gold, scheme, chosen_labels),
        "source_scores": source_gold_scores(db, chosen_labels),  # issue 17
        **gamma_context(db, chosen, chosen_labels, start=False),
    }
