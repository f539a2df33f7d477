"""`annotator export`: selection, the JSON Schema, Prodigy's invariants, the spaCy DocBin, errors
that leave nothing behind, and export-then-import round trips (hypothesis too)."""

from __future__ import annotations

import json
import random
import string

import jsonschema
import pytest
import spacy
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.tokens import DocBin

from annotator import store
from annotator.cli import main
from annotator.core.labels import load_label_scheme
from annotator.formats.base import ImportRecord
from annotator.services import accounts
from annotator.services.annotations import SpanInput, create_span, set_document_status
from annotator.services.exports import export_records
from annotator.services.imports import import_paths, import_records
from annotator.store import users as user_store
from annotator.store.spans import list_spans
from annotator.store.statuses import set_gold_status, statuses
from tests.conftest import ROOT

SCHEMA = json.loads((ROOT / "schema" / "export.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
SCHEME = load_label_scheme()
LABELS = SCHEME.keys()


def add_spans(db, user, document_id: int, rng: random.Random, n: int) -> None:
    """`n` spans at random character offsets (they snap), random labels, some attributes."""
    text = store.get_document(db, document_id).text
    for _ in range(n):
        start = rng.randrange(0, len(text) - 40)
        end = start + rng.randrange(1, 40)
        if not text[start:end].strip():
            continue
        label = rng.choice(LABELS)
        attributes = (
            {"speaker": "KCNA"} if label == "STATE_PROPAGANDA" and rng.random() < 0.5 else None
        )
        note = "prüfen" if rng.random() < 0.2 else None
        create_span(
            db,
            SCHEME,
            user,
            document_id,
            SpanInput(label, start, end, attributes=attributes, note=note),
        )


@pytest.fixture
def corpus_db(db):
    """The corpus with work of anna (done 1, 2), ben (done 1; spans on 3, in progress) and gold
    (adjudicated 1; spans on 2, not adjudicated); lea is a lead."""
    rng = random.Random(7)
    anna, ben, lea = (user_store.get_user(db, n) for n in ("anna", "ben", "lea"))
    for doc in (1, 2):
        add_spans(db, anna, doc, rng, 12)
        set_document_status(db, anna, doc, "done")
    add_spans(db, ben, 1, rng, 10)
    set_document_status(db, ben, 1, "done")
    add_spans(db, ben, 3, rng, 5)
    add_spans(db, lea, 1, rng, 6)
    add_spans(db, lea, 2, rng, 4)
    with store.write_transaction(db):
        set_gold_status(db, 1, "adjudicated")
    return db


@pytest.fixture
def export(db_path, tmp_path, monkeypatch):
    """Run `annotator export ARGS --out FILE` and return (result, records)."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    calls = iter(range(1000))

    def run(*args, out=None):
        out = out or tmp_path / f"out{next(calls)}.jsonl"
        result = runner.invoke(main, ["export", *args, "--out", str(out), "--db", str(db_path)])
        records = []
        if result.exit_code == 0 and "--format" not in args:
            records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        return result, records

    run.runner, run.db_path = runner, db_path
    return run


def layers(records) -> list[tuple[int, str]]:
    return [(r["meta"]["document_id"], r["_annotator_id"]) for r in records]


def test_selection(corpus_db, export):
    cases = {
        ("--annotator", "anna"): [(1, "anna"), (2, "anna")],
        ("--all",): [(1, "anna"), (1, "ben"), (2, "anna")],
        (): [(1, "anna"), (1, "ben"), (2, "anna")],
        ("--all", "--no-done-only"): [(1, "anna"), (1, "ben"), (2, "anna"), (3, "ben")],
        ("--gold",): [(1, "gold")],
        ("--gold", "--no-done-only"): [(1, "gold"), (2, "gold")],
        ("--annotator", "ben", "--gold"): [(1, "ben"), (1, "gold")],
        ("--annotator", "anna", "--annotator", "ben"): [(1, "anna"), (1, "ben"), (2, "anna")],
    }
    for args, expected in cases.items():
        result, records = export(*args)
        assert result.exit_code == 0, (args, result.output)
        assert layers(records) == expected, args
        assert f"{len(expected)} records written" in result.output


def test_every_record_is_valid_and_keeps_prodigy_invariants(corpus_db, export):
    result, records = export("--all", "--gold", "--no-done-only")
    assert result.exit_code == 0, result.output
    assert len(records) == 6
    for record in records:
        VALIDATOR.validate(record)
        document_id, annotator = record["meta"]["document_id"], record["_annotator_id"]
        document = store.get_document(corpus_db, document_id)
        assert record["text"] == document.text
        assert record["meta"]["external_id"] == document.external_id
        tokens = record["tokens"]
        assert [[t["start"], t["end"]] for t in tokens] == store.get_tokens(
            corpus_db, document_id
        ).pairs()
        assert all(record["text"][t["start"] : t["end"]] == t["text"] for t in tokens)
        stored = list_spans(corpus_db, document_id, annotator)
        assert len(stored) == len(record["spans"]) > 0
        assert {(s["start"], s["end"], s["label"]) for s in record["spans"]} == {
            (s.start, s.end, s.label) for s in stored
        }
        for span in record["spans"]:
            assert tokens[span["token_start"]]["start"] == span["start"]
            assert tokens[span["token_end"]]["end"] == span["end"]
            assert (
                record["text"][span["start"] : span["end"]].strip()
                == record["text"][span["start"] : span["end"]]
            )


def test_spacy_docbin_holds_the_stored_spans(corpus_db, export, tmp_path):
    out = tmp_path / "train.spacy"
    result, _ = export("--format", "spacy", "--all", "--gold", out=out)
    assert result.exit_code == 0, result.output
    docs = list(DocBin().from_disk(out).get_docs(spacy.blank("de").vocab))
    assert len(docs) == 4
    for doc in docs:
        meta, annotator = doc.user_data["meta"], doc.user_data["annotator"]
        assert doc.text == store.get_document(corpus_db, meta["document_id"]).text
        stored = list_spans(corpus_db, meta["document_id"], annotator)
        assert sorted((s.start_char, s.end_char, s.label_) for s in doc.spans["sc"]) == sorted(
            (s.start, s.end, s.label) for s in stored
        )


def test_doccano_and_ptc_outputs(corpus_db, export, tmp_path):
    out = tmp_path / "anna.doccano.jsonl"
    result, _ = export("--format", "doccano", "--annotator", "anna", out=out)
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["meta"]["document_id"] for x in lines] == [1, 2]
    for line in lines:
        stored = list_spans(corpus_db, line["meta"]["document_id"], "anna")
        assert sorted(map(tuple, line["label"])) == sorted(
            (s.start, s.end, s.label) for s in stored
        )
    folder = tmp_path / "gold-ptc"
    result, _ = export("--format", "ptc", "--gold", out=folder)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["article1.labels.tsv", "article1.txt"]
    rows = (folder / "article1.labels.tsv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == len(list_spans(corpus_db, 1, "gold"))


def test_errors_are_one_line_and_leave_nothing(corpus_db, export, tmp_path):
    cases = [
        (("--annotator", "zoe"), tmp_path / "a.jsonl", "no annotator called 'zoe'"),
        (("--annotator", "lea"), tmp_path / "b.jsonl", "lea is a lead"),
        (("--all",), tmp_path / "missing" / "c.jsonl", "no such folder"),
        (("--format", "ptc", "--all"), tmp_path / "ptc-all", "document 1 twice"),
    ]
    for args, out, message in cases:
        result, _ = export(*args, out=out)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output
        assert len(result.output.strip().splitlines()) == 1
        assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    result = export.runner.invoke(
        main, ["export", "--format", "spacy", "--out", "-", "--db", str(export.db_path)]
    )
    assert result.exit_code == 2


def test_default_path_and_stdout(corpus_db, export, tmp_path):
    result = export.runner.invoke(
        main, ["export", "--annotator", "anna", "--db", str(export.db_path)]
    )
    assert result.exit_code == 0, result.output
    (made,) = (tmp_path / "exports").iterdir()
    assert made.name.endswith("-anna.jsonl") and len(made.read_text().splitlines()) == 2
    result = export.runner.invoke(
        main, ["export", "--gold", "--out", "-", "--db", str(export.db_path)]
    )
    assert result.exit_code == 0
    assert [json.loads(x)["_annotator_id"] for x in result.stdout.splitlines()] == ["gold"]


def snapshot(db) -> dict:
    """Documents, spans and statuses keyed by external id: what a round trip must keep."""
    by_id = {d.id: d.external_id for d in store.list_documents(db)}
    documents = {}
    for document_id, external_id in by_id.items():
        document = store.get_document(db, document_id)
        spans = sorted(
            (
                s.annotator,
                s.label,
                s.start,
                s.end,
                s.token_start,
                s.token_end,
                json.dumps(s.attributes, sort_keys=True),
                s.note,
            )
            for s in list_spans(db, document_id)
        )
        documents[external_id] = (document.title, document.text, spans)
    status = {(by_id[d], a): s for (d, a), s in statuses(db).items()}
    gold = {by_id[d]: s for d, s in db.conn.execute("SELECT document_id, status FROM gold_status")}
    return {"documents": documents, "statuses": status, "gold": gold}


def round_trip(db, tmp_path, done_only: bool = True, fmt: str = "auto") -> dict:
    """Export everything done from `db`, import it into an empty database, snapshot that."""
    out = tmp_path / "all.jsonl"
    with open(out, "w", encoding="utf-8") as fh:
        for record in export_records(db, gold=True, done_only=done_only):
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    fresh = store.connect(tmp_path / "fresh.db")
    try:
        if out.stat().st_size:  # an empty export imports nothing
            import_paths(fresh, [out], fmt)
        return snapshot(fresh)
    finally:
        fresh.conn.close()


@pytest.mark.parametrize("fmt", ["auto", "jsonl"])
def test_round_trip_of_the_corpus(corpus_db, tmp_path, fmt):
    """Our export comes back whole, detected or named by the format it was written in
    (`export --format jsonl` then `import --format jsonl` once dropped every span, annotator
    and status without a word)."""
    before = snapshot(corpus_db)
    after = round_trip(corpus_db, tmp_path, fmt=fmt)
    done = {k for k, s in before["statuses"].items() if s == "done"}
    adjudicated = {k for k, s in before["gold"].items() if s == "adjudicated"}
    exported = {e for e, _ in done} | adjudicated
    assert set(after["documents"]) == exported
    for external_id in exported:
        title, text, spans = before["documents"][external_id]
        keep = {a for e, a in done if e == external_id} | (
            {"gold"} if external_id in adjudicated else set()
        )
        assert after["documents"][external_id] == (title, text, [s for s in spans if s[0] in keep])
    assert after["statuses"] == {k: "done" for k in done}
    assert after["gold"] == {k: "adjudicated" for k in adjudicated}


def test_unfinished_work_round_trips_as_unfinished(corpus_db, tmp_path):
    """With --no-done-only, layers in progress come out as answer "ignore" and go back in as in
    progress: every status survives, not only the done ones."""
    before = snapshot(corpus_db)
    records = list(export_records(corpus_db, gold=True, done_only=False))
    answers = {(r["meta"]["external_id"], r["_annotator_id"]): r["answer"] for r in records}
    assert "ignore" in answers.values() and "accept" in answers.values()
    after = round_trip(corpus_db, tmp_path, done_only=False)
    exported = {key for key in answers if key[1] != "gold"}
    assert after["statuses"] == {k: s for k, s in before["statuses"].items() if k in exported}
    for (external_id, annotator), answer in answers.items():
        if annotator != "gold":
            assert (answer == "accept") == (before["statuses"][external_id, annotator] == "done")


WORDS = st.text(alphabet=string.ascii_letters + "äöüßÄÉ", min_size=1, max_size=8)
SEPARATORS = st.sampled_from([" ", " ", ", ", ". ", "\n", "  ", " – ", "\n\n", "„", "“ "])


@st.composite
def corpora(draw):
    """A few random documents, each with random spans of two annotators and random statuses."""
    docs = []
    for _ in range(draw(st.integers(1, 3))):
        pieces = [draw(WORDS)]
        for _ in range(draw(st.integers(3, 25))):
            pieces += [draw(SEPARATORS), draw(WORDS)]
        text = "".join(pieces)
        work = {}
        for name in ("anna", "ben"):
            spans = draw(
                st.lists(
                    st.tuples(
                        st.integers(0, len(text) - 1), st.integers(1, 12), st.sampled_from(LABELS)
                    ),
                    max_size=6,
                )
            )
            work[name] = (spans, draw(st.booleans()))
        docs.append((text, work))
    return docs


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(corpus=corpora())
def test_round_trip_property(corpus, tmp_path_factory):
    """Random documents and spans survive export then import unchanged (done layers)."""
    tmp_path = tmp_path_factory.mktemp("trip")
    db = store.connect(tmp_path / "source.db")
    try:
        records = [
            ImportRecord(text=text, source=f"doc{i}", external_id=f"doc{i}")
            for i, (text, _) in enumerate(corpus)
        ]
        import_records(db, records)
        users = {n: accounts.create_user(db, n, "annotator", None) for n in ("anna", "ben")}
        for document_id, (text, work) in enumerate(corpus, start=1):
            for name, (spans, done) in work.items():
                for start, length, label in spans:
                    end = min(start + length, len(text))
                    if text[start:end].strip():
                        create_span(
                            db, SCHEME, users[name], document_id, SpanInput(label, start, end)
                        )
                if done:
                    set_document_status(db, users[name], document_id, "done")
        before = snapshot(db)
        after = round_trip(db, tmp_path)
    finally:
        db.conn.close()
    done = {k for k, s in before["statuses"].items() if s == "done"}
    assert after["statuses"] == {k: "done" for k in done}
    for external_id, (title, text, spans) in before["documents"].items():
        mine = [s for s in spans if (external_id, s[0]) in done]
        if any(e == external_id for e, _ in done):
            assert after["documents"][external_id] == (title, text, mine)
        else:
            assert external_id not in after["documents"]
