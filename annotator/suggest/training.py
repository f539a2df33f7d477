"""Training the span model: examples in, a saved spaCy pipeline with scores and metadata out."""

from __future__ import annotations

import json
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.training import Example
from spacy.util import minibatch
from thinc.api import Config, fix_random_seed

import annotator.suggest.candidates  # noqa: F401  (registers annotator.clause_suggester.v1)
from annotator.suggest.examples import (
    TrainingExample,
    gold_doc,
    split_by_document,
    training_fingerprint,
)
from annotator.suggest.model_config import (
    CANDIDATES_KEY,
    METADATA_FILE,
    PIPELINE_DIR,
    SPANS_KEY,
    ModelSettings,
    spancat_config,
)
from annotator.suggest.predict import model_proposals
from annotator.suggest.scoring import LabelScore, score_proposals


@dataclass(frozen=True, slots=True)
class EpochProgress:
    """What a progress callback hears after each epoch."""

    epoch: int
    epochs: int
    losses: dict[str, float]
    seconds: float


@dataclass(frozen=True, slots=True)
class TrainingResult:
    """A trained and saved model: where it is, its held-out scores and its metadata."""

    path: Path
    by_label: dict[str, LabelScore]
    micro: LabelScore
    metadata: dict


def train_span_model(
    examples: Sequence[TrainingExample],
    labels: Sequence[str],
    out: str | Path,
    *,
    lang: str = "de",
    settings: ModelSettings | None = None,
    held_out_fraction: float = 0.2,
    progress: Callable[[EpochProgress], None] | None = None,
) -> TrainingResult:
    """Train spancat on the training part, score the held-out part, save both into `out`."""
    settings = settings or ModelSettings()
    out = Path(out)
    if (out / METADATA_FILE).exists():
        raise FileExistsError(f"{out}: a model is already stored there")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out}: exists and is not an empty folder")
    labels = list(dict.fromkeys(labels))
    if not labels:
        raise ValueError("no labels to train")
    train, held_out = split_by_document(examples, held_out_fraction)
    if not train or not held_out:
        raise ValueError(f"need at least 2 documents to train and score, got {len(examples)}")
    started = time.perf_counter()
    fix_random_seed(settings.seed)
    config = spancat_config(lang, settings)
    nlp = spacy.util.load_model_from_config(Config().from_str(config), auto_fill=True)
    for label in labels:
        nlp.get_pipe("spancat").add_label(label)
    train_examples = [_example(nlp, e, labels) for e in train]
    optimizer = nlp.initialize(lambda: train_examples)
    optimizer.learn_rate = settings.learn_rate
    finder = "span_finder" in nlp.pipe_names
    shuffler = random.Random(settings.seed)
    for epoch in range(1, settings.epochs + 1):
        losses: dict[str, float] = {}
        shuffler.shuffle(train_examples)
        warming_up = finder and epoch <= settings.finder_warmup_epochs
        annotates = ["span_finder"] if finder and not warming_up else []
        exclude = ["spancat"] if warming_up else []
        for batch in minibatch(train_examples, size=settings.batch_size):
            nlp.update(
                batch,
                sgd=optimizer,
                drop=settings.dropout,
                losses=losses,
                annotates=annotates,
                exclude=exclude,
            )
        if progress is not None:
            progress(EpochProgress(epoch, settings.epochs, dict(losses), _since(started)))
    by_label, micro = score_held_out(nlp, held_out, labels)
    training_seconds = _since(started)
    metadata = {
        "fingerprint": training_fingerprint(examples, labels),
        "labels": labels,
        "lang": lang,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings.as_dict(),
        "config": config,
        "spacy_version": spacy.__version__,
        "train_documents": sorted(e.document_id for e in train),
        "held_out_documents": sorted(e.document_id for e in held_out),
        "held_out_fraction": held_out_fraction,
        "training_seconds": round(training_seconds, 2),
        "scores": {
            "by_label": {k: v.as_dict() for k, v in by_label.items()},
            "micro": micro.as_dict(),
        },
    }
    _save(nlp, metadata, out)
    return TrainingResult(out, by_label, micro, metadata)


def _example(nlp: Language, example: TrainingExample, labels: Sequence[str]) -> Example:
    reference = gold_doc(nlp, example, labels, SPANS_KEY)
    # span_finder learns the starts and ends of every gold span, whatever its label
    reference.spans[CANDIDATES_KEY] = list(reference.spans[SPANS_KEY])
    return Example(nlp.make_doc(example.text), reference)


def score_held_out(
    nlp: Language, held_out: Sequence[TrainingExample], labels: Sequence[str]
) -> tuple[dict[str, LabelScore], LabelScore]:
    """Per-label and micro P/R/F1 on `held_out` of what the model proposes (at score 0.5)."""
    proposals = model_proposals(nlp, [e.text for e in held_out], "held-out")
    return score_proposals(held_out, proposals, labels, nlp.lang)


def _save(nlp: Language, metadata: dict, out: Path) -> None:
    # Written beside the target and renamed: an interrupted run leaves no half model at `out`.
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        nlp.to_disk(staging / PIPELINE_DIR)
        (staging / METADATA_FILE).write_text(
            json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        if out.exists():
            out.rmdir()  # only an empty folder may be replaced (checked: no model in it)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _since(started: float) -> float:
    return time.perf_counter() - started
