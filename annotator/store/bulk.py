"""Many rows in few statements: multi-row INSERTs for the import's bulk writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

import sqlite_utils

# Rows per statement: an import writes a span and its event row for every span, and one
# executemany step per row costs about a third more than a row of a multi-row INSERT (each
# statement opens its cursors on the table and its indexes, and updates the AUTOINCREMENT
# counter, once). Chunks are powers of two, so that a few prepared statements serve every
# batch size from sqlite3's statement cache.
ROWS_PER_STATEMENT = 256


def insert_rows(db: sqlite_utils.Database, insert: str, width: int, rows: Sequence[tuple]) -> None:
    """Run `insert` ("INSERT INTO t (a, b) VALUES") for `rows` of `width` values each, in
    statements of up to ROWS_PER_STATEMENT rows, in order (the caller's transaction)."""
    insert_values(db, insert, width, list(chain.from_iterable(rows)))


def insert_values(db: sqlite_utils.Database, insert: str, width: int, values: list) -> None:
    """insert_rows for rows given as one flat list, `width` values a row (what a bulk writer
    builds without a tuple per row)."""
    if len(values) % width:
        raise ValueError(f"{len(values)} values do not make rows of {width}")
    conn = db.conn
    most = _rows_per_statement(conn, width)
    rows, done = len(values) // width, 0
    while done < rows:
        n = min(most, 1 << ((rows - done).bit_length() - 1))
        conn.execute(_statement(insert, width, n), values[done * width : (done + n) * width])
        done += n


def _rows_per_statement(conn: sqlite3.Connection, width: int) -> int:
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    most = ROWS_PER_STATEMENT
    while most > 1 and most * width > limit:
        most //= 2
    return most


@lru_cache(maxsize=64)
def _statement(insert: str, width: int, n: int) -> str:
    row = "(" + ", ".join("?" * width) + ")"
    return f"{insert} {', '.join([row] * n)}"
