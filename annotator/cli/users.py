"""`annotator user ...` and `annotator token ...`: accounts and API tokens."""

from __future__ import annotations

import sys

import click

from annotator.cli.common import db_option, fail, open_db
from annotator.core.errors import AppError
from annotator.services import accounts
from annotator.store import users as user_store


@click.group()
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


@click.group()
def token() -> None:
    """Manage API tokens."""


@token.command("list")
@click.argument("name")
@db_option
def token_list(name: str, db_path: str) -> None:
    """List NAME's API tokens: id, created, last used (the tokens themselves are not kept)."""
    db = open_db(db_path, create=False)
    try:
        tokens = accounts.list_api_tokens(db, name)
    except AppError as exc:
        raise fail(exc) from exc
    if not tokens:
        click.echo(f"{name} has no API tokens")
    for t in tokens:
        click.echo(f"{t.id}\tcreated {t.created}\tlast used {t.last_used or 'never'}")


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=click.IntRange(1, 2**63 - 1))
@db_option
def token_revoke(token_id: int, db_path: str) -> None:
    """Revoke one API token by its ID (see `token list`); the user's other tokens stay."""
    db = open_db(db_path, create=False)
    try:
        revoked = accounts.revoke_api_token(db, token_id)
    except AppError as exc:
        raise fail(exc) from exc
    click.echo(f"revoked token {revoked.id} of {revoked.user}")


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
