"""services.assignments: assigning the whole corpus is one transaction."""

from __future__ import annotations

import sqlite3

import pytest

from annotator import store
from annotator.services import assignments
from annotator.store.assignments import assignees
from annotator.store.documents import list_documents
from annotator.store.users import get_user


def test_assign_all_that_fails_midway_changes_nothing(db_path):
    db = store.connect(db_path)
    lead = get_user(db, "lea")
    ids = [d.id for d in list_documents(db)]
    assert len(ids) >= 3
    # The database refuses the third document's assignment: a real failure midway.
    db.conn.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON assignment WHEN NEW.document_id = ? "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END".replace("?", str(ids[2]))
    )
    with pytest.raises(sqlite3.IntegrityError, match="refused"):
        assignments.assign_all(db, lead, 1)
    assert [assignees(db, d) for d in ids] == [[] for _ in ids]  # still everyone's
    db.conn.execute("DROP TRIGGER refuse")
    changed = assignments.assign_all(db, lead, 1)
    assert changed == len(ids)
    assert all(len(assignees(db, d)) == 1 for d in ids)
    db.conn.close()
