"""Scoring proposals against gold: spaCy's span scorer, exact boundaries, per label and micro."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import spacy
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example

from annotator.suggest.examples import TrainingExample, gold_doc, token_span
from annotator.suggest.proposal import Proposal

KEY = "sc"


@dataclass(frozen=True, slots=True)
class LabelScore:
    """Precision, recall and F1 (None where undefined) and the gold span count."""

    p: float | None
    r: float | None
    f: float | None
    gold: int

    def as_dict(self) -> dict:
        """The score as JSON-able values."""
        return {"p": self.p, "r": self.r, "f": self.f, "gold": self.gold}


def score_docs(
    predicted: Sequence[Doc], references: Sequence[Doc], labels: Sequence[str], key: str = KEY
) -> tuple[dict[str, LabelScore], LabelScore]:
    """Per-label and micro P/R/F1 of doc.spans[key] against the references' doc.spans[key]."""
    examples = [Example(p, r) for p, r in zip(predicted, references, strict=True)]
    scores = Scorer.score_spans(
        examples,
        f"spans_{key}",
        getter=lambda doc, _attr: doc.spans.get(key, []),
        has_annotation=lambda doc: key in doc.spans,
        allow_overlap=True,
    )
    gold_counts = dict.fromkeys(labels, 0)
    for doc in references:
        for span in doc.spans[key]:
            gold_counts[span.label_] = gold_counts.get(span.label_, 0) + 1
    per_type = scores.get(f"spans_{key}_per_type") or {}
    by_label = {}
    for label in labels:
        found = per_type.get(label)
        if found is None:  # neither gold nor predicted spans of this label: undefined
            by_label[label] = LabelScore(None, None, None, gold_counts[label])
        else:
            by_label[label] = LabelScore(found["p"], found["r"], found["f"], gold_counts[label])
    micro = LabelScore(
        scores[f"spans_{key}_p"],
        scores[f"spans_{key}_r"],
        scores[f"spans_{key}_f"],
        sum(gold_counts[label] for label in labels),
    )
    return by_label, micro


def score_proposals(
    examples: Sequence[TrainingExample],
    proposals: Sequence[Sequence[Proposal]],
    labels: Sequence[str],
    lang: str = "de",
) -> tuple[dict[str, LabelScore], LabelScore]:
    """Any source's proposals (snapped to tokens) scored against the examples' gold spans."""
    nlp = spacy.blank(lang)
    references = [gold_doc(nlp, e, labels, KEY) for e in examples]
    predicted = []
    for reference, found in zip(references, proposals, strict=True):
        doc = nlp.make_doc(reference.text)
        spans = [token_span(doc, p.start, p.end, p.label) for p in found if p.label in labels]
        doc.spans[KEY] = [s for s in spans if s is not None]
        predicted.append(doc)
    return score_docs(predicted, references, labels)
