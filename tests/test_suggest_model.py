"""The span model: examples split by document, candidates for long spans, train, save, predict."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import spacy

from annotator.core.labels import load_label_scheme
from annotator.suggest.candidates import clause_candidates
from annotator.suggest.examples import (
    GoldSpan,
    TrainingExample,
    split_by_document,
    training_fingerprint,
)
from annotator.suggest.model_config import ModelSettings
from annotator.suggest.predict import (
    ModelFolderError,
    load_span_model,
    read_model_metadata,
    suggest_with_model,
)
from annotator.suggest.training import EpochProgress, train_span_model

SAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "redewiedergabe_sample"


@pytest.fixture(scope="module")
def redewiedergabe() -> tuple[list[TrainingExample], list[str]]:
    """The shortest 30 documents of the Redewiedergabe sample and its label keys."""
    labels = load_label_scheme(SAMPLE / "labels.toml").keys()
    with (SAMPLE / "consensus.jsonl").open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    examples = [
        TrainingExample(
            record["meta"]["source"],
            record["text"],
            tuple(GoldSpan(s["start"], s["end"], s["label"]) for s in record["spans"]),
        )
        for record in records
    ]
    return sorted(examples, key=lambda e: len(e.text))[:30], labels


def documents(count: int) -> list[TrainingExample]:
    return [TrainingExample(f"doc-{i}", f"Text {i}.", ()) for i in range(count)]


def test_split_is_by_document_fixed_and_independent_of_order():
    examples = documents(50)
    train, held_out = split_by_document(examples, 0.2)
    assert len(held_out) == 10 and len(train) == 40
    assert not {e.document_id for e in train} & {e.document_id for e in held_out}
    shuffled = examples[:]
    random.Random(1).shuffle(shuffled)
    assert {e.document_id for e in split_by_document(shuffled, 0.2)[1]} == {
        e.document_id for e in held_out
    }
    # one more document leaves the other held-out choices mostly in place
    grown = {e.document_id for e in split_by_document(documents(51), 0.2)[1]}
    assert len(grown & {e.document_id for e in held_out}) >= 9


def test_fingerprint_changes_with_any_span_or_label_but_not_with_order():
    examples = [
        TrainingExample("a", "Er sagte, er sei müde.", (GoldSpan(10, 21, "INDIRECT"),)),
        TrainingExample("b", "Sie schwieg.", ()),
    ]
    base = training_fingerprint(examples, ["INDIRECT"])
    assert len(base) == 64
    assert training_fingerprint(examples[::-1], ["INDIRECT"]) == base
    moved = [replace(examples[0], spans=(GoldSpan(10, 20, "INDIRECT"),)), examples[1]]
    assert training_fingerprint(moved, ["INDIRECT"]) != base
    assert training_fingerprint(examples, ["INDIRECT", "DIRECT"]) != base


def test_clause_candidates_cover_a_whole_quotation_and_a_clause():
    doc = spacy.blank("de")("Er sagte:   „Ich bin hungrig, sehr hungrig.“ Dann ging er nach Hause.")
    found = {doc[s:e].text for s, e in clause_candidates(doc, max_segments=8, max_tokens=60)}
    assert "„Ich bin hungrig, sehr hungrig.“" in found
    assert "Dann ging er nach Hause" in found
    assert all(
        not doc[s].is_space and not doc[e - 1].is_space for s, e in clause_candidates(doc, 8, 60)
    )


@pytest.mark.slow
def test_training_scores_saves_loads_and_predicts(redewiedergabe, tmp_path):
    examples, labels = redewiedergabe
    heard: list[EpochProgress] = []
    settings = ModelSettings(suggester="clauses", epochs=2, width=32, depth=1)
    out = tmp_path / "models" / "rw-test"
    result = train_span_model(examples, labels, out, settings=settings, progress=heard.append)

    assert [p.epoch for p in heard] == [1, 2] and all(p.losses["spancat"] > 0 for p in heard)
    assert set(result.by_label) == set(labels)
    for score in [*result.by_label.values(), result.micro]:
        for value in (score.p, score.r, score.f):
            assert value is None or 0.0 <= value <= 1.0
    assert result.micro.gold > 0

    metadata = read_model_metadata(out)
    assert metadata["fingerprint"] == training_fingerprint(examples, labels)
    assert metadata["labels"] == labels and metadata["settings"]["suggester"] == "clauses"
    assert len(metadata["held_out_documents"]) == 6 and len(metadata["train_documents"]) == 24
    assert metadata["scores"]["micro"]["f"] == result.micro.f
    assert "annotator.clause_suggester.v1" in metadata["config"]

    model = load_span_model(out)
    threshold = model.nlp.get_pipe("spancat").cfg["threshold"]
    texts = [e.text for e in examples[:3]]
    results = suggest_with_model(texts, model, min_score=0.0)
    assert len(results) == 3 and any(results)
    for text, proposals in zip(texts, results, strict=True):
        for p in proposals:
            assert p.label in labels and p.source == "rw-test" and 0.0 <= p.score <= 1.0
            assert 0 <= p.start < p.end <= len(text) and text[p.start : p.end].strip()
    # the model's own threshold is back after a call with a lower one
    assert model.nlp.get_pipe("spancat").cfg["threshold"] == threshold

    with pytest.raises(FileExistsError):
        train_span_model(examples, labels, out, settings=settings)
    assert read_model_metadata(out)["created"] == metadata["created"]


def test_suggest_package_imports_neither_flask_nor_sqlite():
    code = (
        "import sys, annotator.suggest.patterns, annotator.suggest.training, "
        "annotator.suggest.predict, annotator.suggest.scoring; "
        "print(sorted(m for m in ('flask', 'sqlite3', 'sqlite_utils') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_training_refuses_a_folder_that_is_not_empty_before_training(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    examples = [TrainingExample(f"d{i}", "Er sagte, er sei müde.", ()) for i in range(3)]
    with pytest.raises(FileExistsError, match="not an empty folder"):
        train_span_model(examples, ["INDIRECT"], tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_folder_without_a_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelFolderError, match="no model metadata"):
        load_span_model(tmp_path)
    (tmp_path / "annotator-model.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelFolderError, match="unreadable model metadata"):
        read_model_metadata(tmp_path)


@pytest.mark.slow
def test_span_finder_pipeline_trains_after_a_warm_up_and_predicts(redewiedergabe, tmp_path):
    examples, labels = redewiedergabe
    settings = ModelSettings(
        suggester="span_finder", epochs=2, finder_warmup_epochs=1, width=32, depth=1
    )
    heard: list[EpochProgress] = []
    result = train_span_model(
        examples[:12], labels, tmp_path / "sf", settings=settings, progress=heard.append
    )
    assert "spancat" not in heard[0].losses and "spancat" in heard[1].losses
    assert result.metadata["settings"]["suggester"] == "span_finder"
    model = load_span_model(tmp_path / "sf")
    assert model.nlp.pipe_names == ["tok2vec", "span_finder", "spancat"]
    [proposals] = suggest_with_model([examples[0].text], model, min_score=0.0)
    assert all(p.label in labels for p in proposals)
