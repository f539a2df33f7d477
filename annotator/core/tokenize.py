"""Tokenizing and sentence splitting with a blank spaCy pipeline, built once per language."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice

import numpy as np
import spacy
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START, SPACY

from annotator.core.records import Token


@lru_cache(maxsize=8)
def pipeline(lang: str = "de") -> spacy.language.Language:
    """The cached blank pipeline for `lang` with a rule-based sentencizer."""
    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    return nlp


def canonical_text(text: str) -> str:
    """The stored form of a text: Unicode NFC, line ends `\\n`; nothing else changes."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


class Analysis:
    """Token and sentence arrays of one text, as compact int32 columns."""

    __slots__ = ("starts", "ends", "ws", "space", "sentences")

    def __init__(self, starts, ends, ws, space, sentences):
        self.starts = starts  # np.int32 token start offsets
        self.ends = ends  # np.int32 token end offsets (exclusive)
        self.ws = ws  # np.bool_ trailing whitespace flag
        self.space = space  # np.bool_ token is whitespace only
        self.sentences = sentences  # np.int32 token index of each sentence start

    def __len__(self) -> int:
        return len(self.starts)

    def tokens(self) -> list[Token]:
        """The tokens as dataclasses (slow path, for small texts and exports)."""
        return [
            Token(int(s), int(e), bool(w))
            for s, e, w in zip(self.starts, self.ends, self.ws, strict=True)
        ]


def _analysis_from_doc(doc) -> Analysis:
    if len(doc) == 0:
        empty = np.zeros(0, dtype=np.int32)
        return Analysis(empty, empty, empty.astype(bool), empty.astype(bool), empty)
    arr = doc.to_array([IDX, LENGTH, SPACY, IS_SPACE, SENT_START]).astype(np.int64)
    starts = arr[:, 0].astype(np.int32)
    ends = (arr[:, 0] + arr[:, 1]).astype(np.int32)
    sent = np.flatnonzero(arr[:, 4] == 1).astype(np.int32)
    if len(sent) == 0 or sent[0] != 0:
        sent = np.concatenate([np.zeros(1, dtype=np.int32), sent])
    return Analysis(starts, ends, arr[:, 2].astype(bool), arr[:, 3].astype(bool), sent)


def analyse(text: str, lang: str = "de") -> Analysis:
    """Tokens and sentences of one canonical text."""
    nlp = pipeline(lang)
    with nlp.memory_zone():  # the words' strings go when the zone ends (only offsets stay)
        return _analysis_from_doc(nlp(text))


def analyse_many(
    texts: Iterable[str], lang: str = "de", batch_size: int = 64
) -> Iterator[Analysis]:
    """Tokens and sentences of many texts, streamed through `nlp.pipe` a batch at a time.

    Each batch runs in a spaCy memory zone: the vocabulary's string store would otherwise keep
    every new word for good (1.8 GB for 10,000 documents of random pseudo-words); only the
    offsets leave the zone, so memory stays flat however large the corpus.
    """
    nlp = pipeline(lang)
    texts = iter(texts)
    while batch := list(islice(texts, batch_size)):
        with nlp.memory_zone():
            analyses = [_analysis_from_doc(doc) for doc in nlp.pipe(batch, batch_size=batch_size)]
        yield from analyses
