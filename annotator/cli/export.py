"""`annotator export`: training data out of the database."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from annotator.cli.common import Progress, db_option, open_db
from annotator.core.errors import AppError
from annotator.formats.registry import EXPORT_FORMATS, FORMATS
from annotator.services import exports as exporter

DEFAULT_FOLDER = Path("exports")


@click.command("export")
@click.option(
    "--format",
    "fmt",
    default="jsonl",
    show_default=True,
    type=click.Choice(EXPORT_FORMATS),
    help="jsonl (Prodigy-compatible), spacy (DocBin, spans in doc.spans['sc']), doccano, ptc.",
)
@click.option(
    "--annotator",
    "names",
    multiple=True,
    metavar="NAME",
    help="Export this annotator's work (repeatable).",
)
@click.option("--all", "all_annotators", is_flag=True, help="Export every annotator's work.")
@click.option("--gold", is_flag=True, help="Export the adjudicated gold layer.")
@click.option(
    "--done-only/--no-done-only",
    default=True,
    show_default=True,
    help="Only documents marked done (gold: adjudicated); else also unfinished work with spans.",
)
@click.option(
    "--out",
    default=None,
    metavar="PATH|-",
    help="Output file (a folder for ptc), or - for standard output "
    "[default: exports/<timestamp>-<who>.<ext>].",
)
@click.option(
    "--shard-size",
    type=click.IntRange(1),
    default=None,
    help="spacy: write a folder of DocBins of this many documents (flat memory).",
)
@click.option(
    "--lang",
    envvar="ANNOTATOR_LANG",
    default="de",
    show_default="$ANNOTATOR_LANG or de",
    help="spaCy language (spacy format).",
)
@db_option
def export_command(
    fmt: str,
    names: tuple[str, ...],
    all_annotators: bool,
    gold: bool,
    done_only: bool,
    out: str | None,
    shard_size: int | None,
    lang: str,
    db_path: str,
) -> None:
    """Export training data: one record per document and annotator (DESIGN section 7)."""
    if names and all_annotators:
        raise click.UsageError("give --annotator NAME or --all, not both")
    if not (names or all_annotators or gold):
        all_annotators = True
    if out == "-" and not FORMATS[fmt].streamable:
        raise click.UsageError(f"--format {fmt} cannot go to standard output; pass --out PATH")
    db = open_db(db_path, create=False)
    try:
        records = exporter.export_records(
            db,
            annotators=None if all_annotators else list(names),
            gold=gold,
            done_only=done_only,
            token_columns=FORMATS[fmt].reads_token_columns,
        )
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    if out == "-":
        count = exporter.write_export(records, fmt, sys.stdout)
        click.echo(f"{count} records written to standard output", err=True)
        return
    if out is None:
        target = default_path(fmt, names, all_annotators, gold, shard_size)
        target.parent.mkdir(parents=True, exist_ok=True)
    else:
        target = Path(out)
    with Progress("records") as progress:
        try:
            count = exporter.write_export(
                progress.counted(records), fmt, target, lang=lang, shard_size=shard_size, db=db
            )
        except AppError as exc:
            progress.clear()
            raise click.ClickException(f"{exc.message}; nothing was written") from exc
    click.echo(f"{count} records written to {target}")


def default_path(
    fmt: str, names: tuple[str, ...], all_annotators: bool, gold: bool, shard_size: int | None
) -> Path:
    """exports/<UTC timestamp>-<who>.<ext> for the selection."""
    who = [*(["all"] if all_annotators else names), *(["gold"] if gold else [])]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    ext = "" if fmt == "spacy" and shard_size else FORMATS[fmt].suffix
    return DEFAULT_FOLDER / f"{stamp}-{'+'.join(who)}{ext}"
