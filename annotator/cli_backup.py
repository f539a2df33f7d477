"""`annotator backup PATH`: an online, consistent copy of the database."""

from __future__ import annotations

import click

from annotator.cli import db_option, main
from annotator.store.backup import BackupError, backup_database


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@db_option
def backup(path: str, db_path: str) -> None:
    """Copy the database to PATH while the app runs (SQLite backup API, checked, atomic rename)."""
    try:
        result = backup_database(db_path, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up {db_path} to {result.path} ({result.pages} pages, {result.bytes} bytes)")
