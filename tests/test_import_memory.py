"""Issue 18: import in bounded memory. Tokenizing keeps only offsets: the words of imported
texts do not stay in spaCy's string store (which grew without bound on new words)."""

from __future__ import annotations

import random

from annotator.core.tokenize import analyse, analyse_many, pipeline


def _pseudo_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [
        " ".join("".join(rng.choice(letters) for _ in range(9)) for _ in range(50)) + "."
        for _ in range(n)
    ]


def test_string_store_does_not_grow_with_new_words():
    strings = pipeline("de").vocab.strings
    analyse_many(_pseudo_texts(2, 0), "de")  # any one-off tables built outside the count
    list(analyse_many(_pseudo_texts(2, 0), "de"))
    before = len(strings)
    texts = _pseudo_texts(300, 1)  # 15,000 new words
    analyses = list(analyse_many(texts, "de", batch_size=64))
    analyse(texts[0] + " zusätzlich", "de")
    assert len(strings) - before < 100
    # and the offsets are those of the words
    first = analyses[0]
    words = [texts[0][s:e] for s, e in zip(first.starts, first.ends, strict=True)]
    assert words[:3] == texts[0].split()[:3]
    assert len(first) == 51


def test_the_pipeline_is_renewed_so_its_word_tables_stay_bounded(monkeypatch):
    # Memory zones free the words, but spaCy's hash tables keep a mark per new word and only
    # grow: a pipeline that has tokenized RENEW_AFTER_TOKENS tokens is replaced by a fresh one.
    from annotator.core import tokenize

    monkeypatch.setattr(tokenize, "RENEW_AFTER_TOKENS", 3_000)
    monkeypatch.setattr(tokenize, "_tokens_seen", 0)
    first = pipeline("de")
    texts = _pseudo_texts(400, 2)  # 20,400 tokens, all but a few of them new words
    analyses = list(analyse_many(texts, "de", batch_size=16))
    latest = pipeline("de")
    assert latest is not first
    # its vocabulary has indexed at most one renewal period's words (plus a batch) beyond what
    # a new pipeline starts with
    fresh = len(tokenize.pipeline.__wrapped__("de").vocab)
    assert 0 < len(latest.vocab) - fresh < 3_000 + 16 * 51
    # and the offsets are those a pipeline of its own gives
    for text, analysis in zip(texts[::50], analyses[::50], strict=True):
        assert analysis.starts.tolist() == tokenize.pipeline_analysis(text).starts.tolist()
