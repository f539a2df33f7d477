"""GET /review/export: the lead's training-data download, the same records as `annotator export`."""

from __future__ import annotations

import io
import itertools
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Response, render_template, request, send_file, stream_with_context

from annotator.core.errors import AppError
from annotator.formats.registry import DOWNLOAD_FORMATS, FORMATS
from annotator.services.exports import export_records, write_export
from annotator.store.agreement_data import annotator_names
from annotator.web.auth import lead_required
from annotator.web.db import get_db

bp = Blueprint("exports", __name__, url_prefix="/review")


@bp.get("/export")
@lead_required
def export():
    """The export form, or with `format` the download itself."""
    db = get_db()
    if "format" not in request.args:
        return render_template("review/export.html", annotators=annotator_names(db))
    fmt = request.args["format"]
    if fmt not in DOWNLOAD_FORMATS:
        raise AppError(f"format must be one of {', '.join(DOWNLOAD_FORMATS)}")
    layer = request.args.get("layer", "gold")
    done_only = request.args.get("done_only", "1") != "0"
    if layer == "gold":
        records = export_records(db, annotators=[], gold=True, done_only=done_only)
    elif layer == "all":
        records = export_records(db, done_only=done_only)
    else:
        records = export_records(db, annotators=[layer], done_only=done_only)
    first = next(records, None)
    if first is None:
        # An empty file would download without a word; say why there is nothing instead.
        what = "adjudicated document" if layer == "gold" else "document marked done"
        message = f"Nothing to export: no {what} in this selection yet."
        return render_template(
            "review/export.html", annotators=annotator_names(db), message=message
        )
    records = itertools.chain([first], records)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{stamp}-{layer}{FORMATS[fmt].suffix}"
    if fmt == "spacy":
        return _docbin(records, name)
    return Response(
        stream_with_context(_lines(records, fmt)),
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _lines(records, fmt: str):
    """Record by record through the format's own writer, so a large export never sits in memory."""
    write = FORMATS[fmt].stream_writer
    for record in records:
        sink = io.StringIO()
        write([record], sink)
        yield sink.getvalue()


def _docbin(records, name: str):
    folder = Path(tempfile.mkdtemp(prefix="annotator-export-"))
    path = folder / name
    # A download is one file: no automatic shards (a corpus that large goes through the CLI).
    write_export(records, "spacy", path, auto_shard=False)
    # The file is opened before it is removed: the response streams from the open handle.
    handle = path.open("rb")
    path.unlink()
    folder.rmdir()
    return send_file(
        handle, mimetype="application/octet-stream", as_attachment=True, download_name=name
    )
