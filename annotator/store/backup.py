"""Online, consistent copies of the database through SQLite's backup API."""

from __future__ import annotations

import os
import sqlite3
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from annotator.store.db import database_file_paths


class BackupError(Exception):
    """The copy could not be made or failed its integrity check; nothing was written."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    bytes: int
    pages: int


def unsafe_target_problem(target: str | Path, database: str | Path) -> str | None:
    """Why writing a file to `target` would harm the database at `database`, or None.

    Refused: the database itself or one of its journals (by path, through links, or as the same
    file under another name), and anything that exists but is not a regular file (a device such
    as /dev/null, a folder, a FIFO): replacing it with a regular file would destroy it.
    """
    target = Path(target)
    guarded = database_file_paths(database)
    resolved = {p.resolve() for p in guarded}
    identities = set()
    for p in guarded:
        try:
            info = os.stat(p)
        except OSError:
            continue
        identities.add((info.st_dev, info.st_ino))
    if target.resolve() in resolved:
        return f"{target}: the database or one of its journals; choose another file"
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{target}: cannot check the target ({exc.strerror})"
    if (info.st_dev, info.st_ino) in identities:
        return f"{target}: the database or one of its journals; choose another file"
    if not stat.S_ISREG(info.st_mode):
        return f"{target}: not a regular file; choose a new path or a regular file"
    return None


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
    problem = unsafe_target_problem(destination, source)
    if problem:
        raise BackupError(problem)
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
