"""Importing documents (and spans, where a format has them) in one transaction per run.

Records stream through in batches: each batch is canonicalised, deduplicated by text sha256,
tokenized together, stored, and its spans checked, snapped and stored (`annotator.services.span_import`).
Nothing is kept per record after its batch except the set of layers this run wrote to.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

from annotator import store
from annotator.core.tokenize import analyse_many
from annotator.formats.base import ImportFormatError, ImportRecord
from annotator.formats.brat import read_brat
from annotator.formats.checks import canonical_record
from annotator.formats.detect import detect_format
from annotator.formats.doccano import read_doccano
from annotator.formats.jsonl import read_jsonl
from annotator.formats.labelstudio import read_labelstudio
from annotator.formats.prodigy import read_prodigy
from annotator.formats.ptc import read_ptc
from annotator.formats.reading import IGNORED_KEY
from annotator.formats.text import read_text, title_of
from annotator.formats.toxic import read_toxic
from annotator.services.span_import import ImportProblemsError, SpanImport, SpanRules
from annotator.store.users import GOLD

__all__ = [
    "READERS",
    "ImportProblemsError",
    "ImportReport",
    "SpanRules",
    "import_paths",
    "import_records",
    "read_records",
]

Reader = Callable[[Path], Iterator[ImportRecord]]

READERS: dict[str, Reader] = {
    "text": read_text,
    "jsonl": read_jsonl,
    "prodigy": read_prodigy,
    "doccano": read_doccano,
    "brat": read_brat,
    "labelstudio": read_labelstudio,
    "ptc": read_ptc,
    "toxic": read_toxic,
}

# Formats whose files are a published gold standard without annotator names (the SemEval-2020
# Task 11 PTC): their spans go to the gold layer unless --annotator names someone.
GOLD_BY_DEFAULT = frozenset({"ptc"})

# Meta keys a reader sets that do not describe the document: our own export's id of the document
# in another database, and the toxic spans rater's columns (they describe one judgement).
_NOT_DOCUMENT_META = ("document_id", "rater")


@dataclass(slots=True)
class ImportReport:
    documents_added: int = 0
    documents_skipped: int = 0  # same text (sha256) already stored or seen in this run
    records: int = 0
    annotators_added: list[str] = field(default_factory=list)
    spans_added: int = 0
    spans_snapped: int = 0
    spans_merged: int = 0  # same-label overlaps of one annotator merged into one span
    spans_skipped: int = 0
    layers_done: int = 0
    layers_skipped: int = 0  # (document, annotator) that already held work before this run
    ignored: Counter = field(default_factory=Counter)  # what a format has and we cannot map
    problems: list[str] = field(default_factory=list)  # bad spans skipped (--skip-invalid)
    notes: list[str] = field(default_factory=list)  # layers skipped and the like

    def summary(self) -> str:
        """One line for the terminal."""
        parts = [
            f"{self.documents_added} documents added",
            f"{self.documents_skipped} skipped as duplicates",
        ]
        if self.spans_added or self.spans_skipped or self.layers_done:
            parts.append(
                f"{self.spans_added} spans added ({self.spans_snapped} snapped to tokens,"
                f" {self.spans_merged} merged into overlapping spans of their label,"
                f" {self.spans_skipped} skipped as invalid)"
            )
            parts.append(f"{self.layers_done} (document, annotator) pairs marked done")
        if self.annotators_added:
            parts.append(f"annotators created: {', '.join(self.annotators_added)}")
        if self.layers_skipped:
            parts.append(f"{self.layers_skipped} already annotated, left alone")
        if self.ignored:
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.ignored.items()))
            parts.append(f"not imported (no equivalent here): {kinds}")
        return ", ".join(parts)


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
    formats in GOLD_BY_DEFAULT; any other such record is an error naming its file and line.
    """
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise ImportFormatError(f"{path}: no such file or folder")
        name = guess_format(path) if fmt == "auto" else fmt
        reader = READERS.get(name)
        if reader is None:
            raise ImportFormatError(
                f"unknown format {name!r} (formats: auto, {', '.join(sorted(READERS))})"
            )
        default = annotator or (GOLD if name in GOLD_BY_DEFAULT else None)
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
    db, paths: Iterable[Path], fmt: str = "auto", *, annotator: str | None = None, **options
) -> ImportReport:
    """Read and store everything under `paths`; nothing is stored if any of it is bad."""
    return import_records(db, read_records(paths, fmt, annotator), **options)


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
