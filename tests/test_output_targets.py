"""Export and backup never write over the database, its journals or a device (issue 13, hole 4)."""

from __future__ import annotations

import os
import stat

import pytest
from click.testing import CliRunner

from annotator import store
from annotator.cli import main
from tests.conftest import CORPUS


@pytest.fixture
def cli(tmp_path):
    path = tmp_path / "live.db"
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, [*args, "--db", str(path)])

    run.path = path
    assert run("import", str(CORPUS), "--format", "text").exit_code == 0
    return run


def files_of(path) -> dict[str, tuple[int, int, bool]]:
    """name -> (inode, size, is regular) of the database's files that exist."""
    found = {}
    for p in store.database_file_paths(path):
        if os.path.lexists(p):
            info = os.stat(p)
            found[p.name] = (info.st_ino, info.st_size, os.path.isfile(p))
    return found


def refused(result, needle: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and needle in errors[0], result.output


def documents(path) -> int:
    db = store.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return store.count_documents(db)
    finally:
        db.conn.close()


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
@pytest.mark.parametrize("command", ["export", "backup"])
def test_the_database_and_its_journals_are_never_a_target(cli, tmp_path, command, suffix):
    # A connection held open keeps the -wal and -shm files in place, as a running app does.
    live = store.connect(cli.path)
    try:
        before = files_of(cli.path)
        target = str(cli.path) + suffix
        args = ["export", "--out", target] if command == "export" else ["backup", target]
        refused(cli(*args), "the database or one of its journals")
        assert files_of(cli.path) == before
        # the same file under another name: a link to it
        alias = tmp_path / f"alias{suffix}"
        os.symlink(target, alias)
        args = ["export", "--out", str(alias)] if command == "export" else ["backup", str(alias)]
        refused(cli(*args), "the database or one of its journals")
        assert files_of(cli.path) == before
    finally:
        live.conn.close()
    assert documents(cli.path) > 0


@pytest.mark.parametrize("command", ["export", "backup"])
def test_a_device_or_fifo_is_not_replaced(cli, tmp_path, command):
    # Never the machine's own /dev/null: against the unfixed code this test replaced it. A device
    # node of our own (root may make one), a FIFO and a folder stand in.
    targets = [tmp_path / "pipe"]
    os.mkfifo(targets[0])
    if command == "export":  # click itself refuses a folder for backup (usage, exit 2)
        targets.append(tmp_path / "folder")
        targets[-1].mkdir()
    if os.geteuid() == 0:
        targets.append(tmp_path / "null")
        os.mknod(targets[-1], stat.S_IFCHR | 0o666, os.makedev(1, 3))
    for target in targets:
        args = ["export", "--out", str(target)] if command == "export" else ["backup", str(target)]
        refused(cli(*args), "not a regular file" if target.name != "folder" else "folder")
        assert not os.path.isfile(target)


def test_a_new_path_a_regular_file_and_standard_output_still_work(cli, tmp_path):
    out = tmp_path / "out.jsonl"
    assert cli("export", "--out", str(out)).exit_code == 0
    assert cli("export", "--out", str(out)).exit_code == 0  # a regular file is replaced
    assert cli("export", "--out", "-").exit_code == 0
    assert cli("backup", str(tmp_path / "copy.db")).exit_code == 0
