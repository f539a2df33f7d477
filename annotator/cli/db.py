"""`annotator init` and `annotator backup`: the database file itself."""

from __future__ import annotations

import click

from annotator import store
from annotator.cli.common import db_option, open_db
from annotator.store.backup import BackupError, backup_database


@click.command()
@db_option
def init(db_path: str) -> None:
    """Create or migrate the database (idempotent)."""
    db = open_db(db_path)
    click.echo(f"{db_path}: schema version {store.schema_version(db)}")


@click.command()
@click.argument("path", type=click.Path(dir_okay=False))
@db_option
def backup(path: str, db_path: str) -> None:
    """Copy the database to PATH while the app runs (SQLite backup API, checked, atomic rename)."""
    try:
        result = backup_database(db_path, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up {db_path} to {result.path} ({result.pages} pages, {result.bytes} bytes)")
