"""The stored tokens and sentences equal a fresh spaCy pipeline's (blank + sentencizer), with
the import's chunk cache warming and numpy sentence rule (core.tokenize) on."""

from __future__ import annotations

import numpy as np
import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.tokenize import analyse, analyse_by_language, sentence_starts
from tests.conftest import CORPUS

PIECES = [
    "z.B.", "Nr.", "Dr.", "usw.", "„Zitat.“", "(KCNA)", "11.000", "U.S.", "don't", "it's",
    "Москве-то", "т.е.", "Kursk", "Soldaten", "die", "und", ".", "!", "?", "…", "...", ",", ";",
    "-", "–", "\"", "'", " ", "  ", "\n", "\n\n", "\t", "e-mail@example.org", "https://x.example/a",
]  # fmt: skip


def reference(text: str, lang: str):
    nlp = _fresh(lang)
    doc = nlp(text)
    starts = [t.idx for t in doc]
    sentences = [s.start for s in doc.sents] if len(doc) else []
    return starts, [t.idx + len(t) for t in doc], [bool(t.whitespace_) for t in doc], sentences


_PIPELINES: dict[str, spacy.language.Language] = {}


def _fresh(lang: str):
    # Built here, not core.tokenize.pipeline: its tokenizer cache is the one warmed.
    if lang not in _PIPELINES:
        nlp = spacy.blank(lang)
        nlp.add_pipe("sentencizer")
        _PIPELINES[lang] = nlp
    return _PIPELINES[lang]


def as_lists(analysis):
    return (
        analysis.starts.tolist(),
        analysis.ends.tolist(),
        analysis.ws.tolist(),
        analysis.sentences.tolist() if len(analysis) else [],
    )


@pytest.mark.parametrize("lang", ["de", "en", "ru", "xx"])
def test_corpus_tokens_and_sentences_equal_a_fresh_pipeline(lang):
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert as_lists(analyse(text, lang)) == reference(text, lang), path.name


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES) | st.text(min_size=1, max_size=6), max_size=60),
    st.sampled_from(["de", "en", "ru"]),
)
def test_any_text_tokenizes_as_a_fresh_pipeline_does(pieces, lang):
    text = "".join(pieces)
    assert as_lists(analyse(text, lang)) == reference(text, lang)


def test_a_text_gives_the_same_tokens_before_and_after_its_chunks_are_cached():
    text = "Laut Nr. 5 z.B. sagte er: „Nein.“ Danach kam die Antwort, z.B. diese. Ende!"
    first = as_lists(analyse(text, "de"))
    again = as_lists(analyse(text, "de"))
    assert first == again == reference(text, "de")


def test_by_language_keeps_the_order_of_the_texts():
    texts = ["They don't know.", "Das ist z.B. so.", "Москве-то всё равно.", "It's late."]
    langs = ["en", "de", "ru", "en"]
    results = analyse_by_language(texts, langs)
    for text, lang, result in zip(texts, langs, results, strict=True):
        assert as_lists(result) == reference(text, lang)


def test_sentence_rule_on_hand_made_flags():
    # tokens: "Ja" "." "." "„" "Nein" "!" "“" "x"
    final = np.array([0, 1, 1, 0, 0, 1, 0, 0], dtype=bool)
    punct = np.array([0, 1, 1, 1, 0, 1, 1, 0], dtype=bool)
    assert sentence_starts(final, punct).tolist() == [0, 4, 7]
    # A text that opens with a full stop still starts its first sentence at token 0.
    assert sentence_starts(np.array([1, 0], dtype=bool), np.array([1, 0], dtype=bool)).tolist() == [
        0,
        1,
    ]
