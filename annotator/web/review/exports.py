"""GET /review/export: the lead's training-data download, the same records as `annotator export`."""

from __future__ import annotations

import io
import itertools
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    send_file,
    stream_with_context,
)
from flask_babel import gettext

from annotator.core.errors import AppError
from annotator.formats.registry import DOWNLOAD_FORMATS, FORMATS
from annotator.services import export_jobs
from annotator.services.exports import export_records, write_export
from annotator.store.agreement_data import annotator_names
from annotator.store.documents import count_documents
from annotator.web.auth import lead_required
from annotator.web.db import get_db

bp = Blueprint("exports", __name__, url_prefix="/review")

# A download holds every annotator's work: no browser or proxy cache may keep a copy.
NOT_CACHED = {"Cache-Control": "no-store"}


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
    layer, done_only = _selection(db, request.args)
    if fmt == "spacy" and count_documents(db) > current_app.config["EXPORT_INLINE_DOCUMENTS"]:
        # Too large to build inside the request: the page starts a background job (a POST).
        return render_template(
            "review/export.html",
            annotators=annotator_names(db),
            start_job={"layer": layer, "done_only": "1" if done_only else "0"},
        )
    columns = FORMATS[fmt].reads_token_columns
    if layer == "gold":
        records = export_records(
            db, annotators=[], gold=True, done_only=done_only, token_columns=columns
        )
    elif layer == "all":
        records = export_records(db, done_only=done_only, token_columns=columns)
    else:
        records = export_records(db, annotators=[layer], done_only=done_only, token_columns=columns)
    first = next(records, None)
    if first is None:
        # An empty file would download without a word; say why there is nothing instead.
        message = (
            gettext("Nothing to export: no adjudicated document in this selection yet.")
            if layer == "gold"
            else gettext("Nothing to export: no document marked done in this selection yet.")
        )
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
        headers={"Content-Disposition": f'attachment; filename="{name}"', **NOT_CACHED},
    )


def _selection(db, values) -> tuple[str, bool]:
    """The layer (gold, all or an annotator) and done_only of a request's arguments."""
    layer = values.get("layer", "gold")
    if layer not in ("gold", "all") and layer not in annotator_names(db):
        # checked here: the layer names the download, and "gold\n" broke its header (a 500)
        raise AppError(f"no annotator called {layer!r}", 404)
    return layer, values.get("done_only", "1") != "0"


def _jobs_folder() -> Path:
    return Path(
        current_app.config.get("EXPORT_JOBS") or Path(current_app.instance_path) / "export-jobs"
    )


@bp.post("/export/jobs")
@lead_required
def start_job():
    """Start building a spaCy file in the background; its progress region."""
    db = get_db()
    layer, done_only = _selection(db, request.form)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    job = export_jobs.start_docbin_export(
        db,
        current_app.config["DB"],
        _jobs_folder(),
        layer,
        done_only,
        f"{stamp}-{layer}.spacy",
        current_app.config.get("LANG", "de"),
    )
    return render_template("review/_export_job.html", job=job)


@bp.get("/export/jobs/<job_id>")
@lead_required
def job_state(job_id: str):
    """The progress region of a background export (polled until the file is ready)."""
    job = export_jobs.export_job(_jobs_folder(), job_id)
    if job is None:
        raise AppError(f"no export job {job_id}", 404)
    template = (
        "review/_export_job.html" if request.headers.get("HX-Request") else "review/export.html"
    )
    return render_template(template, job=job, annotators=annotator_names(get_db()))


@bp.get("/export/jobs/<job_id>/file")
@lead_required
def job_file(job_id: str):
    """The finished file of a background export."""
    job = export_jobs.export_job(_jobs_folder(), job_id)
    if job is None or not job.ready:
        raise AppError(f"no finished export {job_id}", 404)
    response = send_file(
        export_jobs.export_file(_jobs_folder(), job),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=job.name,
    )
    response.headers.update(NOT_CACHED)
    return response


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
    response = send_file(
        handle, mimetype="application/octet-stream", as_attachment=True, download_name=name
    )
    response.headers.update(NOT_CACHED)
    return response
