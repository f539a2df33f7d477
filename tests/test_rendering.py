"""The annotation view's HTML, read back with an HTML parser and compared with naive coverage."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.tokenize import analyse
from annotator.web.html.text import (
    SpanRange,
    blocks_touching,
    excerpt,
    label_css,
    label_masks,
    render_blocks,
    render_text,
    text_layout,
)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
LABELS = ["A", "B", "C"]
NAMES = ["Alpha", "Beta", "Gamma"]


class TokenReader(HTMLParser):
    """Per character of the text: the token index (or None) and the labels of the enclosing mark."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chars: list[tuple[str, int | None, frozenset[str], str | None]] = []
        self.token: int | None = None
        self.marks: frozenset[str] = frozenset()
        self.block: str | None = None
        self.begins: dict[int, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "span":
            self.token = int(attrs["data-i"])
            for cls in (attrs.get("class") or "").split():
                self.begins[self.token] = cls
        elif tag == "mark":
            assert not self.marks, "marks never nest"
            self.marks = frozenset(LABELS[int(c[1:])] for c in attrs["class"].split())
        elif tag == "div":
            self.block = attrs["id"]

    def handle_endtag(self, tag):
        if tag == "span":
            self.token = None
        elif tag == "mark":
            self.marks = frozenset()

    def handle_data(self, data):
        self.chars.extend((ch, self.token, self.marks, self.block) for ch in data)


def read(html: str) -> TokenReader:
    reader = TokenReader()
    reader.feed(str(html))
    reader.close()
    return reader


words = st.sampled_from(
    [
        "Kursk",
        "Nordkorea",
        "„Neonazi-Besatzer“",
        "11.000",
        "Soldaten,",
        "<b>",
        "&amp;",
        "Kim's",
        "ä",
    ]
)
texts = st.lists(
    st.tuples(words, st.sampled_from([" ", " ", "\n", "\n\n", "  ", ". ", "! "])),
    min_size=1,
    max_size=60,
).map(lambda parts: "".join(w + s for w, s in parts))


@st.composite
def documents(draw):
    text = draw(texts)
    analysis = analyse(text, "de")
    n = len(analysis.starts)
    spans = []
    for _ in range(draw(st.integers(0, 8))):
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(a, n - 1))
        spans.append(SpanRange(draw(st.sampled_from(LABELS)), a, b))
    return text, analysis, spans


@settings(max_examples=60, deadline=None)
@given(documents())
def test_render_keeps_text_tokens_and_coverage(doc):
    text, analysis, spans = doc
    layout = text_layout(text, analysis.starts, analysis.ends, analysis.sentences)
    reader = read(render_text(layout, spans, LABELS, NAMES))
    # The text comes back character for character, escaping undone by the parser.
    assert "".join(c for c, *_ in reader.chars) == text
    starts, ends = analysis.starts.tolist(), analysis.ends.tolist()
    for pos, (_, token, marks, _) in enumerate(reader.chars):
        inside = [i for i in range(len(starts)) if starts[i] <= pos < ends[i]]
        assert token == (inside[0] if inside else None)
        # Naive coverage: a character is marked with L iff one L span holds it (and for text
        # between tokens: the tokens on both sides).
        if token is not None:
            expected = {s.label for s in spans if s.token_start <= token <= s.token_end}
        else:
            before = max(i for i in range(len(starts)) if ends[i] <= pos)
            expected = {s.label for s in spans if s.token_start <= before < s.token_end}
        assert marks == expected, (pos, text[pos])
    for s in spans:
        assert reader.begins[s.token_start].startswith("b")


@settings(max_examples=30, deadline=None)
@given(documents(), st.data())
def test_changed_blocks_match_the_full_render(doc, data):
    text, analysis, spans = doc
    layout = text_layout(text, analysis.starts, analysis.ends, analysis.sentences)
    full = read(render_text(layout, spans, LABELS, NAMES))
    n = len(analysis.starts)
    a = data.draw(st.integers(0, n - 1))
    b = data.draw(st.integers(a, n - 1))
    chosen = blocks_touching(layout, [(a, b)])
    owners = {token: block for _, token, _, block in full.chars if token is not None}
    assert {f"blk{k}" for k in chosen} == {owners[i] for i in range(a, b + 1)}
    part = read("".join(render_blocks(layout, spans, LABELS, NAMES, chosen, oob=True)))
    expected = [c for c in full.chars if c[3] in {f"blk{k}" for k in chosen}]
    assert part.chars == expected


def test_blocks_start_at_sentences_and_cover_every_token():
    text = " ".join(["Das ist ein Satz mit einigen Wörtern darin."] * 40)
    analysis = analyse(text, "de")
    layout = text_layout(text, analysis.starts, analysis.ends, analysis.sentences)
    assert layout.block_starts[0] == 0
    assert set(layout.block_starts.tolist()) <= set(analysis.sentences.tolist()) | {0}
    assert len(layout.block_starts) > 3
    reader = read(render_text(layout, [], LABELS, NAMES))
    assert {t for _, t, _, _ in reader.chars if t is not None} == set(range(len(analysis.starts)))


def test_label_masks_gap_between_adjacent_same_label_spans():
    tokens, gaps = label_masks(6, [SpanRange("A", 0, 1), SpanRange("A", 2, 3)], LABELS)
    assert tokens.tolist() == [1, 1, 1, 1, 0, 0]
    assert gaps.tolist() == [1, 0, 1, 0, 0, 0]


def test_label_css_gives_every_label_its_own_underline_slot():
    css = label_css(["#112233", "#445566"])
    assert ".l0{--u0:#112233" in css and ".l1{--u1:#445566" in css
    assert "calc(100% - 0px)" in css and "calc(100% - 4px)" in css
    assert "padding-bottom:8px" in css


def test_escaping_and_titles():
    text = 'a <script>alert("x")</script> & b'
    analysis = analyse(text, "de")
    layout = text_layout(text, analysis.starts, analysis.ends, analysis.sentences)
    html = str(render_text(layout, [SpanRange("B", 0, 2)], LABELS, ["<i>", "B&B", "C"]))
    assert "<script" not in html and "&lt;" in html
    assert "".join(c for c, *_ in read(html).chars) == text
    assert 'title="B&amp;B"' in html
    assert unescape(html).count("alert") == 1


def test_excerpt_shortens_in_the_middle():
    text = "Anfang " + "x" * 300 + " Ende\n"
    assert excerpt(text, 0, len(text)).startswith("Anfang")
    assert excerpt(text, 0, len(text)).endswith("Ende")
    assert len(excerpt(text, 0, len(text))) <= 90
    assert excerpt("a\n b", 0, 4) == "a b"


def assert_cut_at_words(got: str, body: str, limit: int) -> None:
    """`got` is whole leading words, " … ", whole trailing words of `body`, within `limit`."""
    assert len(got) <= limit
    head, sep, tail = got.partition(" … ")
    assert sep
    words = body.split(" ")
    head_words, tail_words = head.split(" "), tail.split(" ")
    # Whole words; a first (last) word is cut only when it alone is longer than its share.
    if len(head_words) > 1 or head == words[0]:
        assert words[: len(head_words)] == head_words, got
    else:
        assert words[0].startswith(head) and len(words[0]) > (limit - 3) // 2, got
    if len(tail_words) > 1 or tail == words[-1]:
        assert words[len(words) - len(tail_words) :] == tail_words, got
    else:
        assert words[-1].endswith(tail) and len(words[-1]) > limit - 3 - len(head), got


def test_excerpt_cuts_at_word_boundaries_in_corpus_text():
    text = (CORPUS / "000_1c727f8edef44210.txt").read_text(encoding="utf-8")
    start = text.index("Russland wiederum")
    end = text.index("angewiesen ist.") + len("angewiesen ist.")
    body = " ".join(text[start:end].split())
    for limit in (40, 90, 120, 200):
        got = excerpt(text, start, end, limit)
        assert_cut_at_words(got, body, limit)
    # The reviewer's example: the default cut left "Rekrutieru" and "l mittlerweile".
    got = excerpt(text, start, end)
    assert "Rekrutieru " not in got and " l " not in got


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text("abcäöüß.,–", min_size=1, max_size=25), min_size=1, max_size=40),
    st.integers(5, 150),
)
def test_excerpt_never_exceeds_the_limit_and_keeps_whole_words(words, limit):
    body = " ".join(words)
    got = excerpt("\n" + body.replace(" ", " \n ") + " ", 0, len(body) * 3 + 2, limit)
    if len(body) <= limit:
        assert got == body
    else:
        assert_cut_at_words(got, body, limit)


def test_excerpt_cuts_a_single_long_word():
    word = "Rekrutierungsproblemen" * 10
    got = excerpt(word, 0, len(word), 30)
    assert len(got) <= 30 and " … " in got
    head, _, tail = got.partition(" … ")
    assert word.startswith(head) and word.endswith(tail) and head and tail


def test_empty_layout():
    layout = text_layout(
        "", np.array([], dtype=np.int32), np.array([], dtype=np.int32), np.array([])
    )
    assert str(render_text(layout, [], LABELS, NAMES)) == ""
