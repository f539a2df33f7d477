"""`annotator serve` and `annotator demo`: the web app under gunicorn."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from annotator import store
from annotator.cli.common import db_option, open_db, scheme_for
from annotator.core.resources import data_path
from annotator.services import accounts
from annotator.services import imports as importer
from annotator.store import users as user_store


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--debug", is_flag=True, help="Flask's development server with reloader.")
@db_option
def serve(host: str, port: int, workers: int, debug: bool, db_path: str) -> None:
    """Serve the app (gunicorn; the development server only with --debug)."""
    open_db(db_path)  # migrate once here, not in every worker at the same moment
    run_server(db_path, host, port, workers, debug)


def run_server(db_path: str, host: str, port: int, workers: int, debug: bool) -> None:
    """Replace this process with the server for `db_path`."""
    # Refuse to start with a scheme that lacks a label of the stored spans: those spans could
    # be neither shown nor edited, and would drop out of the agreement figures unseen.
    db = open_db(db_path)
    try:
        scheme_for(db)
    finally:
        db.conn.close()
    os.environ["ANNOTATOR_DB"] = str(Path(db_path).resolve())
    if debug:
        from annotator.web import create_app

        create_app().run(host=host, port=port, debug=True)
        return
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"{host}:{port}",
        "--access-logfile",
        "-",
        "annotator.web:create_app()",
    ]
    os.execv(sys.executable, argv)


DEMO_USERS = (("lea", "lead"), ("anna", "annotator"), ("ben", "annotator"))


def prepare_demo(db_path: str) -> list[tuple[str, str, str]]:
    """Create the demo database: corpus imported, demo accounts with fresh passwords."""
    db = open_db(db_path)
    importer.import_paths(db, [data_path("corpus")], "text")
    accounts_made = []
    for name, role in DEMO_USERS:
        password = accounts.new_password()
        if user_store.get_user(db, name) is None:
            accounts.create_user(db, name, role, password, actor="demo")
        else:
            user_store.set_password(db, name, accounts.hash_password(password, name), "demo")
        accounts_made.append((name, role, password))
    return accounts_made


@click.command()
@click.option(
    "--db",
    "db_path",
    default="instance/demo.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Demo database file.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and exit.")
def demo(db_path: str, host: str, port: int, no_serve: bool) -> None:
    """A demo database with the corpus and demo accounts, served on 127.0.0.1."""
    made = prepare_demo(db_path)
    db = open_db(db_path)
    click.echo(f"Demo database {db_path}: {store.count_documents(db)} documents.")
    click.echo("Accounts (passwords are new each run):")
    for name, role, password in made:
        click.echo(f"  {role:<10} {name:<6} {password}")
    if not no_serve:
        click.echo(f"Open http://{host}:{port}/ and log in.")
        run_server(db_path, host, port, 2, False)
