"""Multi-row INSERTs (store.bulk): every row, in order, within SQLite's variable limit."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from annotator.store.bulk import insert_rows, insert_values


def _table(limit: int | None = None):
    db = sqlite_utils.Database(memory=True)
    db.conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a, b, c)")
    if limit is not None:
        db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    return db, statements


def test_every_row_is_inserted_in_order_in_few_statements():
    db, statements = _table()
    rows = [(i, f"ü{i}", None if i % 3 else b"\x00") for i in range(300)]
    insert_rows(db, "INSERT INTO t (a, b, c) VALUES", 3, rows)
    stored = db.conn.execute("SELECT a, b, c FROM t ORDER BY id").fetchall()
    assert stored == rows
    # 300 = 256 + 32 + 8 + 4: four statements, not 300 steps
    inserts = [s for s in statements if s.startswith("INSERT")]  # as run, values filled in
    assert [s.count("), (") + 1 for s in inserts] == [256, 32, 8, 4]


def test_statements_stay_within_the_variable_limit():
    # An SQLite built with a low limit refuses a statement with more variables than it allows.
    db, statements = _table(limit=20)
    rows = [(i, i, i) for i in range(11)]
    insert_rows(db, "INSERT INTO t (a, b, c) VALUES", 3, rows)
    assert db.conn.execute("SELECT a FROM t ORDER BY id").fetchall() == [(i,) for i in range(11)]
    sizes = [s.count("(") - 1 for s in statements if s.startswith("INSERT")]
    assert max(sizes) * 3 <= 20 and sum(sizes) == 11


def test_no_rows_runs_no_statement():
    db, statements = _table()
    insert_rows(db, "INSERT INTO t (a, b, c) VALUES", 3, [])
    assert not [s for s in statements if s.startswith("INSERT")]


def test_shared_values_end_every_row_and_are_bound_once():
    db, statements = _table()
    db.conn.execute("ALTER TABLE t ADD COLUMN d")
    values = [x for i in range(40) for x in (i, f"b{i}")]
    insert_values(db, "INSERT INTO t (a, b, c, d) VALUES", 2, values, shared=("ü", None))
    stored = db.conn.execute("SELECT a, b, c, d FROM t ORDER BY id").fetchall()
    assert stored == [(i, f"b{i}", "ü", None) for i in range(40)]
    inserts = [s for s in statements if s.startswith("INSERT")]
    assert [s.count("), (") + 1 for s in inserts] == [32, 8]


def test_shared_values_count_against_the_variable_limit():
    db, statements = _table(limit=10)
    values = list(range(14))
    insert_values(db, "INSERT INTO t (a, b, c) VALUES", 1, values, shared=("x", "y"))
    rows = db.conn.execute("SELECT a, b, c FROM t ORDER BY id").fetchall()
    assert rows == [(i, "x", "y") for i in range(14)]
    # 8 rows x 1 value + 2 shared = 10 variables at most in one statement
    sizes = [s.count("), (") + 1 for s in statements if s.startswith("INSERT")]
    assert max(sizes) == 8 and sum(sizes) == 14


def test_values_that_do_not_make_whole_rows_are_refused():
    db, statements = _table()
    with pytest.raises(ValueError, match="7 values do not make rows of 3"):
        insert_values(db, "INSERT INTO t (a, b, c) VALUES", 3, list(range(7)))
    assert db.conn.execute("SELECT count(*) FROM t").fetchone() == (0,)
