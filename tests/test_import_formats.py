"""`annotator import` of foreign files with spans: brat, Label Studio, toxic spans, doccano, PTC,
Prodigy. Problems are reported with file and line; by default nothing is stored."""

from __future__ import annotations

import csv
import json
import re
import statistics
import unicodedata
from itertools import combinations
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator import store
from annotator.agreement.report import agreement_report
from annotator.cli import main
from annotator.store.agreement_data import agreement_documents
from annotator.store.events import list_events, span_creations
from annotator.store.spans import count_spans, list_spans
from annotator.store.statuses import statuses
from tests.conftest import SHARED_DATA

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"
BRAT = SHARED_DATA / "bratiaa_example_project" / "example-project"
BRAT_REPORT = SHARED_DATA / "bratiaa_example_project" / "instance-agreement-report.md"
LABEL_STUDIO = SHARED_DATA / "labelstudio_atspara_excerpt" / "atspara-excerpt.json"
TOXIC = SHARED_DATA / "toxic_spans_acl2022_sample"
NER = ("LOC", "MISC", "ORG", "PER")
ATSPARA = {
    "uncertainty": "UNCERTAINTY",
    "emotionalExpression": "EMOTIONAL_EXPRESSION",
    "simplification": "SIMPLIFICATION",
    "doubt": "DOUBT",
    "repetition": "REPETITION",
    "wavingTheFlag": "WAVING_THE_FLAG",
    "reductioAdHitlerum": "REDUCTIO_AD_HITLERUM",
}
TOXIC_MAP = {
    "Insult": "EDITORIAL_FRAMING",
    "Profane/Obscene": "EDITORIAL_FRAMING",
    "Other Toxicity": "EDITORIAL_FRAMING",
    "Identity based Attack": "STATE_PROPAGANDA",
    "Threat": "INTEL_ESTIMATE",
}


def write_scheme(path: Path, keys) -> Path:
    """A minimal valid label scheme with these keys."""
    tables = [
        f'[[label]]\nkey = "{key}"\nname = "{key}"\ncolour = "#112233"\nhotkey = "{i}"\n'
        f'description_de = "{key}"\ndescription_en = "{key}"\n'
        for i, key in enumerate(keys)
    ]
    path.write_text("\n".join(tables), encoding="utf-8")
    return path


@pytest.fixture
def cli(tmp_path):
    path = tmp_path / "import.db"
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["import", *map(str, args), "--db", str(path)])

    run.path = path
    return run


@pytest.fixture
def opened(cli):
    """Open the CLI's database afterwards (closed at teardown)."""
    connections = []

    def open_():
        db = store.connect(cli.path)
        connections.append(db)
        return db

    yield open_
    for db in connections:
        db.conn.close()


def mapped(mapping: dict[str, str]) -> list[str]:
    return [
        arg for source, target in mapping.items() for arg in ("--map-labels", f"{source}={target}")
    ]


def read_ann(path: Path) -> set[tuple[str, tuple[tuple[int, int], ...]]]:
    """The text-bound annotations of a brat file as bratiaa sees them: (label, offsets) in a set."""
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("T"):
            label, _, offsets = line.split("\t")[1].partition(" ")
            pieces = tuple(tuple(int(x) for x in f.split()) for f in offsets.split(";"))
            found.add((label, pieces))
    return found


def bratiaa_pair_f1() -> dict[tuple[str, str], float]:
    """bratiaa's instance-based F1 per annotator pair, recomputed from the .ann files: exact
    (label, offsets) matches, tp/fp/fn summed over documents and labels, F1 = 2tp/(2tp+fp+fn)."""
    annotators = sorted(p.name for p in BRAT.iterdir() if p.is_dir())
    documents = sorted(p.name for p in (BRAT / annotators[0]).glob("*.ann"))
    result = {}
    for a, b in combinations(annotators, 2):
        tp = fp = fn = 0
        for doc in documents:
            left, right = read_ann(BRAT / a / doc), read_ann(BRAT / b / doc)
            tp, fp, fn = tp + len(left & right), fp + len(right - left), fn + len(left - right)
        result[(a, b)] = 2 * tp / (2 * tp + fp + fn)
    return result


def test_brat_project_agreement_against_bratiaa(cli, opened, tmp_path):
    """The bratiaa example project (4 annotators x 7 documents) imported through the CLI gives
    the pairwise exact-match F1 that bratiaa reports as instance-based agreement (0.890).

    Definitions: bratiaa's overall "Mean F1" is the mean over the 6 annotator pairs of each pair's
    F1 = 2tp / (2tp + fp + fn), with tp the annotations of identical label and offsets, pooled
    over documents and labels. Our `f1_exact.micro` of a pair is 2m / (|A| + |B|) with m the spans
    of equal start, end and label: the same quantity, since fp = |B| - m and fn = |A| - m.
    Two things could make them differ, and the test checks they do not here: (1) we snap spans to
    spaCy tokens; 6 spans of this project start or end inside a word (one character off, e.g.
    "Toledo agreg" for "Toledo"), and widening them to tokens keeps them unmatched, so every pair's
    figure is unchanged; (2) we merge same-label overlaps of one annotator (none in this project).
    Overlap F1 (one-to-one matching of same-label spans sharing a token) can only be higher,
    and is, because Max marks long spans where the others mark several short ones.
    """
    scheme = write_scheme(tmp_path / "ner.toml", NER)
    result = cli(BRAT, "--labels", scheme, "--lang", "es")
    assert result.exit_code == 0, result.output
    assert "7 documents added, 21 skipped as duplicates" in result.output
    assert "6 snapped to tokens" in result.output
    db = opened()
    assert store.count_documents(db) == 7  # one document per text, whatever the folder
    expected_spans = sum(len(read_ann(p)) for p in BRAT.glob("*/*.ann"))
    assert count_spans(db) == expected_spans
    assert sorted(set(statuses(db).values())) == ["done"] and len(statuses(db)) == 28

    report = agreement_report(agreement_documents(db), ["Lisa", "Maria", "Max", "Peter"], NER)
    assert report["documents"] == 7
    reference = bratiaa_pair_f1()
    published = float(BRAT_REPORT.read_text().split("Mean F1: ")[1].split(",")[0])
    assert published == 0.890
    assert round(statistics.mean(reference.values()), 3) == published
    ours = {(p["a"], p["b"]): p for p in report["pairs"]}
    for pair, f1 in reference.items():
        assert ours[pair]["f1_exact"]["micro"] == pytest.approx(f1, abs=1e-12), pair
        assert ours[pair]["f1_overlap"]["micro"] >= ours[pair]["f1_exact"]["micro"]
    exact_mean = statistics.mean(p["f1_exact"]["micro"] for p in report["pairs"])
    assert round(exact_mean, 3) == published
    assert statistics.mean(p["f1_overlap"]["micro"] for p in report["pairs"]) > exact_mean + 0.03

    again = cli(BRAT, "--labels", scheme, "--lang", "es")
    assert again.exit_code == 0, again.output
    assert "0 documents added" in again.output and "28 already annotated" in again.output
    assert count_spans(db) == expected_spans


def test_brat_strict_and_unknown_labels_fail_naming_file_and_line(cli, opened, tmp_path):
    scheme = write_scheme(tmp_path / "ner.toml", NER)
    strict = cli(BRAT, "--labels", scheme, "--lang", "es", "--strict")
    assert strict.exit_code == 1
    refused = [line for line in strict.output.splitlines() if "--strict refuses" in line]
    assert len(refused) == 6
    assert any("Maria/esp.train-doc-1400.ann:21: span 20 (PER 2402-2411)" in x for x in refused)

    unknown = cli(BRAT, "--lang", "es")  # the default scheme has none of LOC, MISC, ORG, PER
    assert unknown.exit_code == 1
    assert "unknown label 'LOC'" in unknown.output and ".ann:" in unknown.output
    assert "--map-labels" in unknown.output
    partly = cli(BRAT, "--labels", scheme, "--lang", "es", "--map-labels", "PER=PERSON")
    assert partly.exit_code == 1 and "unknown label 'PERSON'" in partly.output
    db = opened()
    assert store.count_documents(db) == 0 and count_spans(db) == 0
    assert list_events(db, "span") == [] and span_creations(db) == []


def atspara_task() -> dict:
    return json.loads(LABEL_STUDIO.read_text(encoding="utf-8"))[0]


def test_label_studio_mismatching_spans_are_reported(cli, opened, tmp_path):
    scheme = write_scheme(tmp_path / "atspara.toml", ATSPARA.values())
    task = atspara_task()
    text = task["data"]["content"]
    regions = [r["value"] for r in task["annotations"][0]["result"] if r["type"] == "labels"]
    bad = [v for v in regions if text[v["start"] : v["end"]] != v["text"]]
    good = [v for v in regions if text[v["start"] : v["end"]] == v["text"]]
    assert (len(regions), len(bad)) == (40, 3)

    failed = cli(LABEL_STUDIO, "--labels", scheme, *mapped(ATSPARA), "--lang", "lt")
    assert failed.exit_code == 1
    errors = [line for line in failed.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 3
    for value in bad:
        assert any(f"{value['start']}-{value['end']})" in e and "differs" in e for e in errors)
    assert "atspara-excerpt.json:2:" in errors[0]
    assert store.count_documents(opened()) == 0

    result = cli(
        LABEL_STUDIO, "--labels", scheme, *mapped(ATSPARA), "--lang", "lt", "--skip-invalid"
    )
    assert result.exit_code == 0, result.output
    assert len([line for line in result.output.splitlines() if line.startswith("skipped:")]) == 3
    db = opened()
    stored = list_spans(db, 1, "14")
    # Every good region (less the whitespace at its edges, which spans never hold) is inside a
    # stored span of its label; same-label overlaps were merged.
    for value in good:
        label = ATSPARA[value["labels"][0]]
        piece = value["text"]
        start = value["start"] + len(piece) - len(piece.lstrip())
        end = value["end"] - (len(piece) - len(piece.rstrip()))
        assert any(s.label == label and s.start <= start and end <= s.end for s in stored), value
    for label in ATSPARA.values():
        mine = sorted((s.start, s.end) for s in stored if s.label == label)
        assert all(a[1] <= b[0] for a, b in zip(mine, mine[1:], strict=False))
    # Nothing of a bad region is stored unless a good region of its label covers it.
    for value in bad:
        label = ATSPARA[value["labels"][0]]
        covering = [
            g
            for g in good
            if ATSPARA[g["labels"][0]] == label
            and g["start"] < value["end"]
            and value["start"] < g["end"]
        ]
        if not covering:
            assert not any(
                s.label == label and s.start < value["end"] and value["start"] < s.end
                for s in stored
            )
    assert statuses(db) == {(1, "14"): "done"}


def toxic_spans_past_text() -> tuple[list[tuple[str, str]], int]:
    """(start, end) of spans.csv rows that run past their comment, and the number of rows,
    found from the CSV tables alone."""
    with open(TOXIC / "comments.csv", encoding="utf-8", newline="") as fh:
        comments = {r["comment_id"]: r["comment_text"] for r in csv.DictReader(fh)}
    with open(TOXIC / "annotations.csv", encoding="utf-8", newline="") as fh:
        comment_of = {r["annotation"]: r["comment_id"] for r in csv.DictReader(fh)}
    with open(TOXIC / "spans.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        (r["start"], r["end"])
        for r in rows
        if int(r["end"]) > len(comments[comment_of[r["annotation"]]])
    ], len(rows)


def test_toxic_spans_span_past_text_reported_rest_imported(cli, opened):
    past, total = toxic_spans_past_text()
    assert len(past) == 1
    failed = cli(TOXIC, *mapped(TOXIC_MAP), "--lang", "en")
    assert failed.exit_code == 1 and "past the end of the text" in failed.output
    assert "spans.csv:" in failed.output

    result = cli(TOXIC, *mapped(TOXIC_MAP), "--lang", "en", "--skip-invalid")
    assert result.exit_code == 0, result.output
    skipped = [line for line in result.output.splitlines() if line.startswith("skipped:")]
    assert len(skipped) == 1 and f"{past[0][0]}-{past[0][1]}" in skipped[0]
    db = opened()
    merged = int(re.search(r"(\d+) merged into", result.output).group(1))
    assert count_spans(db) + merged == total - 1
    # Every rater-annotation is complete: one done status per (comment, worker).
    assert set(statuses(db).values()) == {"done"}
    assert all(a.startswith("worker-") for _, a in statuses(db))
    meta = store.get_document(db, 1).meta
    assert "rater" not in meta and "_ignored" not in meta and "comment_id" in meta


def test_doccano_needs_an_annotator_for_unnamed_spans(cli, opened):
    path = FIXTURES / "doccano.jsonl"
    failed = cli(path)
    assert failed.exit_code == 1
    assert "doccano.jsonl:3: the file names no annotator" in failed.output
    result = cli(path, "--annotator", "carol")
    assert result.exit_code == 0, result.output
    db = opened()
    found = {
        (s.annotator, s.label, store.get_document(db, s.document_id).text[s.start : s.end])
        for d in store.list_documents(db)
        for s in list_spans(db, d.id)
    }
    assert found == {
        ("alice", "STATE_PROPAGANDA", "KCNA"),
        ("7", "INTEL_ESTIMATE", "rund 11.000 Soldaten"),
        ("carol", "EDITORIAL_FRAMING", "zusätzlichem Kanonenfutter"),
    }
    assert sorted(statuses(db).values()) == ["done", "done", "in_progress"]  # alice unconfirmed
    creates = span_creations(db)
    assert len(creates) == 3 and {e.actor for e, _ in creates} == {"import"}
    assert {r["id"] for _, r in creates} == {s.id for d in store.list_documents(db)
                                             for s in list_spans(db, d.id)}  # fmt: skip


def test_ptc_goes_to_gold_adjudicated(cli, opened):
    mapping = {
        "Loaded_Language": "EDITORIAL_FRAMING",
        "Name_Calling,Labeling": "EDITORIAL_FRAMING",
        "Exaggeration,Minimisation": "INTEL_ESTIMATE",
    }
    result = cli(FIXTURES / "ptc", *mapped(mapping))
    assert result.exit_code == 0, result.output
    db = opened()
    docs = {d.external_id: d.id for d in store.list_documents(db)}
    assert set(docs) == {"article111", "article222", "article333"}
    rows = dict(db.conn.execute("SELECT document_id, status FROM gold_status").fetchall())
    assert rows == {docs["article111"]: "adjudicated", docs["article222"]: "adjudicated"}
    labels_111 = [
        line.split("\t")
        for line in (FIXTURES / "ptc" / "article111.labels.tsv").read_text().split("\n")
        if line
    ]
    gold = list_spans(db, docs["article111"], "gold")
    # Name_Calling (98-114) lies inside Loaded_Language (85-129): one EDITORIAL_FRAMING span.
    assert [(s.label, s.start, s.end) for s in gold] == [("EDITORIAL_FRAMING", 85, 129)]
    assert {(int(r[2]), int(r[3])) for r in labels_111} == {(85, 129), (98, 114)}
    someone = cli(FIXTURES / "ptc", *mapped(mapping), "--annotator", "dora")
    assert "already" not in someone.output and someone.exit_code == 0
    assert statuses(db)[(docs["article222"], "dora")] == "done"


def test_prodigy_records_status_from_answer(cli, opened):
    result = cli(FIXTURES / "prodigy.jsonl", "--skip-invalid")
    assert result.exit_code == 0, result.output
    db = opened()
    st = statuses(db)
    names = {a: s for (_, a), s in st.items()}
    assert names["propaganda-alice"] == "done"
    assert names["propaganda-bob"] == "rejected"  # answer reject: spans kept, a reject (issue 13)
    assert names["carol"] == "done"  # accept with no spans: done, found nothing
    carol_doc = next(d for (d, a) in st if a == "carol")
    assert list_spans(db, carol_doc, "carol") == []


def test_label_studio_emails_and_nfd_crlf_text_import(cli, opened, tmp_path):
    """Label Studio exports name users by e-mail (`completed_by: {"email"}`), and a text may come
    in NFD with CRLF line ends, its `value.text` claims likewise: all of it imports, the claims
    compare equal, and the stored spans cover the claimed text in the canonical (NFC, LF) form."""
    raw = unicodedata.normalize("NFD", "Die Schüler sagten: Kämpfe überall.\r\nÖl ist knapp.")
    k, dot = raw.index("K"), raw.index(".")

    def region(rid, start, end, label):
        value = {"start": start, "end": end, "text": raw[start:end], "labels": [label]}
        return {"id": rid, "type": "labels", "from_name": "l", "to_name": "text", "value": value}

    users = ["anna.m+ls@example.org", "bob@example.org"]
    annotations = [
        {
            "completed_by": {"id": i, "email": email},
            "result": [
                region("r1", k, dot, "EDITORIAL_FRAMING"),
                region("r2", 0, len(raw), "STATE_PROPAGANDA"),
            ],
        }
        for i, email in enumerate(users)
    ]
    path = tmp_path / "ls.json"
    task = {"id": 7, "data": {"text": raw}, "annotations": annotations}
    path.write_text(json.dumps([task]), encoding="utf-8")
    result = cli(path)
    assert result.exit_code == 0, result.output
    db = opened()
    text = db["document"].get(1)["text"]
    assert text == unicodedata.normalize("NFC", raw.replace("\r\n", "\n"))
    names = sorted(name for (_, name) in statuses(db))
    assert len(set(names)) == 2 and statuses(db) == {(1, n): "done" for n in names}
    for name in names:
        got = sorted((s.label, text[s.start : s.end]) for s in list_spans(db, 1, name))
        assert got == [("EDITORIAL_FRAMING", "Kämpfe überall"), ("STATE_PROPAGANDA", text)]
