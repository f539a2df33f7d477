"""All SQL of the project: the connection (WAL, foreign keys, busy timeout) and numbered
migrations, and one module per table family. Functions take the database first (`Database`)
and return the plain records of `core.records`; multi-step writes run in `write_transaction`.

May import: `core`.
"""

import sys

# sqlite_utils imports pandas at its own import when pandas is installed (for a column type of
# pandas timestamps, which the store never writes): a third of a second on every command and
# worker start where the test or bench extras put pandas in the environment. It is made to
# find none while it loads; pandas itself stays importable for whoever needs it later.
if "sqlite_utils" not in sys.modules and "pandas" not in sys.modules:
    sys.modules["pandas"] = None  # type: ignore[assignment]
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["pandas"]

from annotator.store.db import (  # noqa: E402, F401
    SCHEMA_VERSION,
    Database,
    DatabaseError,
    StoreError,
    connect,
    database_file_paths,
    database_files,
    database_identity,
    migrate,
    now,
    read_snapshot,
    schema_version,
    write_transaction,
)
from annotator.store.documents import (  # noqa: F401
    Document,
    DocumentSummary,
    TokenIndex,
    count_documents,
    count_versions,
    count_waiting,
    delete_waiting_document,
    document_by_external_id,
    document_facets,
    document_id_by_sha256,
    document_strata,
    fill_waiting_document,
    filtered_document_ids,
    get_document,
    get_tokens,
    insert_document,
    latest_document_by_url,
    list_documents,
    waiting_documents,
)
