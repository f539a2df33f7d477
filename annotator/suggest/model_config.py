"""spaCy configs for the span model: a small CPU tok2vec and spancat with a long-span suggester.

Three suggesters can be built:
- `clauses`: clause candidates between punctuation boundaries (annotator/suggest/candidates.py);
- `span_finder`: spaCy's span_finder learns span starts and ends and hands every start/end pair
  to spancat (`spacy.preset_spans_suggester.v1`);
- `ngram`: spaCy's default n-gram suggester of 1 to 3 tokens, kept as the reference that fails
  on long spans.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

SPANS_KEY = "sc"
METADATA_FILE = "annotator-model.json"
PIPELINE_DIR = "pipeline"
CANDIDATES_KEY = "span_candidates"
SUGGESTERS = ("clauses", "span_finder", "ngram")


@dataclass(frozen=True, slots=True)
class ModelSettings:
    """What shapes a training run (stored in the model's metadata)."""

    suggester: str = "clauses"
    epochs: int = 8
    batch_size: int = 2  # documents per update: long documents, and few updates starve spancat
    width: int = 64
    depth: int = 2
    dropout: float = 0.1
    learn_rate: float = 0.001
    # Measured on Redewiedergabe: the multilabel spancat (a sigmoid per label) drowns in the
    # negative candidates (about 200 per gold span) and predicts nothing; the single-label
    # softmax with the "no label" class weighted down learns.
    classifier: str = "singlelabel"  # spancat_singlelabel, or "multilabel" (spancat)
    negative_weight: float = 0.02  # singlelabel: weight of the "no label" class in the loss
    threshold: float = 0.5
    max_segments: int = 8  # clauses: how many boundaries a candidate may span
    max_tokens: int = 100  # clauses and span_finder: the longest candidate in tokens
    # span_finder: its start/end threshold, and epochs it learns alone before spancat joins.
    # Measured on Redewiedergabe (bench/bench_suggest.py): at 0.5 it soon marks no token, so
    # spancat never sees a candidate (F1 0.00); at 0.3 an early span_finder marks so many
    # tokens that one joint epoch over 64 documents took over 4 minutes.
    finder_threshold: float = 0.5
    finder_warmup_epochs: int = 0
    seed: int = 0

    def as_dict(self) -> dict:
        """The settings as plain JSON-able values."""
        return asdict(self)


def pipeline_names(settings: ModelSettings) -> list[str]:
    """The pipeline's component names, in order."""
    if settings.suggester == "span_finder":
        return ["tok2vec", "span_finder", "spancat"]
    return ["tok2vec", "spancat"]


def spancat_config(lang: str, settings: ModelSettings) -> str:
    """The full spaCy config text for this language and these settings."""
    if settings.suggester not in SUGGESTERS:
        raise ValueError(f"suggester must be one of {', '.join(SUGGESTERS)}")
    pipeline = ", ".join(f'"{name}"' for name in pipeline_names(settings))
    text = f"""
[system]
seed = {settings.seed}
gpu_allocator = null

[nlp]
lang = "{lang}"
pipeline = [{pipeline}]
batch_size = {settings.batch_size}

[components]

[components.tok2vec]
factory = "tok2vec"

[components.tok2vec.model]
@architectures = "spacy.Tok2Vec.v2"

[components.tok2vec.model.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = {settings.width}
attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
rows = [5000, 1000, 2500, 1000]
include_static_vectors = false

[components.tok2vec.model.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = {settings.width}
depth = {settings.depth}
window_size = 1
maxout_pieces = 3

{_classifier_block(settings)}

[components.spancat.model.reducer]
@layers = "spacy.mean_max_reducer.v1"
hidden_size = 128

[components.spancat.model.tok2vec]
@architectures = "spacy.Tok2VecListener.v1"
width = {settings.width}
upstream = "tok2vec"

{_suggester_block(settings)}
"""
    return text


def _classifier_block(settings: ModelSettings) -> str:
    if settings.classifier == "singlelabel":
        return f"""[components.spancat]
factory = "spancat_singlelabel"
spans_key = "{SPANS_KEY}"
negative_weight = {settings.negative_weight}
allow_overlap = true

[components.spancat.model]
@architectures = "spacy.SpanCategorizer.v1"

[components.spancat.model.scorer]
@layers = "Softmax.v2"
"""
    if settings.classifier != "multilabel":
        raise ValueError("classifier must be multilabel or singlelabel")
    return f"""[components.spancat]
factory = "spancat"
spans_key = "{SPANS_KEY}"
threshold = {settings.threshold}
max_positive = null

[components.spancat.model]
@architectures = "spacy.SpanCategorizer.v1"

[components.spancat.model.scorer]
@layers = "spacy.LinearLogistic.v1"
nO = null
nI = null
"""


def _suggester_block(settings: ModelSettings) -> str:
    if settings.suggester == "ngram":
        return (
            '[components.spancat.suggester]\n@misc = "spacy.ngram_suggester.v1"\nsizes = [1, 2, 3]'
        )
    if settings.suggester == "clauses":
        return (
            "[components.spancat.suggester]\n"
            '@misc = "annotator.clause_suggester.v1"\n'
            f"max_segments = {settings.max_segments}\n"
            f"max_tokens = {settings.max_tokens}"
        )
    return f"""[components.spancat.suggester]
@misc = "spacy.preset_spans_suggester.v1"
spans_key = "{CANDIDATES_KEY}"

[components.span_finder]
factory = "span_finder"
spans_key = "{CANDIDATES_KEY}"
threshold = {settings.finder_threshold}
max_length = {settings.max_tokens}
min_length = null

[components.span_finder.model]
@architectures = "spacy.SpanFinder.v1"

[components.span_finder.model.scorer]
@layers = "spacy.LinearLogistic.v1"
nO = 2

[components.span_finder.model.tok2vec]
@architectures = "spacy.Tok2VecListener.v1"
width = {settings.width}
upstream = "tok2vec"
"""
