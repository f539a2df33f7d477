"""Online, consistent copies of the database through SQLite's backup API."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path


class BackupError(Exception):
    """The copy could not be made or failed its integrity check; nothing was written."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    bytes: int
    pages: int


def backup_database(source: str | Path, destination: str | Path) -> BackupResult:
    """Copy the live database at `source` to `destination` as one self-contained file.

    The copy is one read transaction of the backup API (pages=-1), so it is a consistent
    snapshot even while the app writes; it goes to a temporary file next to `destination`,
    is checked with `PRAGMA integrity_check`, synced, and only then renamed into place, so
    `destination` is never half-written.
    """
    source, destination = Path(source), Path(destination)
    if not source.is_file():
        raise BackupError(f"{source}: no such database file")
    if destination.exists() and destination.resolve() == source.resolve():
        raise BackupError(f"{destination}: the backup must not overwrite the database")
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        # A plain connection, not mode=ro: a read-only one cannot open a WAL database whose
        # -shm file is missing (server stopped). The backup only reads through it.
        src = sqlite3.connect(source, timeout=30)
        try:
            src.execute("PRAGMA busy_timeout = 30000")
            dst = sqlite3.connect(tmp, isolation_level=None)
            try:
                src.backup(dst, pages=-1)
                # The copy keeps the source's WAL flag; a backup is one file without -wal/-shm.
                dst.execute("PRAGMA journal_mode = DELETE")
                problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
                pages = dst.execute("PRAGMA page_count").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
        if problems != ["ok"]:
            raise BackupError(f"{source}: integrity check of the copy failed: {problems[:3]}")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, destination)
        _fsync_dir(destination.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"{source}: backup failed ({exc})") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return BackupResult(destination, destination.stat().st_size, pages)


def _fsync_dir(directory: Path) -> None:
    # The rename itself survives a crash only once the directory entry is on disk.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
