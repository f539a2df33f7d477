"""`annotator import`: documents and spans from files, in one transaction."""

from __future__ import annotations

import os
from pathlib import Path

import click

from annotator.cli.common import Progress, db_option, open_db
from annotator.core.errors import AppError
from annotator.core.labels import LabelSchemeError, load_label_scheme
from annotator.formats.base import ImportFormatError
from annotator.formats.registry import IMPORT_FORMATS
from annotator.services import imports as importer
from annotator.services.scheme_versions import adopt_scheme


@click.command("import")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", *sorted(IMPORT_FORMATS)]),
    help="Input format; auto guesses from the content.",
)
@click.option(
    "--lang",
    envvar="ANNOTATOR_LANG",
    default="de",
    show_default="$ANNOTATOR_LANG or de",
    help="Language of texts that do not name theirs (news pages and feeds name or show it).",
)
@click.option(
    "--labels",
    "labels_path",
    default=lambda: os.environ.get("ANNOTATOR_LABELS"),
    show_default="$ANNOTATOR_LABELS or schema/labels.toml",
    type=click.Path(dir_okay=False),
    help="Label scheme the imported spans must use.",
)
@click.option(
    "--map-labels",
    "label_pairs",
    multiple=True,
    metavar="FROM=TO",
    help="Rename a foreign label to a key of the scheme (repeatable).",
)
@click.option(
    "--annotator",
    default=None,
    metavar="NAME",
    help="Annotator of spans whose format names none (default: gold for ptc, else required).",
)
@click.option("--strict", is_flag=True, help="Refuse spans that are not on token boundaries.")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Report bad spans, pages, WARC records and feed entries and import the rest (else: fail).",
)
@click.option(
    "--pages",
    "pages",
    default=None,
    type=click.Path(path_type=Path),
    metavar="FOLDER",
    help="Saved pages that fill the feed entries waiting for them, matched by URL.",
)
@click.option(
    "--fetch",
    is_flag=True,
    help="Fetch the pages of waiting feed entries over HTTP(S) (off: nothing is fetched).",
)
@db_option
def import_command(
    paths: tuple[Path, ...],
    fmt: str,
    lang: str,
    labels_path: str | None,
    label_pairs: tuple[str, ...],
    annotator: str | None,
    strict: bool,
    skip_invalid: bool,
    pages: Path | None,
    fetch: bool,
    db_path: str,
) -> None:
    """Import documents (and spans where the format has them) in one transaction.

    Saved web pages (.html, folders of them), WARC archives and RSS/Atom feeds keep each
    article's outlet, date, author, URL and language."""
    if not paths and pages is None and not fetch:
        raise click.UsageError("give PATHS to import, or --pages FOLDER, or --fetch")
    label_map = {}
    for pair in label_pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source or not target:
            raise click.BadParameter(f"{pair!r} is not FROM=TO", param_hint="--map-labels")
        label_map[source] = target
    try:
        # Without --labels the default scheme loads only when spans turn up.
        scheme = load_label_scheme(labels_path) if labels_path else None
    except LabelSchemeError as exc:
        raise click.ClickException(str(exc)) from exc
    rules = importer.SpanRules(scheme, label_map, strict=strict, skip_invalid=skip_invalid)
    db = open_db(db_path)
    if scheme is not None:
        try:
            adopt_scheme(db, scheme)
        except LabelSchemeError as exc:
            raise click.ClickException(f"{exc}; nothing was imported") from exc
    with Progress("records") as progress:
        try:
            report = importer.import_run(
                db,
                list(paths),
                fmt,
                annotator=annotator,
                pages=pages,
                fetch=fetch,
                skip_invalid=skip_invalid,
                lang=lang,
                rules=rules,
                progress=progress,
            )
        except importer.ImportProblemsError as exc:
            progress.clear()
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            raise click.ClickException(
                f"{exc}; nothing was imported"
                + ("" if skip_invalid else " (--skip-invalid imports the rest)")
            ) from exc
        except (ImportFormatError, AppError) as exc:
            raise click.ClickException(f"{exc}; nothing was imported") from exc
    for problem in report.problems:
        click.echo(f"skipped: {problem}", err=True)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(report.summary())
