"""spaCy `DocBin` export: the record's own tokens, spans in `doc.spans["sc"]`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import spacy
from spacy.tokens import Doc, DocBin, Span
from spacy.vocab import Vocab

SPANS_KEY = "sc"  # spancat's default spans_key


def record_doc(record: dict[str, Any], vocab: Vocab) -> Doc:
    """A spaCy Doc of one export record, built from its tokens so that offsets stay exact.

    Raises ValueError when the tokens do not rebuild the text or a span's token indices do not
    give its character offsets (a corrupt record must not become silently shifted training data).
    """
    tokens = record["tokens"]
    doc = Doc(vocab, words=[t["text"] for t in tokens], spaces=[bool(t["ws"]) for t in tokens])
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
    vocab = spacy.blank(lang).vocab
    docbin = DocBin(attrs=[], store_user_data=True)
    count = shard = tokens = 0
    folder = shard_size is not None
    for record in records:
        docbin.add(record_doc(record, vocab))
        count += 1
        tokens += len(record["tokens"])
        full = (
            len(docbin) >= shard_size
            if shard_size is not None
            else auto_shard and tokens >= AUTO_SHARD_TOKENS
        )
        if full:
            if not folder:  # the single file becomes a folder of shards
                if path.exists():
                    path.unlink()
                path.mkdir(parents=True)
                folder = True
            docbin.to_disk(path / f"part-{shard:05d}.spacy")
            shard += 1
            tokens = 0
            docbin = DocBin(attrs=[], store_user_data=True)
            vocab = Vocab(strings=[])
    if not folder:
        docbin.to_disk(path)
    elif len(docbin) or shard == 0:
        docbin.to_disk(path / f"part-{shard:05d}.spacy")
    return count
