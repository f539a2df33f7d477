"""The `annotator` command line: a thin click layer over the services.

`common` holds what every command shares (the --db option, opening the database, one-line
errors, the progress counter); each other module holds the commands of one area and imports
only `common` and the layers below. This module builds the group; every command is listed here.
"""

from __future__ import annotations

import click

from annotator.cli import agreement, db, export, imports, serve, users


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="annotator")
def main() -> None:
    """annotator: blind multi-annotator span annotation with exact agreement figures."""


for command in (
    db.init,
    imports.import_command,
    users.user,
    users.token,
    serve.serve,
    serve.demo,
    agreement.agreement,
    export.export_command,
    db.backup,
):
    main.add_command(command)
