"""Importing documents (and spans, where a format has them) in one transaction per run."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from annotator import store
from annotator.formats.base import ImportFormatError, ImportRecord
from annotator.formats.jsonl import read_jsonl
from annotator.formats.text import read_text
from annotator.tokenize import analyse_many, canonical_text

Reader = Callable[[Path], Iterator[ImportRecord]]

# Formats that other modules register (issue 7 adds prodigy, doccano, brat, ...).
READERS: dict[str, Reader] = {"text": read_text, "jsonl": read_jsonl}


@dataclass(slots=True)
class ImportReport:
    documents_added: int = 0
    documents_skipped: int = 0  # same text (sha256) already stored or seen in this run
    spans_added: int = 0
    spans_snapped: int = 0
    spans_skipped: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal."""
        parts = [
            f"{self.documents_added} documents added",
            f"{self.documents_skipped} skipped as duplicates",
        ]
        if self.spans_added or self.spans_skipped:
            parts.append(
                f"{self.spans_added} spans added ({self.spans_snapped} snapped to tokens,"
                f" {self.spans_skipped} skipped)"
            )
        return ", ".join(parts)


def guess_format(path: Path) -> str:
    """The format of `path` for `--format auto`."""
    if path.is_dir() or path.suffix.lower() == ".txt":
        return "text"
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"
    raise ImportFormatError(f"{path}: cannot guess the format; pass --format")


def read_records(paths: Iterable[Path], fmt: str) -> Iterator[ImportRecord]:
    """Records of every path, in order, through the format's reader."""
    for path in paths:
        if not path.exists():
            raise ImportFormatError(f"{path}: no such file or folder")
        name = guess_format(path) if fmt == "auto" else fmt
        reader = READERS.get(name)
        if reader is None:
            raise ImportFormatError(
                f"unknown format {name!r} (formats: auto, {', '.join(sorted(READERS))})"
            )
        yield from reader(path)


def import_records(
    db,
    records: Iterable[ImportRecord],
    *,
    lang: str = "de",
    actor: str = "import",
    batch_size: int = 64,
) -> ImportReport:
    """Store the records' documents (deduplicated by text sha256) in one transaction."""
    report = ImportReport()
    records = iter(records)
    seen: set[str] = set()
    with store.write_transaction(db):
        while batch := list(islice(records, batch_size)):
            texts = [canonical_text(r.text) for r in batch]
            hashes = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
            fresh = []
            for i, h in enumerate(hashes):
                if h not in seen and store.document_id_by_sha256(db, h) is None:
                    fresh.append(i)
                seen.add(h)  # a text twice in one run is stored once
            analyses = dict(zip(fresh, analyse_many([texts[i] for i in fresh], lang), strict=True))
            for i, record in enumerate(batch):
                if i not in analyses:
                    report.documents_skipped += 1
                    continue
                external_id = record.external_id or hashes[i][:16]
                if store.document_by_external_id(db, external_id) is not None:
                    raise ImportFormatError(
                        f"{record.source}: a different text with the id {external_id!r} "
                        "is already stored"
                    )
                store.insert_document(
                    db,
                    external_id=external_id,
                    title=record.title or _first_line(texts[i]),
                    text=texts[i],
                    text_sha256=hashes[i],
                    lang=lang,
                    meta=record.meta,
                    analysis=analyses[i],
                )
                report.documents_added += 1
    return report


def import_paths(db, paths: Iterable[Path], fmt: str = "auto", **options) -> ImportReport:
    """Read and store everything under `paths`; nothing is stored if any of it is bad."""
    return import_records(db, read_records(paths, fmt), **options)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]
