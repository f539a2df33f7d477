"""Loading a saved span model and proposing spans with it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

import annotator.suggest.candidates  # noqa: F401  (registers annotator.clause_suggester.v1)
from annotator.suggest.model_config import SPANS_KEY
from annotator.suggest.proposal import Proposal, keep_best_per_label
from annotator.suggest.training import METADATA_FILE, PIPELINE_DIR


class ModelFolderError(ValueError):
    """A folder that holds no readable model; the message names the folder and the file."""


@dataclass(frozen=True, eq=False)
class SpanModel:
    """A loaded model: its pipeline, its metadata and the source name its proposals carry."""

    path: Path
    nlp: Language
    metadata: dict

    @property
    def name(self) -> str:
        """The source name: the model's folder name."""
        return self.path.name

    def labels(self) -> list[str]:
        """The labels the model was trained on."""
        return list(self.metadata["labels"])


def read_model_metadata(path: str | Path) -> dict:
    """The metadata stored with a model (fingerprint, labels, date, scores, settings)."""
    meta_path = Path(path) / METADATA_FILE
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFolderError(f"{meta_path}: no model metadata (not a trained model?)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFolderError(f"{meta_path}: unreadable model metadata ({error})") from None


def load_span_model(path: str | Path) -> SpanModel:
    """The model saved in `path`, loaded once per folder and metadata version."""
    path = Path(path).resolve()
    meta_path = path / METADATA_FILE
    try:
        stamp = meta_path.stat().st_mtime_ns
    except OSError:
        raise ModelFolderError(f"{meta_path}: no model metadata (not a trained model?)") from None
    return _load_cached(str(path), stamp)


@lru_cache(maxsize=4)
def _load_cached(path: str, _stamp: int) -> SpanModel:
    metadata = read_model_metadata(path)
    try:
        nlp = spacy.load(Path(path) / PIPELINE_DIR)
    except (OSError, ValueError) as error:
        raise ModelFolderError(
            f"{path}/{PIPELINE_DIR}: cannot load the pipeline ({error})"
        ) from None
    return SpanModel(Path(path), nlp, metadata)


def suggest_with_model(
    texts: Iterable[str], model: SpanModel, min_score: float | None = None
) -> list[list[Proposal]]:
    """The model's proposals for each text, in order; overlaps of one label keep the best."""
    spancat = model.nlp.get_pipe("spancat")
    threshold = spancat.cfg["threshold"]
    if min_score is not None:
        spancat.cfg["threshold"] = min_score
    try:
        results = []
        for doc in model.nlp.pipe(texts, batch_size=16):
            group = doc.spans.get(SPANS_KEY, [])
            scores = group.attrs.get("scores") if len(group) else None
            proposals = [
                Proposal(
                    span.label_,
                    span.start_char,
                    span.end_char,
                    round(float(scores[i]), 4) if scores is not None else 1.0,
                    model.name,
                )
                for i, span in enumerate(group)
            ]
            results.append(keep_best_per_label(proposals))
        return results
    finally:
        spancat.cfg["threshold"] = threshold
