"""The export record (DESIGN section 7): schema, invariants, hashes, writers, round trips."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema
import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokens import DocBin

from annotator.core.records import SpanData, Token
from annotator.core.tokenize import analyse, canonical_text
from annotator.formats.doccano import read_doccano, write_doccano
from annotator.formats.export_record import input_hash, jsonl_record, task_hash, write_jsonl
from annotator.formats.prodigy import read_prodigy
from annotator.formats.ptc import read_ptc, write_ptc
from annotator.formats.spacy_docbin import write_docbin

ROOT = Path(__file__).resolve().parents[1]
CORPUS = sorted((ROOT / "corpus").glob("*.txt"))
SCHEMA = json.loads((ROOT / "schema" / "export.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
LABELS = ("STATE_PROPAGANDA", "INTEL_ESTIMATE", "EDITORIAL_FRAMING")
SPANCAT_CONFIG = Path(__file__).resolve().parent / "fixtures" / "formats" / "spancat.cfg"


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """Reference MurmurHash3 x86 32-bit (Austin Appleby's algorithm), signed like Prodigy's."""
    c1, c2, mask = 0xCC9E2D51, 0x1B873593, 0xFFFFFFFF

    def rotl(x, r):
        return ((x << r) | (x >> (32 - r))) & mask

    h = seed
    body = len(data) // 4 * 4
    for i in range(0, body, 4):
        k = rotl(int.from_bytes(data[i : i + 4], "little") * c1 & mask, 15) * c2 & mask
        h = (rotl(h ^ k, 13) * 5 + 0xE6546B64) & mask
    k = 0
    for i, byte in enumerate(data[body:]):
        k |= byte << (8 * i)
    if len(data) > body:
        h ^= rotl(k * c1 & mask, 15) * c2 & mask
    h ^= len(data)
    h ^= h >> 16
    h = h * 0x85EBCA6B & mask
    h ^= h >> 13
    h = h * 0xC2B2AE35 & mask
    h ^= h >> 16
    return h - (1 << 32) if h >= 1 << 31 else h


def token_aligned_spans(text: str, tokens: list[Token], every: int = 7) -> list[SpanData]:
    """Spans of 1-3 non-space tokens starting at every `every`-th word token, labels cycling."""
    words = [i for i, t in enumerate(tokens) if text[t.start : t.end].strip()]
    spans = []
    for n, i in enumerate(words[::every]):
        pos = words.index(i)
        j = words[min(pos + n % 3, len(words) - 1)]
        label = LABELS[n % 3]
        spans.append(SpanData(tokens[i].start, tokens[j].end, i, j, label))
    return spans


def corpus_records(annotator: str = "alice") -> list[dict]:
    records = []
    for doc_id, path in enumerate(CORPUS, start=1):
        text = canonical_text(path.read_text(encoding="utf-8"))
        tokens = analyse(text).tokens()
        records.append(
            jsonl_record(
                text=text,
                document_id=doc_id,
                external_id=path.name,
                title=text.split("\n", 1)[0],
                tokens=tokens,
                spans=token_aligned_spans(text, tokens),
                annotator=annotator,
                schema_version=3,
            )
        )
    return records


def test_murmur_reference_matches_published_vectors():
    # SMHasher / Wikipedia test vectors for MurmurHash3_x86_32
    assert murmur3_32(b"", 0) == 0
    assert murmur3_32(b"", 1) == 0x514E28B7
    assert murmur3_32(b"hello") == 0x248BFA47
    assert murmur3_32(b"The quick brown fox jumps over the lazy dog") == 0x2E4FF723


def test_corpus_records_are_valid_and_keep_prodigy_invariants():
    records = corpus_records()
    assert len(records) == 5
    for record in records:
        VALIDATOR.validate(record)
        text, tokens = record["text"], record["tokens"]
        assert record["spans"], "every corpus document gets spans"
        for i, token in enumerate(tokens):
            assert token["id"] == i and text[token["start"] : token["end"]] == token["text"]
        # tokens + ws rebuild the text exactly (spaCy's Doc invariant)
        assert "".join(t["text"] + (" " if t["ws"] else "") for t in tokens) == text
        for span in record["spans"]:
            assert span["label"] in LABELS
            assert tokens[span["token_start"]]["start"] == span["start"]
            assert tokens[span["token_end"]]["end"] == span["end"]
            assert text[span["start"] : span["end"]].strip() == text[span["start"] : span["end"]]


def test_hashes_follow_the_documented_construction():
    text = "Kim Jong-un – „Neonazi-Besatzer“ 😀"
    spans = [
        {"start": 4, "end": 11, "label": "X", "note": "n"},
        {"start": 0, "end": 3, "label": "Y"},
    ]
    payload = json.dumps({"text": text}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert input_hash(text) == murmur3_32(payload.encode("utf-8"))
    core = '{"spans":[{"end":3,"label":"Y","start":0},{"end":11,"label":"X","start":4}]}'
    assert task_hash(text, spans) == murmur3_32(f"{input_hash(text)}{core}".encode())
    # order, notes and attributes do not change the task hash; other spans or text do
    assert task_hash(text, spans[::-1]) == task_hash(text, [dict(s, note=None) for s in spans])
    assert task_hash(text, spans[:1]) != task_hash(text, spans)
    assert input_hash(text + " ") != input_hash(text)


def test_schema_is_strict():
    record = corpus_records()[0]
    broken = [
        {**record, "extra": 1},
        {**record, "meta": {k: v for k, v in record["meta"].items() if k != "document_id"}},
        {**record, "tokens": [{**record["tokens"][0], "pos": "X"}]},
        {**record, "spans": [{**record["spans"][0], "score": 0.5}]},
        {**record, "spans": [{**record["spans"][0], "attributes": {}}]},
        {**record, "answer": "maybe"},
        {**record, "_view_id": "ner"},
        {k: v for k, v in record.items() if k != "_timestamp"},
        {**record, "_input_hash": 2**31},
        {k: v for k, v in record.items() if k != "_task_hash"},
    ]
    for bad in broken:
        assert not VALIDATOR.is_valid(bad)


def test_attributes_and_note_only_when_set():
    text = "Der Kreml sagt."
    tokens = analyse(text).tokens()
    record = jsonl_record(
        text=text,
        document_id=1,
        external_id=None,
        title=None,
        tokens=tokens,
        spans=[
            SpanData(4, 9, 1, 1, "STATE_PROPAGANDA", {"speaker": "Kreml"}, "sic"),
            SpanData(0, 3, 0, 0, "EDITORIAL_FRAMING", {}, None),
        ],
        annotator="gold",
        schema_version=1,
    )
    VALIDATOR.validate(record)
    assert record["spans"] == [
        {"start": 0, "end": 3, "token_start": 0, "token_end": 0, "label": "EDITORIAL_FRAMING"},
        {
            "start": 4,
            "end": 9,
            "token_start": 1,
            "token_end": 1,
            "label": "STATE_PROPAGANDA",
            "attributes": {"speaker": "Kreml"},
            "note": "sic",
        },
    ]


# --- round trips -------------------------------------------------------------------------------

WORD = st.text(alphabet="abcäöüßXYZ019.,;:!?„“\"'()–-😀é", min_size=1, max_size=8)
GAP = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", " \n ", "\t"])


@st.composite
def documents(draw):
    words = draw(st.lists(WORD, min_size=1, max_size=25))
    gaps = draw(st.lists(GAP, min_size=len(words), max_size=len(words)))
    lead = draw(st.sampled_from(["", "\n", "  "]))
    text = lead + "".join(w + g for w, g in zip(words, gaps, strict=True))
    tokens = analyse(text).tokens()
    word_ids = [i for i, t in enumerate(tokens) if text[t.start : t.end].strip()]
    spans = []
    for _ in range(draw(st.integers(0, 6))):
        a, b = sorted(draw(st.lists(st.sampled_from(word_ids), min_size=2, max_size=2)))
        attributes = draw(st.none() | st.fixed_dictionaries({"speaker": st.text(max_size=5)}))
        note = draw(st.none() | st.text(max_size=10))
        spans.append(
            SpanData(
                tokens[a].start,
                tokens[b].end,
                a,
                b,
                draw(st.sampled_from(LABELS)),
                attributes,
                note,
            )
        )
    annotator = draw(st.sampled_from(["alice", "bob", "gold", "Zoë"]))
    return text, tokens, spans, annotator


def span_key(s):
    attributes = json.dumps(s.attributes or None, sort_keys=True)
    return (s.start, s.end, s.label, attributes, s.note is None, s.note or "")


@settings(max_examples=60, deadline=None)
@given(documents(), st.integers(1, 10**6))
def test_jsonl_round_trip_through_the_prodigy_reader(doc, document_id):
    text, tokens, spans, annotator = doc
    record = jsonl_record(
        text=text,
        document_id=document_id,
        external_id=f"ext-{document_id}",
        title="Titel",
        tokens=tokens,
        spans=spans,
        annotator=annotator,
        schema_version=1,
    )
    VALIDATOR.validate(record)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            assert write_jsonl([record], fh) == 1
        (back,) = read_prodigy(path)
    assert back.text == text
    assert (back.external_id, back.title, back.annotator, back.done) == (
        f"ext-{document_id}",
        "Titel",
        annotator,
        True,
    )
    assert back.meta == {"document_id": document_id}
    assert sorted(map(span_key, back.spans)) == sorted(map(span_key, spans))


def test_doccano_round_trip(tmp_path):
    records = corpus_records("bob")
    path = tmp_path / "d.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        assert write_doccano(records, fh) == 5
    back = list(read_doccano(path))
    for record, read in zip(records, back, strict=True):
        assert read.text == record["text"] and read.annotator == "bob" and read.done
        assert read.external_id == record["meta"]["external_id"]
        assert [(s.start, s.end, s.label) for s in read.spans] == [
            (s["start"], s["end"], s["label"]) for s in record["spans"]
        ]


def test_ptc_round_trip_and_one_annotator_only(tmp_path):
    records = corpus_records("gold")
    assert write_ptc(records, tmp_path / "ptc") == 5
    back = list(read_ptc(tmp_path / "ptc"))
    for record, read in zip(records, back, strict=True):
        assert read.text == record["text"]
        assert read.external_id == f"article{record['meta']['document_id']}"
        assert [(s.start, s.end, s.label) for s in read.spans] == [
            (s["start"], s["end"], s["label"]) for s in record["spans"]
        ]
    with pytest.raises(ValueError, match="one annotator"):
        write_ptc(records + corpus_records("alice")[:1], tmp_path / "again")


def _read_docbin(path: Path):
    vocab = spacy.blank("de").vocab
    return list(DocBin().from_disk(path).get_docs(vocab))


def test_docbin_keeps_text_and_spans(tmp_path):
    records = corpus_records()
    assert write_docbin(records, tmp_path / "train.spacy") == 5
    docs = _read_docbin(tmp_path / "train.spacy")
    for record, doc in zip(records, docs, strict=True):
        assert doc.text == record["text"]
        assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["sc"]] == [
            (s["start"], s["end"], s["label"]) for s in record["spans"]
        ]


def test_docbin_shards(tmp_path):
    records = corpus_records()
    assert write_docbin(iter(records), tmp_path / "shards", shard_size=2) == 5
    files = sorted((tmp_path / "shards").iterdir())
    assert [f.name for f in files] == ["part-00000.spacy", "part-00001.spacy", "part-00002.spacy"]
    texts = [doc.text for f in files for doc in _read_docbin(f)]
    assert texts == [r["text"] for r in records]


def test_docbin_refuses_a_corrupt_record(tmp_path):
    record = corpus_records()[0]
    shifted = {**record, "spans": [{**record["spans"][0], "end": record["spans"][0]["end"] + 1}]}
    with pytest.raises(ValueError, match="does not match tokens"):
        write_docbin([shifted], tmp_path / "x.spacy")
    retexted = {**record, "text": record["text"] + "!"}
    with pytest.raises(ValueError, match="do not rebuild the text"):
        write_docbin([retexted], tmp_path / "y.spacy")


def test_write_jsonl_streams_one_line_per_record():
    records = corpus_records()
    out = io.StringIO()
    assert write_jsonl(iter(records), out) == 5
    lines = out.getvalue().split("\n")
    assert lines[-1] == "" and [json.loads(line) for line in lines[:-1]] == records


@pytest.mark.slow
def test_spacy_train_consumes_the_docbin_export(tmp_path):
    """The five corpus articles with token-aligned spans of our three labels train a spancat."""
    records = corpus_records()
    assert {s["label"] for r in records for s in r["spans"]} == set(LABELS)
    write_docbin(records[:4], tmp_path / "train.spacy")
    write_docbin(records[4:], tmp_path / "dev.spacy")
    assert len(DocBin().from_disk(tmp_path / "train.spacy")) == 4
    out = tmp_path / "model"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "train",
            str(SPANCAT_CONFIG),
            "--output",
            str(out),
            "--paths.train",
            str(tmp_path / "train.spacy"),
            "--paths.dev",
            str(tmp_path / "dev.spacy"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (out / "model-last" / "config.cfg").is_file()
    assert (out / "model-last" / "spancat").is_dir()
    # the trained pipeline knows our labels: spaCy read them from doc.spans["sc"]
    nlp = spacy.load(out / "model-last")
    assert set(nlp.get_pipe("spancat").labels) == set(LABELS)
    assert nlp.get_pipe("spancat").cfg["spans_key"] == "sc"
