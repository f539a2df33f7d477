"""The store: pragmas, migrations (including from an older version), documents, tokens, audit."""

from __future__ import annotations

import sqlite3

import pytest

from annotator import store
from annotator.core.tokenize import analyse
from annotator.store import users as user_store
from annotator.store.db import MIGRATIONS
from annotator.store.events import list_events, record_event


def test_connect_sets_wal_foreign_keys_and_busy_timeout(tmp_path):
    db = store.connect(tmp_path / "a.db")
    conn = db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_migrations_are_recorded_and_idempotent(tmp_path):
    db = store.connect(tmp_path / "a.db")
    rows = db.execute("SELECT id FROM migration ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [m[0] for m in MIGRATIONS]
    assert store.migrate(db) == []  # nothing left to apply
    assert store.schema_version(db) == store.SCHEMA_VERSION


def test_database_at_older_version_migrates_and_keeps_data(tmp_path):
    path = tmp_path / "old.db"
    old = store.connect(path, migrate_schema=False)
    store.migrate(old, target=1)
    assert store.schema_version(old) == 1
    assert "assignment" not in old.table_names()
    text = "Ein Satz. Noch einer."
    # The columns of version 1 only: today's insert_document writes migration 8's too.
    doc_id = old.conn.execute(
        "INSERT INTO document (external_id, title, text, text_sha256, lang, meta, created) "
        "VALUES ('x.txt', 'x', ?, 'abc', 'de', ?, '2025-01-01')",
        [text, '{"outlet": "Tagesblick", "url": "https://t.example/a", "source": "feed"}'],
    ).lastrowid
    analysis = analyse(text)
    old.conn.execute(
        "INSERT INTO token (document_id, count, starts, ends, ws, space, sentences) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            doc_id,
            len(analysis),
            analysis.starts.astype("<i4").tobytes(),
            analysis.ends.astype("<i4").tobytes(),
            analysis.ws.astype("u1").tobytes(),
            analysis.space.astype("u1").tobytes(),
            analysis.sentences.astype("<i4").tobytes(),
        ],
    )
    old.conn.close()
    db = store.connect(path)  # the app's start path migrates
    assert store.schema_version(db) == store.SCHEMA_VERSION
    assert {"assignment", "gold_status", "login_failure"} <= set(db.table_names())
    document = store.get_document(db, doc_id)
    assert document.text == text
    # Migration 8 takes the article fields an older import left in meta into their columns.
    assert (document.outlet, document.url, document.published) == (
        "Tagesblick",
        "https://t.example/a",
        None,
    )
    assert store.list_documents(db)[0].id == doc_id and not document.waiting


def test_failed_migration_leaves_database_at_previous_version(tmp_path, monkeypatch):
    path = tmp_path / "m.db"
    db = store.connect(path, migrate_schema=False)
    store.migrate(db, target=1)

    def broken(conn):
        conn.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("disk on fire")

    monkeypatch.setattr("annotator.store.db.MIGRATIONS", [MIGRATIONS[0], (2, "broken", broken)])
    with pytest.raises(sqlite3.OperationalError):
        store.migrate(db)
    assert store.schema_version(db) == 1
    assert "half_done" not in db.table_names()


def test_tokens_round_trip_through_blobs(tmp_path):
    db = store.connect(tmp_path / "a.db")
    text = "Kim  Jong-uns Befehl –\n\neine Allianz.  Zweiter Satz!"
    analysis = analyse(text)
    with store.write_transaction(db):
        doc_id = store.insert_document(
            db,
            external_id="k",
            title="k",
            text=text,
            text_sha256="s",
            lang="de",
            meta={"a": 1},
            analysis=analysis,
        )
    index = store.get_tokens(db, doc_id)
    assert index.pairs() == [[t.start, t.end] for t in analysis.tokens()]
    assert list(index.space) == list(analysis.space)
    assert list(index.sentences) == list(analysis.sentences)
    assert store.get_document(db, doc_id).meta == {"a": 1}


def test_unknown_document_is_404(tmp_path):
    db = store.connect(tmp_path / "a.db")
    with pytest.raises(store.StoreError) as err:
        store.get_document(db, 99)
    assert err.value.status == 404


def test_event_log_is_append_only(tmp_path):
    db = store.connect(tmp_path / "a.db")
    with store.write_transaction(db):
        record_event(db, "me", "create", "span", "s1", None, {"x": 1})
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("UPDATE event SET actor = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("DELETE FROM event")
    assert [e.after for e in list_events(db, "span", "s1")] == [{"x": 1}]


def test_write_transaction_rolls_back_everything(tmp_path):
    db = store.connect(tmp_path / "a.db")
    with pytest.raises(RuntimeError), store.write_transaction(db):
        user_store.add_user(db, "anna", "annotator", None, "t")
        raise RuntimeError("boom")
    assert user_store.get_user(db, "anna") is None
    assert list_events(db, "user") == []


def test_gold_pseudo_user_exists_and_is_not_listed(tmp_path):
    db = store.connect(tmp_path / "a.db")
    assert user_store.get_user(db, "gold").role == "gold"
    assert user_store.list_users(db) == []
