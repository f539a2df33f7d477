"""Import of text files, folders and {"text", "meta"} JSONL; bad input changes nothing."""

from __future__ import annotations

import hashlib
import json
import unicodedata

import pytest

from annotator import store
from annotator.formats.base import ImportedSpan, ImportFormatError, ImportRecord
from annotator.services.imports import import_paths, import_records
from annotator.store.spans import list_spans
from tests.conftest import CORPUS


@pytest.fixture
def empty_db(tmp_path):
    db = store.connect(tmp_path / "i.db")
    yield db
    db.conn.close()


def test_corpus_folder_imports_with_tokens_and_dedupes(empty_db):
    report = import_paths(empty_db, [CORPUS])
    assert (report.documents_added, report.documents_skipped) == (5, 0)
    again = import_paths(empty_db, [CORPUS])
    assert (again.documents_added, again.documents_skipped) == (0, 5)
    doc = store.get_document(empty_db, 1)
    source = (CORPUS / doc.external_id).read_text(encoding="utf-8")
    assert doc.text == source
    assert doc.text_sha256 == hashlib.sha256(source.encode()).hexdigest()
    assert doc.title == source.splitlines()[0]
    tokens = store.get_tokens(empty_db, doc.id)
    assert len(tokens) > 100
    # Every non-whitespace character is inside exactly one token.
    covered = set()
    for s, e in tokens.pairs():
        covered.update(range(s, e))
    assert all(i in covered for i, c in enumerate(doc.text) if not c.isspace())


def test_text_is_canonicalised_nfc_and_newlines(empty_db, tmp_path):
    decomposed = unicodedata.normalize("NFD", "Grüße aus Kursk")
    path = tmp_path / "crlf.txt"
    path.write_bytes(f"\n{decomposed}\r\nZweite Zeile\r„Zitat“ – Ende\n".encode())
    import_paths(empty_db, [path])
    text = store.get_document(empty_db, 1).text
    assert text == "\nGrüße aus Kursk\nZweite Zeile\n„Zitat“ – Ende\n"
    assert unicodedata.is_normalized("NFC", text)


def test_jsonl_with_meta(empty_db, tmp_path):
    path = tmp_path / "docs.jsonl"
    lines = [
        {"text": "Erster Text.", "meta": {"id": "a-1", "title": "Eins"}},
        {"text": "Zweiter Text."},
        {"text": "Erster Text.", "meta": {"id": "dup"}},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    report = import_paths(empty_db, [path])
    assert (report.documents_added, report.documents_skipped) == (2, 1)
    first = store.document_by_external_id(empty_db, "a-1")
    assert first.title == "Eins" and first.meta == {"id": "a-1", "title": "Eins"}
    assert store.document_by_external_id(empty_db, "docs.jsonl:2").text == "Zweiter Text."


def _bad_inputs(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Grüße\nKöln".encode("latin-1"))
    not_json = tmp_path / "bad.jsonl"
    not_json.write_text('{"text": "gut"}\n{"text": oops}\n', encoding="utf-8")
    no_text = tmp_path / "notext.jsonl"
    no_text.write_text('{"text": "gut"}\n{"meta": {}}\n', encoding="utf-8")
    return [
        (empty, r"empty\.txt: empty file"),
        (latin1, r"latin1\.txt:1: not valid UTF-8"),
        (not_json, r"bad\.jsonl:2: not valid JSON"),
        (no_text, r"notext\.jsonl:2: field 'text' is missing"),
        (tmp_path / "missing.txt", r"missing\.txt: no such file"),
    ]


def test_bad_input_names_file_and_line_and_imports_nothing(empty_db, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("Ein guter Text.", encoding="utf-8")
    for bad, message in _bad_inputs(tmp_path):
        with pytest.raises(ImportFormatError, match=message):
            # The good file comes first: the run must still store nothing.
            import_paths(empty_db, [good, bad])
        assert store.count_documents(empty_db) == 0


def test_unknown_format_is_an_error(empty_db, tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("Text.", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="unknown format 'nope'"):
        import_paths(empty_db, [path], "nope")


def test_same_external_id_with_other_text_is_refused(empty_db, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x.txt").write_text("Eins.", encoding="utf-8")
    (b / "x.txt").write_text("Zwei.", encoding="utf-8")
    import_paths(empty_db, [a])
    with pytest.raises(ImportFormatError, match="different text with the id 'x.txt'"):
        import_paths(empty_db, [b])
    assert store.count_documents(empty_db) == 1


def test_long_first_line_gives_a_short_title(empty_db, tmp_path):
    words = " ".join(f"Wort{i}" for i in range(60))  # one 400-character opening paragraph
    path = tmp_path / "long.txt"
    path.write_text(words + "\nZweite Zeile.", encoding="utf-8")
    import_paths(empty_db, [path])
    title = store.get_document(empty_db, 1).title
    assert len(title) <= 122 and title.endswith(" …")
    assert words.startswith(title[:-2])  # cut at a word boundary, nothing else changed
    assert title[:-2].split(" ")[-1] in words.split(" ")


def test_layer_seen_twice_in_one_run_merges_across_both_records(empty_db):
    # The second record's two spans each overlap the first record's span, which bridges them:
    # the layer must end with one span, not two that share a token.
    text = "aa bb cc dd ee ff gg hh ii jj kk"
    label = "STATE_PROPAGANDA"
    records = [
        ImportRecord(text, "f:1", "x1", annotator="anna", spans=[ImportedSpan(3, 20, label)]),
        ImportRecord(
            text,
            "f:2",
            "x2",
            annotator="anna",
            spans=[ImportedSpan(0, 5, label), ImportedSpan(18, 26, label)],
        ),
    ]
    report = import_records(empty_db, records)
    spans = list_spans(empty_db, 1, "anna")
    assert [(s.start, s.end) for s in spans] == [(0, 26)]
    assert (report.spans_added, report.spans_merged) == (1, 2)


def test_span_event_json_is_json_dumps_of_the_record():
    """The import writes each span's create event with a direct formatter: its text must be
    json.dumps's of Span.record() for any field values."""
    import json as json_module

    from annotator.core.origin import suggestion_origin
    from annotator.core.records import Span
    from annotator.store.imports import span_record_json

    spans = [
        Span("a", 1, "anna", "EDITORIAL_FRAMING", 0, 5, 0, 0),
        Span(
            'id "quoted" \\ ü',
            2**40,
            "bén\n",
            "INTEL_ESTIMATE",
            3,
            9,
            1,
            2,
            attributes={"speaker": "KCNA „x“", "n": [1, 2.5, None, True]},
            note='Zeile 1\nZeile "2"\t\x01 😀',
            version=7,
            created="2026-12-02T01:02:03Z",
            updated="2026-12-02T01:02:04Z",
            scheme_version=3,
            origin=suggestion_origin("patterns", edited=True),
            suggestion_id=12,
        ),
    ]
    for span in spans:
        assert span_record_json(span) == json_module.dumps(span.record(), ensure_ascii=False)


def test_layer_set_holds_exactly_what_was_added():
    import random

    from annotator.services.imports.spans import LayerSet

    rng = random.Random(18)
    added = {(rng.randrange(1, 5000), rng.choice(["anna", "ben", "gold"])) for _ in range(3000)}
    layers = LayerSet()
    for key in added:
        layers.add(key)
    layers.add((1, "anna"))
    added.add((1, "anna"))
    every = {(d, a) for d in range(0, 5100) for a in ("anna", "ben", "gold", "cem")}
    assert {key for key in every if key in layers} == added
