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


def insert_values(
    db: sqlite_utils.Database, insert: str, width: int, values: list, shared: Sequence = ()
) -> None:
    """insert_rows for rows given as one flat list, `width` values a row (what a bulk writer
    builds without a tuple per row). `shared`: values that end every row (`insert` names their
    columns last), bound once per statement instead of once per row."""
    if len(values) % width:
        raise ValueError(f"{len(values)} values do not make rows of {width}")
    conn = db.conn
    most = _rows_per_statement(conn, width, len(shared))
    rows, done = len(values) // width, 0
    while done < rows:
        n = min(most, 1 << ((rows - done).bit_length() - 1))
        part = values[done * width : (done + n) * width]
        if shared:
            part[:0] = shared
        conn.execute(_statement(insert, width, n, len(shared)), part)
        done += n


def _rows_per_statement(conn: sqlite3.Connection, width: int, shared: int = 0) -> int:
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    most = ROWS_PER_STATEMENT
    while most > 1 and most * width + shared > limit:
        most //= 2
    return most


@lru_cache(maxsize=64)
def _statement(insert: str, width: int, n: int, shared: int = 0) -> str:
    if not shared:
        row = "(" + ", ".join("?" * width) + ")"
        return f"{insert} {', '.join([row] * n)}"
    # Numbered parameters: ?1..?shared are the shared values, each row's own follow.
    tail = ", ".join(f"?{k}" for k in range(1, shared + 1))
    rows = []
    for r in range(n):
        first = shared + r * width + 1
        own = ", ".join(f"?{k}" for k in range(first, first + width))
        rows.append(f"({own}, {tail})")
    return f"{insert} {', '.join(rows)}"
