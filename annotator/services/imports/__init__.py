"""Import: documents and their spans from files, in one transaction per run.

`documents` reads records through the format registry, canonicalises, deduplicates and stores
them; `spans` checks, snaps and stores their spans; `report` says what a run did.
"""

from annotator.services.imports.documents import (
    import_paths,
    import_records,
    import_run,
    read_records,
)
from annotator.services.imports.report import ImportReport
from annotator.services.imports.spans import ImportProblemsError, SpanImport, SpanRules

__all__ = [
    "ImportProblemsError",
    "ImportReport",
    "SpanImport",
    "SpanRules",
    "import_paths",
    "import_records",
    "import_run",
    "read_records",
]
