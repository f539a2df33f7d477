"""Opening the database and its numbered migrations."""

from __future__ import annotations

import contextlib
import sqlite3
import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from annotator.core.errors import AppError

Database = sqlite_utils.Database  # the one database type every store function takes first
DatabaseError = sqlite3.Error  # what the store raises when the file is busy, locked or broken


class StoreError(AppError):
    """A store operation refused (unknown row, conflict)."""


def now() -> str:
    """The current UTC time as an ISO 8601 string with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


# Which file each open database is (path, device, inode): keys the per-database caches, and lets
# the web notice a database file replaced under a long-lived connection.
_IDENTITY: weakref.WeakKeyDictionary[sqlite_utils.Database, tuple] = weakref.WeakKeyDictionary()


def database_identity(db: sqlite_utils.Database) -> tuple:
    """(resolved path, device, inode) of the file `db` was opened on."""
    return _IDENTITY.get(db) or (str(id(db)), 0, 0)


def connect(path: str | Path, *, migrate_schema: bool = True) -> sqlite_utils.Database:
    """Open (and by default migrate) the database at `path` with WAL, foreign keys, busy timeout."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: we manage transactions ourselves (db.atomic / explicit BEGIN).
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA foreign_keys = ON")
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode: a commit survives a process crash (kill -9); only power loss may drop
    # the last transactions, and the database never corrupts.
    conn.execute("PRAGMA synchronous = NORMAL")
    db = sqlite_utils.Database(conn)
    stat = path.stat()
    _IDENTITY[db] = (str(path.resolve()), stat.st_dev, stat.st_ino)
    if migrate_schema:
        migrate(db)
    return db


_V1 = """
CREATE TABLE IF NOT EXISTS document (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    text_sha256 TEXT NOT NULL UNIQUE,
    lang TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    created TEXT NOT NULL
);
-- Tokens and sentences are computed once at import and stored as packed little-endian arrays,
-- so offsets never shift when spaCy changes and loading a long document costs one row.
CREATE TABLE IF NOT EXISTS token (
    document_id INTEGER PRIMARY KEY REFERENCES document(id) ON DELETE CASCADE,
    count INTEGER NOT NULL,
    starts BLOB NOT NULL,      -- int32 per token
    ends BLOB NOT NULL,        -- int32 per token, exclusive
    ws BLOB NOT NULL,          -- uint8 per token: trailing whitespace
    space BLOB NOT NULL,       -- uint8 per token: the token is whitespace only
    sentences BLOB NOT NULL    -- int32 token index of each sentence start
);
CREATE TABLE IF NOT EXISTS user (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('annotator', 'lead', 'gold')),
    password_hash TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    session_epoch INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL
);
INSERT OR IGNORE INTO user (name, role, password_hash, disabled, created)
    VALUES ('gold', 'gold', NULL, 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
CREATE TABLE IF NOT EXISTS api_token (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    token_sha256 TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS span (
    id TEXT PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    annotator TEXT NOT NULL REFERENCES user(name),
    label TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    token_start INTEGER NOT NULL,
    token_end INTEGER NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}',
    note TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    CHECK (start < "end" AND token_start <= token_end)
);
CREATE INDEX IF NOT EXISTS span_document_annotator ON span (document_id, annotator, start);
CREATE TABLE IF NOT EXISTS document_status (
    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    annotator TEXT NOT NULL REFERENCES user(name),
    status TEXT NOT NULL CHECK (status IN ('in_progress', 'done')),
    updated TEXT NOT NULL,
    PRIMARY KEY (document_id, annotator)
);
CREATE TABLE IF NOT EXISTS event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    document_id INTEGER,
    before TEXT,
    after TEXT
);
CREATE INDEX IF NOT EXISTS event_entity ON event (entity, entity_id);
-- The audit log is append-only: the database itself refuses to rewrite history.
CREATE TRIGGER IF NOT EXISTS event_no_update BEFORE UPDATE ON event
    BEGIN SELECT RAISE(ABORT, 'event is append-only'); END;
CREATE TRIGGER IF NOT EXISTS event_no_delete BEFORE DELETE ON event
    BEGIN SELECT RAISE(ABORT, 'event is append-only'); END;
"""

_V2 = """
-- Assignment of documents to annotators; a document without rows is assigned to everyone.
CREATE TABLE IF NOT EXISTS assignment (
    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    annotator TEXT NOT NULL REFERENCES user(name),
    PRIMARY KEY (document_id, annotator)
);
CREATE TABLE IF NOT EXISTS gold_status (
    document_id INTEGER PRIMARY KEY REFERENCES document(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'adjudicated')),
    updated TEXT NOT NULL
);
"""

_V3 = """
-- Failed logins, per user name and per address, for the login delay and lockout.
CREATE TABLE IF NOT EXISTS login_failure (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failure_username ON login_failure (username, at);
CREATE INDEX IF NOT EXISTS login_failure_address ON login_failure (address, at);
"""

_V4 = """
-- Results of slow reports (gamma) computed in the background, shared by every worker process.
-- status: running | done | error; computed: when the status was set (the start while running).
CREATE TABLE IF NOT EXISTS report_cache (
    key TEXT PRIMARY KEY,
    computed TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'error')),
    result TEXT,   -- JSON
    error TEXT
);
"""

_V7 = """
-- Issue 15, closing the loop. A lead releases an adjudicated document's feedback to its annotators.
CREATE TABLE IF NOT EXISTS feedback_release (
    document_id INTEGER PRIMARY KEY REFERENCES document(id) ON DELETE CASCADE,
    released_by TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',   -- the lead's decision note shown with the feedback
    released TEXT NOT NULL
);
-- Questions and answers on a span or a document. `layer` is the annotator whose work the thread
-- is about (blind: only they and the leads see it); `span_id` is NULL on a document thread and
-- has no foreign key, so that a question outlives the span it asked about.
CREATE TABLE IF NOT EXISTS comment (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    layer TEXT NOT NULL REFERENCES user(name),
    span_id TEXT,
    author TEXT NOT NULL REFERENCES user(name),
    text TEXT NOT NULL,
    created TEXT NOT NULL,
    resolved INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS comment_thread ON comment (document_id, layer, span_id);
-- Active time per (document, annotator), and per annotator the moment of the last credited
-- report: increments are capped at the wall time since then, so two tabs never count twice.
CREATE TABLE IF NOT EXISTS active_time (
    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    annotator TEXT NOT NULL REFERENCES user(name),
    active_ms INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (document_id, annotator)
);
CREATE TABLE IF NOT EXISTS active_clock (
    annotator TEXT PRIMARY KEY REFERENCES user(name),
    last_report REAL NOT NULL
);
-- The label scheme's version and labels as last seen, to refuse changed labels without a new
-- version; every span and status records the version it was made under.
CREATE TABLE IF NOT EXISTS label_scheme_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    labels TEXT NOT NULL,
    recorded TEXT NOT NULL
);
ALTER TABLE span ADD COLUMN scheme_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE document_status ADD COLUMN scheme_version INTEGER NOT NULL DEFAULT 1;
"""


_V8 = """
-- Issue 16: what a study of news needs to know of an article, as indexed columns (the news
-- readers fill them; other formats from their meta). version_of: the earlier document with the
-- same URL whose text changed since; waiting: a feed entry whose page has not come yet (empty
-- text, a placeholder text_sha256 'waiting:URL-KEY-HASH'); annotators never see those.
ALTER TABLE document ADD COLUMN outlet TEXT;
ALTER TABLE document ADD COLUMN published TEXT;
ALTER TABLE document ADD COLUMN author TEXT;
ALTER TABLE document ADD COLUMN url TEXT;
ALTER TABLE document ADD COLUMN version_of INTEGER REFERENCES document(id);
ALTER TABLE document ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;
UPDATE document SET outlet = json_extract(meta, '$.outlet'),
    published = json_extract(meta, '$.published'), author = json_extract(meta, '$.author'),
    url = json_extract(meta, '$.url')
    WHERE json_valid(meta) AND json_type(meta) = 'object';
CREATE INDEX IF NOT EXISTS document_outlet ON document (outlet);
CREATE INDEX IF NOT EXISTS document_published ON document (published);
CREATE INDEX IF NOT EXISTS document_author ON document (author);
CREATE INDEX IF NOT EXISTS document_url ON document (url);
CREATE INDEX IF NOT EXISTS document_lang ON document (lang);
CREATE INDEX IF NOT EXISTS document_waiting ON document (waiting);
"""


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def apply(conn: sqlite3.Connection) -> None:
        for statement in _split_sql(sql):
            conn.execute(statement)

    return apply


def _split_sql(sql: str) -> list[str]:
    # executescript would commit our transaction; split on statement ends instead,
    # keeping trigger bodies (which contain ';') whole.
    statements, current = [], []
    for line in sql.splitlines():
        if line.strip().startswith("--") or not line.strip():
            continue
        current.append(line)
        joined = "\n".join(current)
        if sqlite3.complete_statement(joined):
            statements.append(joined)
            current = []
    return statements


# Numbered migrations: never edit a released one, append a new one.
MIGRATIONS: list[tuple[int, str, Callable[[sqlite3.Connection], None]]] = [
    (1, "documents, tokens, users, spans, statuses, events", _script(_V1)),
    (2, "assignments and gold status", _script(_V2)),
    (3, "login failures", _script(_V3)),
    (4, "report cache", _script(_V4)),
    (7, "feedback releases, comments, active time, label scheme versions", _script(_V7)),
    (
        8,
        "article fields of documents: outlet, published, author, url; versions; waiting",
        _script(_V8),
    ),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def schema_version(db: sqlite_utils.Database) -> int:
    """The highest migration applied to `db` (0 for an empty database)."""
    if "migration" not in db.table_names():
        return 0
    return db.execute("SELECT COALESCE(MAX(id), 0) FROM migration").fetchone()[0]


def migrate(db: sqlite_utils.Database, target: int | None = None) -> list[int]:
    """Apply the pending migrations up to `target` (default: all), each in its own transaction."""
    conn = db.conn
    conn.execute(
        "CREATE TABLE IF NOT EXISTS migration (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied TEXT NOT NULL)"
    )
    applied = []
    for number, name, apply in MIGRATIONS:
        if target is not None and number > target:
            break
        # BEGIN IMMEDIATE: two workers starting at once cannot both apply the same migration.
        conn.execute("BEGIN IMMEDIATE")
        try:
            done = conn.execute("SELECT 1 FROM migration WHERE id = ?", [number]).fetchone()
            if not done:
                apply(conn)
                conn.execute(
                    "INSERT INTO migration (id, name, applied) VALUES (?, ?, ?)",
                    [number, name, now()],
                )
                applied.append(number)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return applied


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """`db.atomic()`, but the outermost level takes the write lock at BEGIN.

    A deferred BEGIN (what `atomic()` issues) that reads first and writes later fails at once with
    "database is locked" when another process committed in between; BEGIN IMMEDIATE waits for the
    busy timeout instead. Nested levels are `atomic()` savepoints.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


@contextlib.contextmanager
def read_snapshot(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One read transaction: every query inside sees the same snapshot of the data."""
    if db.conn.in_transaction:
        yield db
        return
    db.conn.execute("BEGIN")
    try:
        yield db
    finally:
        db.conn.execute("COMMIT")
