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


def write_docbin(
    records: Iterable[dict[str, Any]],
    path: Path,
    lang: str = "de",
    *,
    shard_size: int | None = None,
) -> int:
    """Write export records as spaCy `.spacy` data; returns the number of documents.

    With `shard_size` None, `path` is one `.spacy` file (a DocBin holds its documents in memory
    until saved, compactly: a few bytes per token). With `shard_size` N, `path` is a folder
    of `part-00000.spacy`, ... of N documents each, so memory stays flat for any corpus size;
    `spacy train` reads such a folder as a corpus path directly.
    """
    path = Path(path)
    vocab = spacy.blank(lang).vocab
    if shard_size is not None:
        if shard_size < 1:
            raise ValueError("shard_size must be at least 1")
        path.mkdir(parents=True, exist_ok=True)
    docbin = DocBin(attrs=[], store_user_data=True)
    count = shard = 0
    for record in records:
        docbin.add(record_doc(record, vocab))
        count += 1
        if shard_size is not None and len(docbin) >= shard_size:
            docbin.to_disk(path / f"part-{shard:05d}.spacy")
            shard += 1
            docbin = DocBin(attrs=[], store_user_data=True)
    if shard_size is None:
        docbin.to_disk(path)
    elif len(docbin) or shard == 0:
        docbin.to_disk(path / f"part-{shard:05d}.spacy")
    return count
