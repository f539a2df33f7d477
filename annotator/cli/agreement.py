"""`annotator agreement`: the agreement report on the terminal or as JSON."""

from __future__ import annotations

import json

import click

from annotator.cli.common import db_option, fail, open_db, scheme_for
from annotator.cli.text_report import report_as_text
from annotator.core.errors import AppError
from annotator.core.records import STRATA


def _names(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print DESIGN section 8's report JSON.")
@click.option("--annotators", help="Comma-separated annotator names (default: all).")
@click.option("--labels", help="Comma-separated label keys (default: the scheme's).")
@click.option(
    "--bootstrap",
    default=1000,
    show_default=True,
    type=click.IntRange(0, 100000),
    help="Bootstrap resamples for the alpha intervals (0: none).",
)
@click.option(
    "--gamma/--no-gamma",
    "with_gamma",
    default=True,
    show_default=True,
    help="Compute gamma (Mathet et al. 2015); seconds on a large corpus.",
)
@click.option(
    "--gamma-samples",
    default=30,
    show_default=True,
    type=click.IntRange(2, 10000),
    # the bound and the cap are annotator.agreement.gamma's TARGET_STANDARD_ERROR and
    # MAX_SAMPLES, written out so that --help does not import numpy and scipy
    help="Minimum number of Monte-Carlo samples for gamma's expected disorder: more are drawn"
    " until the standard error of gamma is under 0.01, up to 300 (or this number if larger).",
)
@click.option(
    "--by",
    type=click.Choice(STRATA),
    default=None,
    help="Also alpha and overlap F1 per outlet, month (of publication) or language.",
)
@click.option(
    "--all-pairs",
    is_flag=True,
    help="List every annotator pair even past 30 annotators (crowd mode summarises them).",
)
@click.option(
    "--batch-size",
    default=10,
    show_default=True,
    type=click.IntRange(1, 100000),
    help="Documents per batch of the report's by_batch (in the order they were finished).",
)
@db_option
def agreement(
    as_json: bool,
    annotators: str | None,
    labels: str | None,
    bootstrap: int,
    with_gamma: bool,
    gamma_samples: int,
    by: str | None,
    all_pairs: bool,
    batch_size: int,
    db_path: str,
) -> None:
    """Inter-annotator agreement over the documents annotators marked done."""
    from annotator.services.reports import build_agreement_report

    db = open_db(db_path, create=False)
    scheme = scheme_for(db)
    try:
        report = build_agreement_report(
            db,
            scheme,
            _names(annotators),
            _names(labels),
            bootstrap=bootstrap,
            gamma=with_gamma,
            gamma_samples=gamma_samples,
            by=by,
            all_pairs=all_pairs,
            batch_size=batch_size,
            gamma_workers=_cores() if with_gamma else 1,
        )
    except AppError as exc:
        raise fail(exc) from exc
    click.echo(
        json.dumps(report, ensure_ascii=False, indent=2) if as_json else report_as_text(report)
    )


def _cores() -> int:
    # gamma's samples are aligned on every core this command may use (it runs single-threaded)
    from annotator.agreement.gamma import available_cores

    return available_cores()
