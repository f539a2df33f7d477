"""Clause candidates for spancat: the long spans (clauses, whole quotations) our labels cover.

spaCy's default n-gram suggester proposes spans of 1 to 3 tokens; the spans here are clauses
and quotations of tens of tokens, so it never proposes the right one. These candidates run from
one punctuation boundary (either side of a punctuation mark, or a line break) to one of the next
few boundaries, so a clause, a clause with its comma, or a quotation with its marks are all
proposed. Registered for spaCy configs as `annotator.clause_suggester.v1`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Ops, get_current_ops
from thinc.types import Ragged

BOUNDARY_PUNCT = frozenset(',;:.!?()[]–—-„“”"«»‚‘’‹›')


def boundaries(doc: Doc) -> list[int]:
    """Token positions where a candidate may start or end (sorted, unique)."""
    cuts = {0, len(doc)}
    for token in doc:
        if token.text in BOUNDARY_PUNCT or (token.is_space and "\n" in token.text):
            cuts.add(token.i)
            cuts.add(token.i + 1)
    return sorted(cuts)


def clause_candidates(doc: Doc, max_segments: int, max_tokens: int) -> list[tuple[int, int]]:
    """(start, end) token ranges from a boundary to one of the next `max_segments` boundaries."""
    cuts = boundaries(doc)
    found: set[tuple[int, int]] = set()
    for index, start in enumerate(cuts):
        for end in cuts[index + 1 : index + 1 + max_segments]:
            if end - start > max_tokens:
                break
            trimmed = _without_outer_space(doc, start, end)
            if trimmed is not None:
                found.add(trimmed)
    return sorted(found)


def _without_outer_space(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    while start < end and doc[start].is_space:
        start += 1
    while end > start and doc[end - 1].is_space:
        end -= 1
    if start == end or all(t.is_punct or t.is_space for t in doc[start:end]):
        return None
    return start, end


@registry.misc("annotator.clause_suggester.v1")
def build_clause_suggester(
    max_segments: int = 8, max_tokens: int = 100
) -> Callable[[Iterable[Doc], Ops | None], Ragged]:
    """A spancat suggester proposing clause candidates (see the module docstring)."""

    def suggest(docs: Iterable[Doc], *, ops: Ops | None = None) -> Ragged:
        ops = ops or get_current_ops()
        spans: list[tuple[int, int]] = []
        lengths: list[int] = []
        for doc in docs:
            found = clause_candidates(doc, max_segments, max_tokens)
            spans.extend(found)
            lengths.append(len(found))
        data = np.asarray(spans, dtype="i").reshape((-1, 2))
        return Ragged(ops.asarray2i(data), ops.asarray1i(np.asarray(lengths, dtype="i")))

    return suggest
