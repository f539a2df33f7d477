"""Tokenizing and sentence splitting with a blank spaCy pipeline, built once per language.

The stored tokens and sentences are exactly what `pipeline(lang)` (tokenizer + sentencizer)
gives; two things make the import faster without changing them (tests compare the two):
- spaCy's tokenizer caches the tokens of each whitespace-separated chunk, but stops caching for
  the rest of a text once a special case (German "z.B.", "Nr.") occurred in it, so in a long
  article most chunks are split by its regular expressions again and again. Each chunk not seen
  before is tokenized once alone first (which caches it); the text then reads from the cache.
- The sentencizer's rule (a sentence starts at the first token that is no punctuation after a
  token in its `punct_chars`) is computed on the token arrays with numpy, not token by token.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import islice

import numpy as np
import spacy
from spacy.attrs import IDX, IS_SPACE, LENGTH, SPACY

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


# spaCy's memory zones free the new words of each zone, but the hash tables of the string store
# and of the vocabulary (preshed maps) keep a deleted mark in place of each word and double in
# size as new words keep coming, never shrinking: over 100,000 documents of new words an import
# grew from 180 to 460 MB. Past this many tokens the cached pipelines are built afresh (some
# 40 ms), which bounds the tables; the stored offsets do not depend on the pipeline instance.
RENEW_AFTER_TOKENS = 500_000
_tokens_seen = 0


def _tokenized(count: int) -> None:
    """Count tokens made by the cached pipelines; renew them past RENEW_AFTER_TOKENS."""
    global _tokens_seen
    _tokens_seen += count
    if _tokens_seen >= RENEW_AFTER_TOKENS:
        _tokens_seen = 0
        pipeline.cache_clear()


def sentence_starts(in_punct_chars: np.ndarray, is_punct: np.ndarray) -> np.ndarray:
    """Token indices where spaCy's sentencizer starts sentences: token 0, and each token that is
    neither punctuation nor a sentence-final character with such a character somewhere after
    the previous token of that kind (nothing between resets what a full stop began)."""
    candidates = np.flatnonzero(~is_punct & ~in_punct_chars)
    seen = np.cumsum(in_punct_chars)[candidates]  # final characters up to each candidate
    before = np.concatenate([[0], seen[:-1]])  # ... up to the candidate before it
    found = candidates[seen > before]
    if len(found) and found[0] == 0:
        return found.astype(np.int32)
    return np.concatenate([[0], found]).astype(np.int32)


def forget_pipelines() -> None:
    """Drop the built pipelines (benchmarks that time a cold start)."""
    pipeline.cache_clear()


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


def empty_analysis() -> Analysis:
    """The analysis of an empty text (no tokens, no sentences)."""
    empty = np.zeros(0, dtype=np.int32)
    return Analysis(empty, empty, empty.astype(bool), empty.astype(bool), empty)


def _analysis_from_doc(doc) -> Analysis:
    if len(doc) == 0:
        return empty_analysis()
    arr = doc.to_array([IDX, LENGTH, SPACY, IS_SPACE, "SENT_START"]).astype(np.int64)
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
        analysis = _analysis_from_doc(nlp(text))
    _tokenized(len(analysis))
    return analysis


def analyse_many(
    texts: Iterable[str], lang: str = "de", batch_size: int = 64
) -> Iterator[Analysis]:
    """Tokens and sentences of many texts, streamed through `nlp.pipe` a batch at a time.

    Each batch runs in a spaCy memory zone: the vocabulary's string store would otherwise keep
    every new word for good (1.8 GB for 10,000 documents of random pseudo-words); only the
    offsets leave the zone, so memory stays flat however large the corpus.
    """
    texts = iter(texts)
    while batch := list(islice(texts, batch_size)):
        nlp = pipeline(lang)  # renewed now and then (RENEW_AFTER_TOKENS)
        with nlp.memory_zone():
            analyses = [_analysis_from_doc(doc) for doc in nlp.pipe(batch, batch_size=batch_size)]
        _tokenized(sum(len(a) for a in analyses))
        yield from analyses


def pipeline_analysis(text: str, lang: str = "de") -> Analysis:
    """Tokens and sentences straight from `pipeline(lang)`: what `analyse` must equal."""
    return _analysis_from_doc(pipeline(lang)(text))


def analyse_by_language(
    texts: Sequence[str], langs: Sequence[str], batch_size: int = 64
) -> list[Analysis]:
    """Tokens and sentences of each text with its own language's pipeline (`langs[i]` a code
    spaCy builds, see core.languages.spacy_language): one `nlp.pipe` per language, results in
    the order of `texts`."""
    results: list[Analysis | None] = [None] * len(texts)
    by_lang: dict[str, list[int]] = {}
    for i, lang in enumerate(langs):
        by_lang.setdefault(lang, []).append(i)
    for lang, indexes in by_lang.items():
        analyses = analyse_many((texts[i] for i in indexes), lang, batch_size=batch_size)
        for i, analysis in zip(indexes, analyses, strict=True):
            results[i] = analysis
    return results  # type: ignore[return-value]
