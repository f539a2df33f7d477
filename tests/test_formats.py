"""Import readers on real foreign files and on small fixtures, including every malformed case."""

from __future__ import annotations

import csv
import json
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.tokenize import canonical_text
from annotator.formats import reading
from annotator.formats.base import ImportedSpan, ImportFormatError, ImportRecord
from annotator.formats.brat import read_brat
from annotator.formats.checks import canonical_record, check_spans, split_spans
from annotator.formats.detect import detect_format
from annotator.formats.doccano import read_doccano
from annotator.formats.labelstudio import read_labelstudio
from annotator.formats.prodigy import read_prodigy
from annotator.formats.ptc import read_ptc
from annotator.formats.toxic import read_toxic

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BRAT = DATA / "bratiaa_example_project" / "example-project"
LABELSTUDIO = DATA / "labelstudio_atspara_excerpt" / "atspara-excerpt.json"
TOXIC = DATA / "toxic_spans_acl2022_sample"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"


def spans_of(record):
    return [(s.start, s.end, s.label) for s in record.spans]


# --- brat: the bratiaa example project ---------------------------------------------------------


def test_brat_example_project_four_annotators_seven_documents():
    records = list(read_brat(BRAT))
    assert Counter(r.annotator for r in records) == {"Lisa": 7, "Maria": 7, "Max": 7, "Peter": 7}
    # one document per file stem, shared by the four annotators
    assert len({r.external_id for r in records}) == 7
    assert all(r.done for r in records)
    for r in records:
        same = [o for o in records if o.external_id == r.external_id]
        assert {o.text for o in same} == {r.text}


def test_brat_every_textbound_line_is_a_span_with_its_own_text():
    records = {(r.annotator, r.external_id): r for r in read_brat(BRAT)}
    total = 0
    for ann in sorted(BRAT.glob("*/*.ann")):
        text = (ann.with_suffix(".txt")).read_text(encoding="utf-8")
        # an independent parse: ID \t LABEL START END \t TEXT, no fragments in this project
        expected = []
        for line in ann.read_text(encoding="utf-8").splitlines():
            if line.startswith("T"):
                _, middle, claimed = line.split("\t")
                label, start, end = middle.split(" ")
                assert text[int(start) : int(end)] == claimed
                expected.append((int(start), int(end), label))
        record = records[(ann.parent.name, ann.stem)]
        assert spans_of(record) == expected
        assert check_spans(record) == []
        total += len(expected)
    assert total == 1567  # `grep -c ^T` over the project


def test_brat_known_span():
    record = next(
        r for r in read_brat(BRAT) if r.annotator == "Max" and r.external_id == "esp.train-doc-46"
    )
    first = record.spans[0]
    assert (first.label, record.text[first.start : first.end]) == ("LOC", "Freetown")


def test_brat_fragments_attributes_notes_and_ignored_lines():
    records = {r.annotator: r for r in read_brat(FIXTURES / "brat")}
    alice, bob = records["alice"], records["bob"]
    assert alice.external_id == bob.external_id == "doc1"
    texts = [(alice.text[s.start : s.end], s.label) for s in alice.spans]
    assert texts == [
        ("die Angreifer", "STATE_PROPAGANDA"),
        ("Neonazi-Besatzer", "STATE_PROPAGANDA"),
        ("Die NATO schätzt 11.000 Soldaten", "INTEL_ESTIMATE"),
    ]
    assert [s.note for s in alice.spans[:2]] == ["zwei Teile", "zwei Teile"]
    assert alice.spans[2].attributes == {"Negated": True, "Agency": "NATO"}
    assert alice.meta["_ignored"] == {"relations": 1, "notes": 1}
    assert check_spans(alice) == []


def test_brat_fragment_text_mismatch_is_reported(tmp_path):
    folder = tmp_path / "ann1"
    folder.mkdir()
    (folder / "d.txt").write_text("abc def ghi", encoding="utf-8")
    (folder / "d.ann").write_text("T1\tX 0 3;8 11\tabc gxi\n", encoding="utf-8")
    (record,) = read_brat(tmp_path)
    problems = check_spans(record)
    assert len(problems) == 1
    assert "d.ann:1: span 1" in problems[0] and "'gxi'" in problems[0] and "'ghi'" in problems[0]


# --- Label Studio ------------------------------------------------------------------------------


def test_labelstudio_export_reads_forty_spans_with_three_mismatches():
    (record,) = read_labelstudio(LABELSTUDIO)
    raw = json.loads(LABELSTUDIO.read_text(encoding="utf-8"))[0]
    text = raw["data"]["content"]
    values = [r["value"] for r in raw["annotations"][0]["result"] if r["type"] == "labels"]
    assert record.text == text
    assert record.title == raw["data"]["heading"]
    assert record.annotator == "14" and record.done
    assert spans_of(record) == [(v["start"], v["end"], v["labels"][0]) for v in values]
    assert len(record.spans) == 40
    # independent comparison of value.text with the text at the offsets
    bad = [i for i, v in enumerate(values) if text[v["start"] : v["end"]] != v["text"]]
    assert len(bad) == 3
    problems = check_spans(record)
    assert len(problems) == 3
    for i, problem in zip(bad, problems, strict=True):
        assert problem.startswith(f"{LABELSTUDIO}:")
        assert f"span {i} " in problem
        # both strings appear: the file's literal backslash-n and the text's real line break
        assert "\\\\n" in problem and "\\n" in problem
    good, _ = split_spans(record)
    assert len(good) == 37


def test_labelstudio_ignored_results_counted():
    (record,) = read_labelstudio(LABELSTUDIO)
    assert record.meta["_ignored"] == {"choices": 2, "relation": 3, "drafts": 1}
    assert record.meta["url"].startswith("https://www.minfo.lt/")


def _ls_task(task_id, text, annotations):
    return {"id": task_id, "data": {"text": text, "title": "T"}, "annotations": annotations}


def test_labelstudio_regions_notes_choices_cancelled_and_unannotated(tmp_path):
    text = "Der Kreml sagt dies."
    region = {
        "id": "r1",
        "type": "labels",
        "from_name": "label",
        "to_name": "text",
        "value": {"start": 4, "end": 9, "text": "Kreml", "labels": ["A", "B"]},
    }
    note = {"id": "r1", "type": "textarea", "from_name": "n", "value": {"text": ["warum"]}}
    choice = {"id": "r1", "type": "choices", "from_name": "agency", "value": {"choices": ["X"]}}
    tasks = [
        _ls_task(
            1, text, [{"completed_by": {"id": 3, "email": "a@b.c"}, "result": [region, note]}]
        ),
        _ls_task(2, text, [{"completed_by": 4, "was_cancelled": True, "result": [choice, region]}]),
        {"id": 3, "data": {"body": "nur Text"}, "annotations": []},
    ]
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(tasks, indent=2), encoding="utf-8")
    first, second, third = read_labelstudio(path)
    assert first.annotator == "a_at_b.c" and first.done
    assert [(s.label, s.note, s.expected_text) for s in first.spans] == [
        ("A", "warum", "Kreml"),
        ("B", "warum", "Kreml"),
    ]
    assert second.annotator == "4" and not second.done
    assert second.spans[0].attributes == {"agency": "X"}
    assert (third.text, third.spans, third.external_id) == ("nur Text", None, "labelstudio:3")
    # line numbers point at each task's opening brace
    lines = path.read_text(encoding="utf-8").splitlines()
    for record in (first, second, third):
        line_no = int(record.source.rsplit(":", 1)[1])
        assert lines[line_no - 1].strip() == "{"


@pytest.mark.parametrize("chunk", [1, 7, 1 << 16])
def test_json_array_decoding_is_chunk_independent(tmp_path, monkeypatch, chunk):
    tasks = [_ls_task(i, "x" * (i * 37) + " ü 12", []) for i in range(40)] + [
        1234567,
        "a\nb",
        [1, [2]],
        None,
        True,
    ]
    path = tmp_path / "many.json"
    path.write_text(json.dumps(tasks, indent=1, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(reading, "_CHUNK", chunk)
    assert [obj for _, obj in reading.iter_json_array(path)] == tasks


# --- toxic spans -------------------------------------------------------------------------------


def test_toxic_spans_sample_counts_match_the_readme():
    records = list(read_toxic(TOXIC))
    # README: 150 comments, 520 rater-annotations, 457 spans, 5 span types
    assert len(records) == 520
    assert len({r.external_id for r in records}) == 150
    assert sum(len(r.spans) for r in records) == 457
    assert len({s.label for r in records for s in r.spans}) == 5
    assert all(r.done and r.annotator.startswith("worker-") for r in records)


def test_toxic_spans_the_span_past_its_text_is_reported_and_the_rest_pass():
    records = list(read_toxic(TOXIC))
    problems = [p for r in records for p in check_spans(r)]
    assert len(problems) == 1
    # independently: the one spans.csv row whose end exceeds its comment's length
    with open(TOXIC / "comments.csv", newline="", encoding="utf-8") as fh:
        texts = {row["comment_id"]: row["comment_text"] for row in csv.DictReader(fh)}
    with open(TOXIC / "annotations.csv", newline="", encoding="utf-8") as fh:
        comment_of = {row["annotation"]: row["comment_id"] for row in csv.DictReader(fh)}
    with open(TOXIC / "spans.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    (bad,) = [r for r in rows if int(r["end"]) > len(texts[comment_of[r["annotation"]]])]
    line = rows.index(bad) + 2  # header is line 1, no multi-line rows in spans.csv
    assert problems[0].startswith(f"{TOXIC / 'spans.csv'}:{line}: ")
    assert f"{bad['start']}-{bad['end']}" in problems[0] and "past the end" in problems[0]


def test_toxic_rater_columns_kept():
    record = next(iter(read_toxic(TOXIC)))
    with open(TOXIC / "annotations.csv", newline="", encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    assert record.annotator == f"worker-{row['worker']}"
    assert record.meta["rater"] == {
        "annotation": row["annotation"],
        "country": row["country"],
        "all_toxic": row["all toxic"] == "True",
        "not_toxic": row["not toxic"] == "True",
    }


# --- Prodigy, doccano, PTC fixtures ------------------------------------------------------------


def test_prodigy_fixture():
    accepted, rejected, empty, plain = read_prodigy(FIXTURES / "prodigy.jsonl")
    assert accepted.annotator == "propaganda-alice" and accepted.done
    assert (accepted.external_id, accepted.title) == ("kcna-1", "KCNA")
    assert accepted.meta == {"source": "fixture"}
    spans = {accepted.text[s.start : s.end]: s for s in accepted.spans}
    assert spans["Kim Jong-un habe den Einsatz befohlen"].attributes == {"speaker": "KCNA"}
    assert spans["KCNA"].note == "not really an estimate"
    assert rejected.annotator == "propaganda-bob" and not rejected.done  # _session_id fallback
    assert rejected.spans[0].expected_text == "rund 11.000 Soldaten"
    assert check_spans(rejected) == []
    assert (empty.spans, empty.done, empty.annotator) == ([], True, "carol")
    assert (plain.spans, plain.done, plain.annotator) == (None, False, None)


def test_doccano_fixture_all_layouts():
    classic, labels, entities, category = read_doccano(FIXTURES / "doccano.jsonl")
    assert [classic.text[s.start : s.end] for s in classic.spans] == ["KCNA"]
    assert (classic.annotator, classic.external_id, classic.done) == ("alice", "kcna-1", False)
    assert [labels.text[s.start : s.end] for s in labels.spans] == ["rund 11.000 Soldaten"]
    assert (labels.annotator, labels.done) == ("7", True)
    assert [(entities.text[s.start : s.end], s.label) for s in entities.spans] == [
        ("zusätzlichem Kanonenfutter", "EDITORIAL_FRAMING")
    ]
    assert entities.done and entities.meta["_ignored"] == {"relations": 1}
    assert category.spans is None and category.meta["categories"] == ["negative"]


def test_ptc_fixture():
    records = list(read_ptc(FIXTURES / "ptc"))
    assert [r.external_id for r in records] == ["article111", "article222", "article333"]
    a1, a2, a3 = records
    assert a1.title == "Kim Jong-uns Befehl"
    assert [(a1.text[s.start : s.end], s.label) for s in a1.spans] == [
        ("„ukrainische Neonazi-Besatzer zu vernichten“", "Loaded_Language"),
        ("Neonazi-Besatzer", "Name_Calling,Labeling"),
    ]
    assert [a2.text[s.start : s.end] for s in a2.spans] == ["zusätzlichem Kanonenfutter"]
    assert a1.done and a2.done and a1.annotator is None
    assert (a3.spans, a3.done) == (None, False)


def test_ptc_combined_labels_file(tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "article5.txt").write_text("Titel\n\nHallo Welt.\n", encoding="utf-8")
    (tmp_path / "train-task2-TC.labels").write_text("5\tDoubt\t7\t12\n", encoding="utf-8")
    (record,) = read_ptc(tmp_path)
    assert [(record.text[s.start : s.end], s.label) for s in record.spans] == [("Hallo", "Doubt")]


# --- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (BRAT, "brat"),
        (BRAT / "Max", "brat"),
        (BRAT / "Max" / "esp.train-doc-46.ann", "brat"),
        (LABELSTUDIO, "labelstudio"),
        (TOXIC, "toxic"),
        (FIXTURES / "prodigy.jsonl", "prodigy"),
        (FIXTURES / "doccano.jsonl", "doccano"),
        (FIXTURES / "ptc", "ptc"),
        (FIXTURES / "ptc" / "article111.labels.tsv", "ptc"),
        (FIXTURES / "brat", "brat"),
        (Path(__file__).resolve().parents[1] / "corpus", "text"),
    ],
)
def test_detect_format(path, expected):
    assert detect_format(path) == expected


def test_detect_plain_jsonl_and_text(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"text": "x", "meta": {"a": 1}}\n', encoding="utf-8")
    (tmp_path / "b.txt").write_text("Nur Text.\n", encoding="utf-8")
    (tmp_path / "c.json").write_text("{ nope", encoding="utf-8")
    assert detect_format(tmp_path / "a.jsonl") == "jsonl"
    assert detect_format(tmp_path / "b.txt") == "text"
    with pytest.raises(ImportFormatError, match=r"c\.json:1: "):
        detect_format(tmp_path / "c.json")


# --- malformed input: the error names the file and line ----------------------------------------

GOOD = '{"text": "abc", "spans": []}\n'

MALFORMED = [
    (read_prodigy, "p.jsonl", GOOD + "{not json\n", 2, "not valid JSON"),
    (read_prodigy, "p.jsonl", GOOD + '{"meta": {}}\n', 2, '"text" missing'),
    (read_prodigy, "p.jsonl", GOOD + '{"text": 5}\n', 2, "not a string"),
    (read_prodigy, "p.jsonl", GOOD + "[1, 2]\n", 2, "expected a JSON object"),
    (read_prodigy, "p.jsonl", '{"text": "a", "spans": {}}\n', 1, '"spans" must be a list'),
    (
        read_prodigy,
        "p.jsonl",
        '{"text": "a", "spans": [{"start": "0", "end": 1, "label": "X"}]}\n',
        1,
        "must be an integer",
    ),
    (
        read_prodigy,
        "p.jsonl",
        '{"text": "a", "spans": [{"start": 0.0, "end": 1, "label": "X"}]}\n',
        1,
        "must be an integer",
    ),
    (
        read_prodigy,
        "p.jsonl",
        '{"text": "a", "spans": [{"start": true, "end": 1, "label": "X"}]}\n',
        1,
        "must be an integer",
    ),
    (read_prodigy, "p.jsonl", '{"text": "a", "spans": [{"start": 0, "end": 1}]}\n', 1, '"label"'),
    (read_prodigy, "p.jsonl", '{"text": "a", "answer": "maybe"}\n', 1, '"answer"'),
    (read_prodigy, "p.jsonl", '{"text": "a", "_annotator_id": 3}\n', 1, '"_annotator_id"'),
    (read_prodigy, "p.jsonl", b'{"text": "\xff"}\n', 1, "not UTF-8"),
    (read_doccano, "d.jsonl", GOOD + '{"label": [[0, 1, "X"]]}\n', 2, '"text" missing'),
    (
        read_doccano,
        "d.jsonl",
        '{"text": "ab", "label": [[0, 1]]}\n',
        1,
        "expected [start, end, label]",
    ),
    (
        read_doccano,
        "d.jsonl",
        '{"text": "ab", "label": [[0, "1", "X"]]}\n',
        1,
        "must be an integer",
    ),
    (read_doccano, "d.jsonl", '{"text": "ab", "label": 5}\n', 1, "must be a list"),
    (
        read_doccano,
        "d.jsonl",
        '{"text": "ab", "entities": [{"start_offset": 0, "label": "X"}]}\n',
        1,
        '"end_offset"',
    ),
    (read_labelstudio, "l.json", '[\n{"data": {"text": "a"}},\n{"nodata": 1}\n]', 3, '"data"'),
    (
        read_labelstudio,
        "l.json",
        '[\n{"data": {"text": "a"}},\n{"data": {\n',
        4,
        "not JSON (Expecting property name enclosed in double quotes) in the element from line 3",
    ),
    (read_labelstudio, "l.json", '{"data": {"text": "a"}}', 1, "JSON array"),
    (read_labelstudio, "l.json", '[{"data": {"n": 1}}]', 1, "no text"),
    (
        read_labelstudio,
        "l.json",
        '[{"data": {"text": "a"}, "annotations": [{"completed_by": 1, "result": [\n'
        '{"type": "labels", "value": {"start": "0", "end": 1, "labels": ["X"]}}]}]}]',
        1,
        "value.start must be an integer",
    ),
    (
        read_labelstudio,
        "l.json",
        '[{"data": {"text": "a"}, "annotations": [{"result": []}]}]',
        1,
        "completed_by",
    ),
]


@pytest.mark.parametrize(("reader", "name", "content", "line", "what"), MALFORMED)
def test_malformed_file_errors_name_file_and_line(tmp_path, reader, name, content, line, what):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFormatError) as info:
        list(reader(path))
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert what in message


def _brat(tmp_path, ann: str) -> Path:
    (tmp_path / "u").mkdir()
    (tmp_path / "u" / "d.txt").write_text("Hallo Welt", encoding="utf-8")
    (tmp_path / "u" / "d.ann").write_text(ann, encoding="utf-8")
    return tmp_path / "u" / "d.ann"


@pytest.mark.parametrize(
    ("ann", "line", "what"),
    [
        ("T1\tX 0 5\tHallo\nT2\tX a 5\tHallo\n", 2, "start must be an integer"),
        ("T1\tX 0\tHallo\n", 1, "is not START END"),
        ("T1\tX 0 5;6\tHallo\n", 1, "is not START END"),
        ("T1\n", 1, "expected T<ID>"),
        ("T1\tX 0 5\tHallo\nA1\n", 2, "expected ID<TAB>TYPE"),
    ],
)
def test_malformed_brat(tmp_path, ann, line, what):
    path = _brat(tmp_path, ann)
    with pytest.raises(ImportFormatError) as info:
        list(read_brat(tmp_path))
    assert str(info.value).startswith(f"{path}:{line}: ") and what in str(info.value)


def test_brat_missing_txt(tmp_path):
    path = _brat(tmp_path, "T1\tX 0 5\tHallo\n")
    path.with_suffix(".txt").unlink()
    with pytest.raises(ImportFormatError, match=r"d\.ann: no d\.txt"):
        list(read_brat(tmp_path))


@pytest.mark.parametrize(
    ("rows", "line", "what"),
    [
        ("1\tX\t0\t3\n1\tX\t0\n", 2, "got 3 columns"),
        ("1\tX\t0\tdrei\n", 1, "end must be an integer"),
        ("2\tX\t0\t3\n", 1, "row for article 2"),
        ("1\t\t0\t3\n", 1, "empty label"),
    ],
)
def test_malformed_ptc(tmp_path, rows, line, what):
    (tmp_path / "article1.txt").write_text("abc def", encoding="utf-8")
    path = tmp_path / "article1.labels.tsv"
    path.write_text(rows, encoding="utf-8")
    with pytest.raises(ImportFormatError) as info:
        list(read_ptc(tmp_path))
    assert str(info.value).startswith(f"{path}:{line}: ") and what in str(info.value)


def _toxic(tmp_path, spans_rows: str, annotations_rows: str = "1,10,77,USA,False,False\n"):
    (tmp_path / "comments.csv").write_text('comment_id,comment_text\n10,"ab\ncd"\n')
    (tmp_path / "annotations.csv").write_text(
        "annotation,comment_id,worker,country,all toxic,not toxic\n" + annotations_rows
    )
    (tmp_path / "spans.csv").write_text("annotation,type,start,end\n" + spans_rows)


@pytest.mark.parametrize(
    ("spans_rows", "annotations_rows", "file", "line", "what"),
    [
        ("1,Insult,0,x\n", None, "spans.csv", 2, "end must be an integer"),
        ("1,Insult,0,2\n9,Insult,0,2\n", None, "spans.csv", 3, "annotation not in"),
        ("", "1,11,77,USA,False,False\n", "annotations.csv", 2, "comment 11 not in"),
        ("", "1,10,77,USA,maybe,False\n", "annotations.csv", 2, "expected True or False"),
    ],
)
def test_malformed_toxic(tmp_path, spans_rows, annotations_rows, file, line, what):
    _toxic(tmp_path, spans_rows, *([annotations_rows] if annotations_rows else []))
    with pytest.raises(ImportFormatError) as info:
        list(read_toxic(tmp_path))
    assert str(info.value).startswith(f"{tmp_path / file}:{line}: ") and what in str(info.value)


def test_toxic_multiline_comment_and_missing_table(tmp_path):
    _toxic(tmp_path, "1,Insult,3,5\n")
    (record,) = read_toxic(tmp_path)
    assert record.text == "ab\ncd" and record.text[3:5] == "cd"
    (tmp_path / "spans.csv").unlink()
    with pytest.raises(ImportFormatError, match="no spans.csv"):
        list(read_toxic(tmp_path))


# --- span checks and offset-preserving canonicalisation ----------------------------------------


def test_check_spans_reports_each_kind_of_problem():
    record = ImportRecord(
        text="Hallo Welt",
        source="f.jsonl:3",
        spans=[
            ImportedSpan(0, 5, "A"),
            ImportedSpan(-1, 5, "A"),
            ImportedSpan(5, 5, "A"),
            ImportedSpan(6, 4, "A"),
            ImportedSpan(6, 11, "A"),
            ImportedSpan(0, 5.0, "A"),  # type: ignore[arg-type]
            ImportedSpan(0, 5, "A", expected_text="Hallo"),
            ImportedSpan(6, 10, "A", expected_text="Welt!"),
        ],
    )
    problems = check_spans(record)
    assert [p.split(": ", 2)[1] for p in problems] == [
        "span 1 (A -1-5)",
        "span 2 (A 5-5)",
        "span 3 (A 6-4)",
        "span 4 (A 6-11)",
        "span 5 (A 0-5.0)",
        "span 7 (A 6-10)",
    ]
    assert all(p.startswith("f.jsonl:3: ") for p in problems)
    assert "negative" in problems[0] and "past the end" in problems[3]
    assert "'Welt!'" in problems[5] and "'Welt'" in problems[5]
    assert [s.start for s in split_spans(record)[0]] == [0, 0]


RAW_PIECES = st.sampled_from(
    ["a", "b", " ", "\r\n", "\r", "\n", "e\u0301", "\u0301", "ü", "u\u0308"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(RAW_PIECES, max_size=15).map("".join), st.data())
def test_canonical_record_moves_offsets_with_the_text(raw, data):
    offsets = st.integers(0, len(raw))
    pairs = data.draw(st.lists(st.tuples(offsets, offsets), max_size=5))
    record = ImportRecord(text=raw, source="x", spans=[ImportedSpan(s, e, "L") for s, e in pairs])
    canonical = canonical_record(record)
    assert canonical.text == canonical_text(raw)  # the tokenizer's own canonical form

    def boundary(i):  # not inside "\r\n", not between a character and its accent
        inside = 0 < i < len(raw) and (
            raw[i - 1 : i + 1] == "\r\n"
            or (unicodedata.combining(raw[i]) != 0 and raw[i - 1] not in "\r\n")
        )
        return not inside

    for (s, e), span in zip(pairs, canonical.spans, strict=True):
        if boundary(s) and boundary(e):
            assert span.start == len(canonical_text(raw[:s]))
            assert canonical.text[span.start : span.end] == canonical_text(raw[s:e])
        else:  # a boundary inside a merged character moves outward
            assert span.start <= len(canonical_text(raw[:s]))
            assert span.end >= len(canonical_text(raw[:e])) - 1
        assert 0 <= span.start <= len(canonical.text) and span.end <= len(canonical.text)


def test_canonical_record_leaves_canonical_text_alone():
    record = ImportRecord(text="schon kanonisch\n", source="x", spans=[ImportedSpan(0, 5, "L")])
    assert canonical_record(record) is record


def test_canonical_record_canonicalises_the_claimed_span_text():
    """A file in NFD with CRLF line ends claims its span texts in the same form; after moving the
    offsets onto the NFC/LF text, the claims must be compared in that form too, or every accented
    span is reported as a mismatch."""
    raw = unicodedata.normalize("NFD", "Kämpfe überall.\r\nÖl")
    spans = [
        ImportedSpan(0, raw.index(" "), "L", expected_text=raw[: raw.index(" ")]),
        ImportedSpan(0, len(raw), "L", expected_text=raw),
        ImportedSpan(0, raw.index(" "), "L", expected_text="Kampfe"),  # a real mismatch
    ]
    canonical = canonical_record(ImportRecord(text=raw, source="x", spans=spans))
    assert [p.split(": ", 1)[1].split(":")[0] for p in check_spans(canonical)] == ["span 2 (L 0-6)"]
    assert canonical.spans[1].expected_text == canonical_text(raw)
    # a canonical text with claims in NFD: the claims still compare as the same text
    nfc = canonical_text(raw)
    claims = ImportRecord(
        text=nfc, source="x", spans=[ImportedSpan(0, 6, "L", expected_text=raw[:7])]
    )
    assert check_spans(canonical_record(claims)) == []
