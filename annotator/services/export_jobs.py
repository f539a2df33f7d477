"""Large spaCy exports built in a background thread, with progress, offered when ready.

A DocBin is one compressed blob: it cannot stream, and building one for 150,000 documents inside
a request outlived gunicorn's 30 s timeout (the lead got a 500). As with gamma (services.jobs),
a POST starts a daemon thread with its own connection; its state is a small JSON file beside the
file being written, so every gunicorn worker sees the same progress, and the page polls it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from annotator import store
from annotator.services.exports import export_records, write_export

log = logging.getLogger(__name__)

KEEP_SECONDS = 24 * 3600  # finished files older than this are removed when a new job starts
_JOB_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True, slots=True)
class ExportJob:
    """What the progress page shows: running, done or error, and how far it got."""

    id: str
    status: str
    records: int
    total: int
    name: str
    error: str | None = None

    @property
    def ready(self) -> bool:
        """The file can be downloaded."""
        return self.status == "done"


def start_docbin_export(
    db, db_path: str | Path, folder: str | Path, layer: str, done_only: bool, name: str, lang: str
) -> ExportJob:
    """Start building the spaCy file of `layer` in the background; the new job's state."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_old(folder)
    job_id = secrets.token_hex(16)
    total = store.count_documents(db)
    job = ExportJob(job_id, "running", 0, total, name)
    _save(folder, job)
    thread = threading.Thread(
        target=_run,
        args=(str(db_path), folder, job, layer, done_only, lang),
        name=f"export {job_id}",
        daemon=True,
    )
    thread.start()
    return job


def export_job(folder: str | Path, job_id: str) -> ExportJob | None:
    """The state of job `job_id`, None for an unknown (or malformed) id."""
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        return None
    try:
        state = json.loads((Path(folder) / f"{job_id}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return ExportJob(**state)


def export_file(folder: str | Path, job: ExportJob) -> Path:
    """Where a finished job's file is."""
    return Path(folder) / f"{job.id}.spacy"


def _selection(db, layer: str, done_only: bool):
    # the jobs write spaCy files (reads_token_columns)
    if layer == "gold":
        return export_records(db, annotators=[], gold=True, done_only=done_only, token_columns=True)
    if layer == "all":
        return export_records(db, done_only=done_only, token_columns=True)
    return export_records(db, annotators=[layer], done_only=done_only, token_columns=True)


def _run(db_path: str, folder: Path, job: ExportJob, layer: str, done_only: bool, lang: str):
    """The thread: never raises (nobody joins it); the outcome goes to the state file."""
    db = None
    try:
        db = store.connect(db_path, migrate_schema=False)
        counted = 0
        last = time.monotonic()

        def progress(records):
            nonlocal counted, last
            for record in records:
                yield record
                counted += 1
                if time.monotonic() - last > 0.5:
                    last = time.monotonic()
                    _save(folder, _with(job, records=counted))

        with store.read_snapshot(db):
            write_export(
                progress(_selection(db, layer, done_only)),
                "spacy",
                export_file(folder, job),
                lang=lang,
            )
        _save(folder, _with(job, status="done", records=counted))
    except Exception as exc:  # shown on the progress page, never a 500
        log.exception("export job %s failed", job.id)
        _save(folder, _with(job, status="error", error=f"{type(exc).__name__}: {exc}"))
    finally:
        if db is not None:
            db.conn.close()


def _with(job: ExportJob, **changes) -> ExportJob:
    return ExportJob(**{**_fields(job), **changes})


def _fields(job: ExportJob) -> dict:
    return {k: getattr(job, k) for k in ExportJob.__slots__}


def _save(folder: Path, job: ExportJob) -> None:
    # Written aside and renamed: a poll never reads half a state file.
    tmp = folder / f".{job.id}.json.tmp"
    tmp.write_text(json.dumps(_fields(job)), encoding="utf-8")
    os.replace(tmp, folder / f"{job.id}.json")


def _remove_old(folder: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue
