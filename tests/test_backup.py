"""`annotator backup`: an online, consistent, checked copy; and the documented restore."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator import store
from annotator.cli import main
from annotator.store.backup import BackupError, backup_database
from tests.conftest import bearer
from tests.load_support import Server, prepare_database, request

pytestmark = pytest.mark.slow

FRAMING = "EDITORIAL_FRAMING"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "production.md"


def rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, read with plain sqlite3 (not through our store)."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
        ]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}
    finally:
        conn.close()


def integrity(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


def add_span(client, token: str, phrase_start: int = 0, note: str = "") -> dict:
    response = client.post(
        "/api/documents/1/spans",
        json={"label": FRAMING, "start": phrase_start, "end": phrase_start + 5, "note": note},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_backup_is_an_identical_checked_single_file(app, client, tokens, db_path, tmp_path):
    for start in (0, 40, 80):
        add_span(client, tokens["anna"], start)
    target = tmp_path / "nested" / "dir" / "copy.db"
    result = backup_database(db_path, target)
    assert result.path == target and result.bytes == target.stat().st_size > 0
    assert integrity(target) == ["ok"]
    assert rows(target) == rows(db_path)
    assert not Path(f"{target}-wal").exists() and not Path(f"{target}-shm").exists()
    # Nothing but the copy is left in its folder (the temporary file was renamed).
    assert [p.name for p in target.parent.iterdir()] == ["copy.db"]


def test_backup_sees_committed_data_only_and_does_not_wait_for_writers(db_path, tmp_path):
    writer = store.connect(db_path)
    before = rows(db_path)
    writer.conn.execute("BEGIN IMMEDIATE")
    writer.conn.execute(
        "INSERT INTO event (at, actor, action, entity, entity_id) VALUES ('t', 'x', 'y', 'z', '1')"
    )
    try:
        backup_database(db_path, tmp_path / "mid.db")  # a write lock is held: it must not block
    finally:
        writer.conn.execute("COMMIT")
        writer.conn.close()
    assert rows(tmp_path / "mid.db") == before
    assert rows(db_path)["event"] != before["event"]


def test_failed_backup_leaves_the_destination_alone(db_path, tmp_path):
    target = tmp_path / "keep.db"
    target.write_bytes(b"an older backup")
    not_a_db = tmp_path / "junk.db"
    not_a_db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(BackupError):
        backup_database(not_a_db, target)
    with pytest.raises(BackupError):
        backup_database(tmp_path / "missing.db", target)
    with pytest.raises(BackupError):
        backup_database(db_path, db_path)
    assert target.read_bytes() == b"an older backup"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".keep")) == []
    assert not (tmp_path / "missing.db").exists()


def test_cli_backup(db_path, tmp_path):
    runner = CliRunner()
    target = tmp_path / "out" / "b.db"
    result = runner.invoke(main, ["backup", str(target), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "backed up" in result.output and integrity(target) == ["ok"]
    missing = runner.invoke(
        main, ["backup", str(tmp_path / "x.db"), "--db", str(tmp_path / "no.db")]
    )
    assert missing.exit_code == 1
    assert "no such database file" in missing.output and len(missing.output.splitlines()) == 1
    assert not (tmp_path / "x.db").exists() and not (tmp_path / "no.db").exists()


def test_documented_restore_brings_back_the_backed_up_state(tmp_path):
    db_path = tmp_path / "annotator.db"
    tokens = prepare_database(db_path, 2)
    auth = {"Authorization": f"Bearer {tokens['load00']}"}

    def call(port, method, path, body=None):
        return request(port, method, path, body, auth)

    def add(port, start, note):
        status, span, _ = call(
            port,
            "POST",
            "/api/documents/1/spans",
            {"label": FRAMING, "start": start, "end": start + 5, "note": note},
        )
        assert status == 201, span
        return span

    backup = tmp_path / "backups" / "backup.db"
    with Server(db_path, workers=2) as server:
        kept = add(server.port, 0, "before the backup")
        doomed = add(server.port, 80, "deleted after the backup")
        result = CliRunner().invoke(main, ["backup", str(backup), "--db", str(db_path)])
        assert result.exit_code == 0, result.output
        # Life goes on after the backup: a new span, a deletion, a change.
        add(server.port, 160, "after the backup")
        assert call(server.port, "DELETE", f"/api/spans/{doomed['id']}")[0] == 204
        changed = call(
            server.port, "PATCH", f"/api/spans/{kept['id']}", {"version": 1, "note": "changed"}
        )
        assert changed[0] == 200
    # The documented procedure (docs/production.md): stop the server (done above), copy the
    # backup over the database file, delete its -wal and -shm files, start.
    text = DOCS.read_text(encoding="utf-8")
    assert "annotator backup" in text and "-wal" in text and "-shm" in text
    shutil.copyfile(backup, db_path)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    assert integrity(db_path) == ["ok"]
    with Server(db_path, workers=2) as server:
        status, health, _ = request(server.port, "GET", "/healthz")
        assert status == 200 and health["status"] == "ok"
        status, spans, _ = call(server.port, "GET", "/api/documents/1/spans")
        assert {(s["id"], s["note"], s["version"]) for s in spans} == {
            (kept["id"], "before the backup", 1),
            (doomed["id"], "deleted after the backup", 1),
        }
        add(server.port, 240, "the restored server takes writes")
    assert integrity(db_path) == ["ok"]
