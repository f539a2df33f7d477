"""Issue 18: the disagreement view's indexed classification gives what the plain definition
(`relation` against every span of the other layer) gives, on random overlapping layers."""

from __future__ import annotations

import random

from annotator.agreement.span_relations import relation
from annotator.core.records import Span
from annotator.services import adjudication as review


def _span(i: int, annotator: str, label: str, start: int, end: int) -> Span:
    return Span(
        id=f"{annotator}-{i}",
        document_id=1,
        annotator=annotator,
        label=label,
        start=start,
        end=end + 1,
        token_start=start,
        token_end=end,
    )


def _layers(seed: int) -> dict[str, list[Span]]:
    rng = random.Random(seed)
    layers = {}
    for a in "abcd":
        spans, i = [], 0
        for label in "LMN":
            at = rng.randint(0, 5)
            while at < 300:  # same-label spans of one layer never overlap (they are merged)
                end = at + rng.randint(0, 8)
                spans.append(_span(i, a, label, at, end))
                i += 1
                at = end + 1 + rng.randint(0, 12)
        layers[a] = spans
    return layers


def test_indexed_classification_equals_the_definition():
    for seed in range(8):
        layers = _layers(seed)
        done = ["a", "b", "c"]  # d is not done: classified, never compared against
        gold = [layers["a"][3], layers["b"][5]]
        got = review.classify_spans(layers, done, gold)
        for name, spans in layers.items():
            for span, c in zip(spans, got[name], strict=True):
                expected = {o: relation(span, layers[o]) for o in done if o != name}
                assert c.relations == expected
                assert c.in_gold == any(review._same(span, g) for g in gold)


def test_hidden_partners_equal_the_definition():
    layers = _layers(3)
    got = review.classify_spans(layers, list(layers), [])
    for region in review.regions(got, [], ["L", "M"]):
        for cells in region.cells.values():
            for c in cells:
                expected = [
                    other
                    for other, rel in c.relations.items()
                    if rel == review.LABEL
                    and not any(
                        x.span.label != c.span.label and review._overlaps(x.span, c.span)
                        for x in region.cells.get(other, [])
                    )
                ]
                assert region.hidden_partners.get(c.span.id, []) == expected
