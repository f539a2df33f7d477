"""`annotator agreement`: the agreement report on the terminal or as JSON."""

from __future__ import annotations

import json
import os

import click

from annotator.agreement_text import report_as_text
from annotator.cli import db_option, fail, main, open_db
from annotator.errors import AppError
from annotator.labels import LabelSchemeError, load_label_scheme


def _names(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@main.command()
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
@db_option
def agreement(
    as_json: bool, annotators: str | None, labels: str | None, bootstrap: int, db_path: str
) -> None:
    """Inter-annotator agreement over the documents annotators marked done."""
    from annotator.reports import build_agreement_report

    try:
        scheme = load_label_scheme(os.environ.get("ANNOTATOR_LABELS"))
    except LabelSchemeError as exc:
        raise click.ClickException(str(exc)) from exc
    db = open_db(db_path)
    try:
        report = build_agreement_report(
            db, scheme, _names(annotators), _names(labels), bootstrap=bootstrap
        )
    except AppError as exc:
        raise fail(exc) from exc
    click.echo(
        json.dumps(report, ensure_ascii=False, indent=2) if as_json else report_as_text(report)
    )
