"""What every command shares: the --db option, opening the database, one-line errors, progress."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from annotator import store
from annotator.core.labels import LabelScheme, LabelSchemeError, load_label_scheme
from annotator.services.scheme_versions import adopt_scheme


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
    """The label scheme of $ANNOTATOR_LABELS, checked to hold every label the database uses and
    to carry a new version if its labels changed (a new version is recorded)."""
    try:
        scheme = load_label_scheme(os.environ.get("ANNOTATOR_LABELS"))
        adopt_scheme(db, scheme)
    except LabelSchemeError as exc:
        raise click.ClickException(str(exc)) from exc
    return scheme


def fail(exc: Exception) -> click.ClickException:
    """A domain error as a one-line CLI error."""
    return click.ClickException(getattr(exc, "message", None) or str(exc))


class Progress:
    """A record counter on stderr, shown only on a terminal and once a run takes over a second."""

    def __init__(self, what: str, *, delay: float = 1.0, every: float = 0.2) -> None:
        self.what, self.delay, self.every = what, delay, every
        self.enabled = sys.stderr.isatty()
        self.started = self.shown = 0.0
        self.count = 0
        self.visible = False

    def __enter__(self) -> Progress:
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        if self.visible and exc[0] is None:
            self._draw(final=True)
        else:
            self.clear()

    def __call__(self, count: int) -> None:
        """Note that `count` items are done."""
        self.count = count
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started >= self.delay and now - self.shown >= self.every:
            self.shown = now
            self._draw()

    def counted(self, items: Iterable[Any]) -> Iterator[Any]:
        """`items`, counted as they pass."""
        for n, item in enumerate(items, start=1):
            yield item
            self(n)

    def clear(self) -> None:
        """Remove the counter line (before printing errors)."""
        if self.visible:
            click.echo("\r\033[K", nl=False, err=True)
            self.visible = False

    def _draw(self, final: bool = False) -> None:
        rate = self.count / max(time.monotonic() - self.started, 1e-9)
        click.echo(f"\r\033[K{self.count:,} {self.what} ({rate:,.0f}/s)", nl=final, err=True)
        self.visible = not final
