"""Issue 18: exports in flat memory. The spaCy export becomes a folder of DocBins on its own
past AUTO_SHARD_TOKENS (what `spacy train` reads); JSONL lines stay exactly json.dumps of the
record when the annotators of a document share its encoded tokens."""

from __future__ import annotations

import io
import json
import random

import spacy
from click.testing import CliRunner
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from annotator.cli import main
from annotator.core.labels import load_label_scheme
from annotator.formats import spacy_docbin
from annotator.formats.export_record import (
    TokenColumns,
    encode_tokens,
    token_dicts,
    write_jsonl,
)
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.services.exports import export_records
from annotator.store import users as user_store
from tests import test_export

corpus_db = test_export.corpus_db  # the fixture: a small corpus with anna, ben and gold


def _docs_in(path) -> list:
    vocab = spacy.blank("de").vocab
    files = sorted(path.glob("*.spacy")) if path.is_dir() else [path]
    return [doc for f in files for doc in DocBin().from_disk(f).get_docs(vocab)]


def test_spacy_export_shards_on_its_own_past_the_size(corpus_db, db_path, tmp_path, monkeypatch):
    records = list(export_records(corpus_db, gold=True))
    tokens = [len(r["tokens"]) for r in records]
    # A threshold two records' worth of tokens: the four records make two or more shards.
    monkeypatch.setattr(spacy_docbin, "AUTO_SHARD_TOKENS", tokens[0] + tokens[1])
    out = tmp_path / "train.spacy"
    args = ["export", "--format", "spacy", "--all", "--gold", "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert out.is_dir()
    shards = sorted(p.name for p in out.iterdir())
    assert shards[0] == "part-00000.spacy" and len(shards) >= 2
    docs = _docs_in(out)
    assert [(d.user_data["meta"]["document_id"], d.user_data["annotator"]) for d in docs] == [
        (r["meta"]["document_id"], r["_annotator_id"]) for r in records
    ]
    assert [d.text for d in docs] == [r["text"] for r in records]
    assert [[(s.start_char, s.end_char, s.label_) for s in d.spans["sc"]] for d in docs] == [
        [(s["start"], s["end"], s["label"]) for s in r["spans"]] for r in records
    ]
    # Exporting again over the single file of an earlier small export replaces it.
    monkeypatch.setattr(spacy_docbin, "AUTO_SHARD_TOKENS", 10**9)
    small = tmp_path / "small.spacy"
    assert CliRunner().invoke(main, [*args[:-1], str(small), "--db", str(db_path)]).exit_code == 0
    assert small.is_file() and len(_docs_in(small)) == len(records)
    monkeypatch.setattr(spacy_docbin, "AUTO_SHARD_TOKENS", tokens[0])
    again = CliRunner().invoke(main, [*args[:-1], str(small), "--db", str(db_path)])
    assert again.exit_code == 0, again.output
    assert small.is_dir() and len(_docs_in(small)) == len(records)


def test_spacy_download_stays_one_file(corpus_db, client, monkeypatch):
    from tests.test_review import log_in_with_csrf

    monkeypatch.setattr(spacy_docbin, "AUTO_SHARD_TOKENS", 1)
    lead = log_in_with_csrf(client, "lea")
    response = lead.get("/review/export?format=spacy&layer=anna")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    data = response.data
    response.close()
    docs = list(DocBin().from_bytes(data).get_docs(spacy.blank("de").vocab))
    assert len(docs) == 2


def test_jsonl_lines_equal_json_dumps_with_shared_tokens(corpus_db):
    rng = random.Random(3)
    ben = user_store.get_user(corpus_db, "ben")
    for _ in range(3):
        start = rng.randrange(0, 50)
        span = SpanInput("INTEL_ESTIMATE", token_start=start, token_end=start)
        create_span(corpus_db, load_label_scheme(), ben, 2, span)
    set_document_status(corpus_db, ben, 2, "done")
    records = list(export_records(corpus_db))
    assert [r["meta"]["document_id"] for r in records] == [1, 1, 2, 2]
    assert records[2]["tokens"] is records[3]["tokens"]  # one list per document
    sink = io.StringIO()
    write_jsonl(records, sink)
    assert sink.getvalue() == "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    # What the command line and the download write: records with the stored token columns.
    columns = list(export_records(corpus_db, token_columns=True))
    assert isinstance(columns[0]["tokens"], TokenColumns)
    from_columns = io.StringIO()
    write_jsonl(columns, from_columns)
    assert from_columns.getvalue() == sink.getvalue()


def test_tokens_are_encoded_as_json_dumps_encodes_them():
    # The direct formatter of the token list must give json.dumps's characters for every text:
    # quotes, backslashes, control characters, newlines, non-ASCII, astral and separator chars.
    text = 'Er sagte „nein“ und "ja" \\ C:\\pfad\n\n\ttab \x01\x1f ß 😀 \u2028 {"x": 1} ,: Ende'
    starts, ends, ws = [], [], []
    for i, word in enumerate(text.split(" ")):
        start = text.index(word, ends[-1] if ends else 0)
        starts.append(start)
        ends.append(start + len(word))
        ws.append(i % 2 == 0)
    tokens = token_dicts(text, starts, ends, ws)
    assert encode_tokens(tokens) == json.dumps(tokens, ensure_ascii=False)
    assert encode_tokens(list(tokens)) == json.dumps(tokens, ensure_ascii=False)
    assert encode_tokens(TokenColumns(text, starts, ends, ws)) == encode_tokens(tokens)
    assert encode_tokens(token_dicts("", [], [], [])) == "[]"
    assert json.loads(encode_tokens(tokens)) == tokens


def _spacy_docbins(records, shard_size):
    """What the writer wrote before it filled DocBins itself: DocBin.add of record_doc, a
    German vocabulary for the first shard and a fresh empty one for each later shard."""
    vocab, shards = spacy.blank("de").vocab, []
    for start in range(0, len(records), shard_size):
        docbin = DocBin(attrs=[], store_user_data=True)
        for record in records[start : start + shard_size]:
            docbin.add(spacy_docbin.record_doc(record, vocab))
        shards.append(docbin.to_bytes())
        vocab = Vocab(strings=[])
    return shards


def test_docbin_bytes_are_spacys_own(corpus_db, tmp_path):
    from annotator.services.comments import comment_on_document

    comment_on_document(corpus_db, user_store.get_user(corpus_db, "anna"), 1, "Zählt das „so“?")
    records = list(export_records(corpus_db, gold=True, done_only=False))
    assert len(records) >= 5 and any("\n" in r["text"] for r in records)
    assert any(r["meta"].get("notes") for r in records)
    one = tmp_path / "one.spacy"
    assert spacy_docbin.write_docbin(records, one) == len(records)
    assert [one.read_bytes()] == _spacy_docbins(records, len(records))
    shards = tmp_path / "shards"
    assert spacy_docbin.write_docbin(records, shards, shard_size=2) == len(records)
    written = [p.read_bytes() for p in sorted(shards.iterdir())]
    assert written == _spacy_docbins(records, 2)
    # What the command line and the downloads pass: the stored token columns, not dicts.
    columns = list(export_records(corpus_db, gold=True, done_only=False, token_columns=True))
    assert all(isinstance(r["tokens"], TokenColumns) for r in columns)
    again = tmp_path / "columns.spacy"
    assert spacy_docbin.write_docbin(columns, again) == len(records)
    assert again.read_bytes() == one.read_bytes()
    tokens = [r["tokens"] for r in columns]
    assert [token_dicts(t.text, t.starts, t.ends, t.ws) for t in tokens] == [
        r["tokens"] for r in records
    ]
    # (a layer with no status yet is stamped with the time of the export)
    same = {"tokens": None, "_timestamp": None}
    assert [{**r, **same} for r in columns] == [{**r, **same} for r in records]
