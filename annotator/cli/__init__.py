"""The `annotator` command line: a thin click layer over the services.

`common` holds what every command shares (the --db option, opening the database, one-line
errors, the progress counter); each other module holds the commands of one area and imports
only `common` and the layers below. `COMMANDS` lists every command with its module: a module is
imported only when its command runs (or its own --help is asked for), so `annotator --help`
and each command start without loading what other commands need (spaCy, scipy, the web app).
"""

from __future__ import annotations

import importlib

import click

# name -> (module, attribute, one-line help shown by `annotator --help`)
COMMANDS = {
    "init": ("db", "init", "Create or migrate the database (idempotent)."),
    "import": ("imports", "import_command", "Import documents (and spans) in one transaction."),
    "user": ("users", "user", "Manage accounts."),
    "token": ("users", "token", "Manage API tokens."),
    "serve": ("serve", "serve", "Serve the app (gunicorn; --debug: Flask's server)."),
    "demo": ("serve", "demo", "A demo database with the corpus and demo accounts, served."),
    "agreement": ("agreement", "agreement", "Inter-annotator agreement over done documents."),
    "export": ("export", "export_command", "Export training data (DESIGN section 7)."),
    "backup": ("db", "backup", "Copy the database while the app runs (online, checked)."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(importlib.import_module(f"annotator.cli.{module}"), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short) for name, (_, _, short) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="annotator")
def main() -> None:
    """annotator: blind multi-annotator span annotation with exact agreement figures."""
