"""Tokenizing and sentence splitting with a blank spaCy pipeline, built once per language."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

import numpy as np
import spacy
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START, SPACY

from annotator.core.records import Token

# spaCy refuses texts over nlp.max_length (1,000,000) because its trained parser and NER need
# about 1 GB per 100,000 characters; a blank tokenizer with a sentencizer needs a few hundred
# bytes per token, so our own bound is ten times higher (a whole book is under 3,000,000).
MAX_TEXT_CHARS = 10_000_000


@lru_cache(maxsize=8)
def pipeline(lang: str = "de") -> spacy.language.Language:
    """The cached blank pipeline for `lang` with a rule-based sentencizer."""
    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    nlp.max_length = MAX_TEXT_CHARS
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
    return _analysis_from_doc(pipeline(lang)(text))


def analyse_many(
    texts: Iterable[str], lang: str = "de", batch_size: int = 64
) -> Iterator[Analysis]:
    """Tokens and sentences of many texts, streamed through `nlp.pipe`."""
    for doc in pipeline(lang).pipe(texts, batch_size=batch_size):
        yield _analysis_from_doc(doc)
