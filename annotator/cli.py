"""The `annotator` command line: a thin click layer over plain functions."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from annotator import accounts, importer, store
from annotator.errors import AppError
from annotator.formats.base import ImportFormatError
from annotator.labels import LabelScheme, LabelSchemeError, check_labels_in_use, load_label_scheme
from annotator.store import users as user_store
from annotator.store.spans import labels_in_use

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_CORPUS = PROJECT_ROOT / "corpus"


def default_db() -> str:
    """$ANNOTATOR_DB, else instance/annotator.db."""
    return os.environ.get("ANNOTATOR_DB") or "instance/annotator.db"


db_option = click.option(
    "--db",
    "db_path",
    default=default_db,
    show_default="$ANNOTATOR_DB or instance/annotator.db",
    type=click.Path(dir_okay=False),
    help="SQLite database file.",
)


def open_db(db_path: str, *, create: bool = True):
    """Open and migrate the database, turning failures into one-line errors.

    With `create` off (commands that only read or change existing rows) a missing file is an
    error: a mistyped --db must not leave a new, empty database behind.
    """
    if not create and not Path(db_path).exists():
        raise click.ClickException(
            f"{db_path}: no such database (create it with `annotator init --db {db_path}`)"
        )
    try:
        return store.connect(db_path)
    except Exception as exc:  # sqlite3 errors: not a database, read-only, locked ...
        raise click.ClickException(f"{db_path}: cannot open the database ({exc})") from exc


def scheme_for(db) -> LabelScheme:
    """The label scheme of $ANNOTATOR_LABELS, checked to hold every label the database uses."""
    try:
        scheme = load_label_scheme(os.environ.get("ANNOTATOR_LABELS"))
        check_labels_in_use(scheme, labels_in_use(db))
    except LabelSchemeError as exc:
        raise click.ClickException(str(exc)) from exc
    return scheme


def fail(exc: Exception) -> click.ClickException:
    """A domain error as a one-line CLI error."""
    return click.ClickException(getattr(exc, "message", None) or str(exc))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="annotator")
def main() -> None:
    """annotator: blind multi-annotator span annotation with exact agreement figures."""


@main.command()
@db_option
def init(db_path: str) -> None:
    """Create or migrate the database (idempotent)."""
    db = open_db(db_path)
    click.echo(f"{db_path}: schema version {store.schema_version(db)}")


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", *sorted(importer.READERS)]),
    help="Input format; auto guesses from the content.",
)
@click.option(
    "--lang",
    envvar="ANNOTATOR_LANG",
    default="de",
    show_default="$ANNOTATOR_LANG or de",
    help="spaCy language of the texts.",
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
    "--skip-invalid", is_flag=True, help="Report bad spans and import the rest (else: fail)."
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
    db_path: str,
) -> None:
    """Import documents (and spans where the format has them) in one transaction."""
    from annotator.cli_export import Progress

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
    with Progress("records") as progress:
        try:
            report = importer.import_paths(
                db, list(paths), fmt, annotator=annotator, lang=lang, rules=rules, progress=progress
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


@main.group()
def user() -> None:
    """Manage accounts."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(user_store.ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@db_option
def user_add(name: str, role: str, password_stdin: bool, db_path: str) -> None:
    """Add a user; prints a generated password unless --password-stdin."""
    db = open_db(db_path)
    password = sys.stdin.readline().rstrip("\n") if password_stdin else accounts.new_password()
    try:
        accounts.create_user(db, name, role, password)
    except AppError as exc:
        raise fail(exc) from exc
    click.echo(f"added {role} {name}" + ("" if password_stdin else f" with password {password}"))


@user.command("list")
@db_option
def user_list(db_path: str) -> None:
    """List users with their roles."""
    db = open_db(db_path, create=False)
    for u in user_store.list_users(db):
        click.echo(f"{u.name}\t{u.role}" + ("\tdisabled" if u.disabled else ""))


@user.command("disable")
@click.argument("name")
@db_option
def user_disable(name: str, db_path: str) -> None:
    """Disable a user: no login, no API token, sessions end."""
    db = open_db(db_path, create=False)
    try:
        user_store.set_disabled(db, name, True, "cli")
    except AppError as exc:
        raise fail(exc) from exc
    click.echo(f"disabled {name}")


@main.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.argument("name")
@db_option
def token_create(name: str, db_path: str) -> None:
    """Print a new API token for NAME (shown once, stored hashed)."""
    db = open_db(db_path, create=False)
    try:
        click.echo(accounts.create_api_token(db, name))
    except AppError as exc:
        raise fail(exc) from exc


@main.command()
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
    importer.import_paths(db, [DEMO_CORPUS], "text")
    accounts_made = []
    for name, role in DEMO_USERS:
        password = accounts.new_password()
        if user_store.get_user(db, name) is None:
            accounts.create_user(db, name, role, password, actor="demo")
        else:
            user_store.set_password(db, name, accounts.hash_password(password), "demo")
        accounts_made.append((name, role, password))
    return accounts_made


@main.command()
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


# Commands of other areas live in their own modules and register themselves on `main`
# (one import line each, kept at the bottom because they import `main` from here).
from annotator import cli_agreement, cli_backup, cli_export  # noqa: E402, F401

if __name__ == "__main__":
    main()
