"""Training data from the database (gold or the annotators' consensus) and the stored models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from annotator.core.errors import AppError
from annotator.store.agreement_data import consensus_spans, gold_spans
from annotator.store.documents import get_document

MODELS_DIR = "models"
METADATA_FILE = "annotator-model.json"  # as annotator.suggest.model_config writes it
SOURCES = ("gold", "consensus")


@dataclass(frozen=True, slots=True)
class ExampleData:
    """One training document: id, text, language and spans (start, end, label)."""

    document_id: str
    text: str
    lang: str
    spans: tuple[tuple[int, int, str], ...]


def training_data(db, source: str, labels: Sequence[str]) -> list[ExampleData]:
    """The documents and spans to train on: adjudicated gold, or the majority of done
    annotators (a span counts when more than half of them marked the same label and tokens)."""
    if source not in SOURCES:
        raise AppError(f"--from must be gold or consensus, not {source!r}")
    by_document = gold_spans(db) if source == "gold" else consensus_spans(db)
    if not by_document:
        what = (
            "adjudicated gold documents"
            if source == "gold"
            else "documents with 2 or more done annotators"
        )
        raise AppError(f"nothing to train on: no {what}")
    wanted = set(labels)
    examples = []
    for document_id in sorted(by_document):
        document = get_document(db, document_id)
        spans = tuple(
            sorted((s.start, s.end, s.label) for s in by_document[document_id] if s.label in wanted)
        )
        examples.append(ExampleData(document.external_id, document.text, document.lang, spans))
    return examples


def models_folder(db_path: str | Path) -> Path:
    """Where models are stored by default: `models/` in the database's (instance) folder."""
    return Path(db_path).resolve().parent / MODELS_DIR


def stored_models(folder: Path) -> list[Path]:
    """The model folders (with metadata) under `folder`, newest first."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if (p / METADATA_FILE).is_file()]
    return sorted(found, key=lambda p: (p / METADATA_FILE).stat().st_mtime, reverse=True)
