"""Importing documents (and spans, where a format has them) in one transaction per run.

Records stream through in batches: each batch is canonicalised, deduplicated by text sha256,
tokenized together, stored, and its spans checked, snapped and stored (`spans`).
Nothing is kept per record after its batch except the set of layers this run wrote to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path

from annotator import store
from annotator.core.records import GOLD
from annotator.core.tokenize import analyse_many
from annotator.formats.base import ImportFormatError, ImportRecord
from annotator.formats.checks import canonical_record
from annotator.formats.detect import detect_format
from annotator.formats.reading import IGNORED_KEY, FilePolicy, file_identities, file_policy
from annotator.formats.registry import FORMATS, IMPORT_FORMATS
from annotator.formats.text import title_of
from annotator.services.imports.report import ImportReport
from annotator.services.imports.spans import ImportProblemsError, SpanImport, SpanRules

__all__ = [
    "ImportProblemsError",
    "ImportReport",
    "SpanRules",
    "import_paths",
    "import_records",
    "read_records",
]

# Meta keys a reader sets that do not describe the document: our own export's id of the document
# in another database, and the toxic spans rater's columns (they describe one judgement).
_NOT_DOCUMENT_META = ("document_id", "rater")


def guess_format(path: Path) -> str:
    """The format of `path` for `--format auto`, judged by its content."""
    try:
        return detect_format(path)
    except ImportFormatError:
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            return "jsonl"  # its reader names the bad line and field precisely
        raise


def read_records(
    paths: Iterable[Path], fmt: str, annotator: str | None = None
) -> Iterator[ImportRecord]:
    """Records of every path, in order, through the format's reader.

    Records with spans whose format names no annotator get `annotator`, else gold for the
    formats marked gold_by_default; any other such record is an error naming its file and line.
    """
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise ImportFormatError(f"{path}: no such file or folder")
        name = guess_format(path) if fmt == "auto" else fmt
        reader = FORMATS[name].reader if name in FORMATS else None
        if reader is None:
            raise ImportFormatError(
                f"unknown format {name!r} (formats: auto, {', '.join(sorted(IMPORT_FORMATS))})"
            )
        default = annotator or (GOLD if FORMATS[name].gold_by_default else None)
        for record in reader(path):
            if record.spans is not None and record.annotator is None:
                if default is None:
                    raise ImportFormatError(
                        f"{record.source}: the file names no annotator for its spans; "
                        "pass --annotator NAME (or gold)"
                    )
                record = replace(record, annotator=default)
            yield record


def import_records(
    db,
    records: Iterable[ImportRecord],
    *,
    lang: str = "de",
    actor: str = "import",
    batch_size: int = 64,
    rules: SpanRules | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Store the records' documents (deduplicated by text sha256) and spans in one transaction.

    Raises ImportProblemsError (nothing stored) when a label is not in the scheme, or when a span
    is bad and `rules.skip_invalid` is off; ImportFormatError for malformed input.
    """
    report = ImportReport()
    spans = SpanImport(db, rules or SpanRules(), report, actor)
    records = iter(records)
    with store.write_transaction(db):
        while batch := list(islice(records, batch_size)):
            batch = [canonical_record(r) for r in batch]
            for record, document_id, tokens in _store_documents(db, batch, lang, report):
                if record.spans is not None:
                    spans.add(record, document_id, tokens)
            report.records += len(batch)
            if progress is not None:
                progress(report.records)
        spans.finish()
    return report


def import_paths(
    db,
    paths: Iterable[Path],
    fmt: str = "auto",
    *,
    annotator: str | None = None,
    follow_links: bool = False,
    protected: Iterable[Path] = (),
    **options,
) -> ImportReport:
    """Read and store everything under `paths`; nothing is stored if any of it is bad.

    Only regular files are read, never through a symbolic link unless `follow_links` (links met
    in a folder are skipped and named in the report's notes); the database, its journals and the
    files in `protected` (the secret key) are never read, whatever path or link leads to them.
    """
    policy = FilePolicy(
        follow_links=follow_links,
        protected=file_identities([*store.database_files(db), *protected]),
    )
    with file_policy(policy):
        report = import_records(db, read_records(paths, fmt, annotator), **options)
    report.notes.extend(
        f"{link}: a symbolic link; skipped (--follow-links reads links)" for link in policy.skipped
    )
    return report


def _store_documents(db, batch: list[ImportRecord], lang: str, report: ImportReport):
    """(record, document id, tokens) for each record, inserting the texts not yet stored."""
    hashes = [hashlib.sha256(r.text.encode("utf-8")).hexdigest() for r in batch]
    ids = [store.document_id_by_sha256(db, h) for h in hashes]
    fresh: dict[str, int] = {}  # sha256 -> index of its first record in the batch
    for i, h in enumerate(hashes):
        if ids[i] is None:
            fresh.setdefault(h, i)
    firsts = list(fresh.values())
    analyses = dict(zip(firsts, analyse_many([batch[i].text for i in firsts], lang), strict=True))
    inserted: dict[str, int] = {}
    for i, record in enumerate(batch):
        ignored = record.meta.get(IGNORED_KEY)
        if isinstance(ignored, dict):
            report.ignored.update(ignored)
        document_id = ids[i] or inserted.get(hashes[i])
        if document_id is not None:
            report.documents_skipped += 1
            tokens = store.get_tokens(db, document_id)
        else:
            external_id = record.external_id or hashes[i][:16]
            if store.document_by_external_id(db, external_id) is not None:
                raise ImportFormatError(
                    f"{record.source}: a different text with the id {external_id!r} "
                    "is already stored"
                )
            meta = {
                k: v
                for k, v in record.meta.items()
                if k != IGNORED_KEY and not (k in _NOT_DOCUMENT_META and record.spans is not None)
            }
            tokens = analyses[i]
            document_id = store.insert_document(
                db,
                external_id=external_id,
                title=record.title or title_of(record.text),
                text=record.text,
                text_sha256=hashes[i],
                lang=lang,
                meta=meta,
                analysis=tokens,
            )
            inserted[hashes[i]] = document_id
            report.documents_added += 1
        yield record, document_id, tokens
