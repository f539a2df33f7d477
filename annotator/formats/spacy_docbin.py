"""spaCy `DocBin` export: the record's own tokens, spans in `doc.spans["sc"]`.

`record_doc` is the Doc of one record; `write_docbin` writes the bytes spaCy's own DocBin of
those Docs would hold, without building them.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import spacy
import srsly
from spacy.tokens import Doc, DocBin, Span
from spacy.vocab import Vocab

from annotator.formats.export_record import TokenColumns

SPANS_KEY = "sc"  # spancat's default spans_key


def record_doc(record: dict[str, Any], vocab: Vocab) -> Doc:
    """A spaCy Doc of one export record, built from its tokens so that offsets stay exact.

    Raises ValueError when the tokens do not rebuild the text or a span's token indices do not
    give its character offsets (a corrupt record must not become silently shifted training data).
    """
    words, spaces = words_and_spaces(record["tokens"])
    doc = Doc(vocab, words=words, spaces=spaces)
    if doc.text != record["text"]:
        raise ValueError(
            f"document {record['meta']['document_id']}: the tokens do not rebuild the text"
        )
    spans = []
    for s in record["spans"]:
        span = Span(doc, s["token_start"], s["token_end"] + 1, label=s["label"])
        if (span.start_char, span.end_char) != (s["start"], s["end"]):
            raise ValueError(
                f"document {record['meta']['document_id']}: span {s['start']}-{s['end']} "
                f"does not match tokens {s['token_start']}-{s['token_end']}"
            )
        spans.append(span)
    doc.spans[SPANS_KEY] = spans
    doc.user_data["meta"] = dict(record["meta"])
    doc.user_data["annotator"] = record.get("_annotator_id")
    return doc


# Past this many tokens a spaCy export becomes a folder of DocBins on its own (a DocBin and the
# vocabulary's string store grow with everything added until saved): about 1,000 documents of
# 800 tokens, some 10 MB of DocBin per shard.
AUTO_SHARD_TOKENS = 800_000


class _Shard:
    """One DocBin filled from export records directly, byte for byte what `DocBin.add` of
    `record_doc` gives, without building a Doc per record.

    `DocBin.add` walks every token in Python (nine strings each) and packs three msgpack
    messages per Doc through a fresh packer that looks up srsly's entry points each time: some
    5 ms per 800-token record. Here the words, their hashes and strings are worked out once
    per document (its annotators' records share the token list) and one packer is reused.
    tests/test_export_scale.py compares the bytes with spaCy's own DocBin.
    """

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.docbin = DocBin(attrs=[], store_user_data=True)
        self.packer = srsly.msgpack.Packer(use_bin_type=True)  # srsly.msgpack_dumps's settings
        self._tokens: list | None = None  # the token list of the document last added
        self._orths = self._spaces = np.zeros((0, 1), dtype=np.uint64)
        self._starts: list[int] = []
        self._ends: list[int] = []

    def __len__(self) -> int:
        return len(self.docbin)

    def add(self, record: dict[str, Any]) -> None:
        """Add one export record's Doc (ValueError for a corrupt record, as `record_doc`)."""
        tokens = record["tokens"]
        if tokens is not self._tokens:
            self._document(record)
            self._tokens = tokens
        where = f"document {record['meta']['document_id']}"
        strings = self.vocab.strings
        packed = []
        for s in record["spans"]:
            first, last = s["token_start"], s["token_end"]
            if not (0 <= first <= last < len(self._starts)) or (
                self._starts[first],
                self._ends[last],
            ) != (s["start"], s["end"]):
                raise ValueError(
                    f"{where}: span {s['start']}-{s['end']} does not match tokens {first}-{last}"
                )
            label = s["label"]
            self.docbin.strings.add(label)
            # id and kb_id 0, as a Span made without them (SpanGroup.to_bytes's layout)
            packed.append(
                struct.pack(
                    ">QQQllll", 0, 0, strings.add(label), first, last + 1, s["start"], s["end"]
                )
            )
        group = self.packer.pack({"name": SPANS_KEY, "attrs": {}, "spans": packed})
        docbin = self.docbin
        docbin.tokens.append(self._orths)
        docbin.spaces.append(self._spaces)
        docbin.flags.append({"has_unknown_spaces": False})
        docbin.cats.append({})
        user_data = {"meta": dict(record["meta"]), "annotator": record.get("_annotator_id")}
        docbin.user_data.append(self.packer.pack(user_data))
        docbin.span_groups.append(self.packer.pack({group: [SPANS_KEY]}))

    def _document(self, record: dict[str, Any]) -> None:
        """The words of a record's text: hashes, spaces, character offsets and strings."""
        words, spaces = words_and_spaces(record["tokens"])
        where = f"document {record['meta']['document_id']}"
        text = [""] * (2 * len(words))  # word, space, word, ...: Doc.text
        text[::2] = words
        text[1::2] = map(_SPACE.__getitem__, spaces)
        if "".join(text) != record["text"]:
            raise ValueError(f"{where}: the tokens do not rebuild the text")
        if "" in words:
            raise ValueError(f"{where}: an empty token")
        orth, strings = {}, self.docbin.strings
        for word in set(words):
            lexeme = self.vocab[word]
            orth[word] = lexeme.orth
            strings.add(word)
            strings.add(lexeme.norm_)
        if words:
            strings.add("")  # the tag, lemma, morph, dep and entity strings of a bare Doc
        n = len(words)
        self._orths = np.fromiter(map(orth.__getitem__, words), np.uint64, n).reshape(-1, 1)
        space = np.array(spaces, dtype=bool)
        self._spaces = space.reshape(-1, 1)
        lengths = np.fromiter(map(len, words), np.int64, n)
        ends = np.cumsum(lengths + space) - space  # the Doc's character offsets
        self._ends = ends.tolist()
        self._starts = (ends - lengths).tolist()


def words_and_spaces(tokens: list[dict[str, Any]] | TokenColumns) -> tuple[list, list]:
    """The words and their trailing-space flags of a record's tokens (dicts or columns)."""
    if isinstance(tokens, TokenColumns):
        return tokens.words(), [bool(ws) for ws in tokens.ws]
    return list(map(_TEXT, tokens)), [bool(ws) for ws in map(_WS, tokens)]


_TEXT, _WS = itemgetter("text"), itemgetter("ws")
_SPACE = ("", " ")  # by a token's bool `ws`


def write_docbin(
    records: Iterable[dict[str, Any]],
    path: Path,
    lang: str = "de",
    *,
    shard_size: int | None = None,
    auto_shard: bool = True,
) -> int:
    """Write export records as spaCy `.spacy` data; returns the number of documents.

    With `shard_size` N, `path` is a folder of `part-00000.spacy`, ... of N documents each.
    Without it, `path` is one `.spacy` file while the records hold fewer than
    AUTO_SHARD_TOKENS tokens; past that (unless `auto_shard` is off) it turns into such a
    folder with shards of about AUTO_SHARD_TOKENS tokens, so memory stays flat for any corpus
    size. `spacy train` reads a folder as a corpus path directly. Every shard starts from a
    fresh vocabulary: the string store would otherwise keep every word of the corpus.
    """
    path = Path(path)
    if shard_size is not None:
        if shard_size < 1:
            raise ValueError("shard_size must be at least 1")
        path.mkdir(parents=True, exist_ok=True)
    shard = _Shard(spacy.blank(lang).vocab)
    count = number = tokens = 0
    folder = shard_size is not None
    for record in records:
        shard.add(record)
        count += 1
        tokens += len(record["tokens"])
        full = (
            len(shard) >= shard_size
            if shard_size is not None
            else auto_shard and tokens >= AUTO_SHARD_TOKENS
        )
        if full:
            if not folder:  # the single file becomes a folder of shards
                if path.exists():
                    path.unlink()
                path.mkdir(parents=True)
                folder = True
            shard.docbin.to_disk(path / f"part-{number:05d}.spacy")
            number += 1
            tokens = 0
            shard = _Shard(Vocab(strings=[]))
    if not folder:
        shard.docbin.to_disk(path)
    elif len(shard) or number == 0:
        shard.docbin.to_disk(path / f"part-{number:05d}.spacy")
    return count
