"""Loading a saved span model and proposing spans with it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import spacy
from spacy.language import Language

import annotator.suggest.candidates  # noqa: F401  (registers annotator.clause_suggester.v1)
from annotator.suggest.model_config import METADATA_FILE, PIPELINE_DIR
from annotator.suggest.proposal import Proposal, keep_best_per_label

DEFAULT_MIN_SCORE = 0.5


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
    texts: Iterable[str], model: SpanModel, min_score: float = DEFAULT_MIN_SCORE
) -> list[list[Proposal]]:
    """The model's proposals for each text, in order; overlaps of one label keep the best."""
    return model_proposals(model.nlp, texts, model.name, min_score)


def model_proposals(
    nlp: Language, texts: Iterable[str], source: str, min_score: float = DEFAULT_MIN_SCORE
) -> list[list[Proposal]]:
    """For each text, every candidate whose best label scores at least `min_score`.

    The score is the probability of the candidate's best label, so a threshold means the same
    for both classifiers (with the single-label one, 0.5 or more is its own decision).
    """
    spancat = nlp.get_pipe("spancat")
    labels = list(spancat.labels)
    results = []
    # the other components (tok2vec, span_finder) annotate; spancat's scores are read here
    for doc in nlp.pipe(texts, disable=["spancat"], batch_size=16):
        candidates = spancat.suggester([doc], ops=spancat.model.ops)
        bounds = spancat.model.ops.to_numpy(candidates.dataXd).reshape((-1, 2))
        if not len(bounds):
            results.append([])
            continue
        scores = spancat.model.ops.to_numpy(spancat.model.predict(([doc], candidates)))
        scores = scores[:, : len(labels)]  # the single-label model's last column is "no label"
        best = scores.argmax(axis=1)
        best_scores = scores[np.arange(len(best)), best]
        proposals = [
            Proposal(
                labels[label],
                doc[int(start)].idx,
                doc[int(end) - 1].idx + len(doc[int(end) - 1]),
                round(float(score), 4),
                source,
            )
            for (start, end), label, score in zip(bounds, best, best_scores, strict=True)
            if score >= min_score
        ]
        results.append(keep_best_per_label(proposals))
    return results
