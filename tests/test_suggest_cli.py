"""`annotator train`, `models` and `suggest` (issue 17) on the real Redewiedergabe sample."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from annotator import store
from annotator.cli import main
from tests.conftest import CORPUS, shared_path

DOCUMENTS = 30  # a small part of the sample: the test trains for seconds, not minutes


def sample_records(layer: str, count: int = DOCUMENTS) -> list[dict]:
    """The first records of the Redewiedergabe consensus, as one layer's JSONL records."""
    path = shared_path("redewiedergabe_sample", "consensus.jsonl")
    with path.open(encoding="utf-8") as lines:
        records = [json.loads(line) for _, line in zip(range(count), lines, strict=False)]
    return [{**r, "_annotator_id": layer} for r in records]


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_LABELS", str(shared_path("redewiedergabe_sample", "labels.toml")))
    db = tmp_path / "instance" / "annotator.db"
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [*args, "--db", str(db)])

    assert invoke("init").exit_code == 0
    return invoke


def write_jsonl(path, records) -> None:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )


@pytest.mark.slow
def test_a_lead_trains_from_gold_in_one_command_and_suggest_stores_its_proposals(run, tmp_path):
    gold = tmp_path / "gold.jsonl"
    write_jsonl(gold, sample_records("gold"))
    assert run("import", str(gold)).exit_code == 0

    trained = run("train", "--from", "gold", "--epochs", "2")
    assert trained.exit_code == 0, trained.output
    lines = [line for line in trained.stdout.splitlines() if "precision" in line]
    assert [line.split()[0] for line in lines] == [
        "DIRECT",
        "INDIRECT",
        "REPORTED",
        "FREE_INDIRECT",
    ]
    for line in lines:
        words = line.split()
        for key in ("precision", "recall", "f1"):
            value = words[words.index(key) + 1]
            assert value == "n/a" or 0 <= float(value) <= 1, line
    assert "epoch 1/2" in trained.stderr and "epoch 2/2" in trained.stderr
    model = tmp_path / "instance" / "models"
    (folder,) = model.iterdir()  # the default place: beside the database
    meta = json.loads((folder / "annotator-model.json").read_text(encoding="utf-8"))
    assert meta["labels"][0] == "DIRECT" and len(meta["fingerprint"]) == 64

    listed = run("models")
    assert listed.exit_code == 0 and str(folder) in listed.output

    suggested = run("suggest", "--source", str(folder), "--min-score", "0.05")
    assert suggested.exit_code == 0, suggested.output
    count = int(suggested.output.split()[1])
    db = store.connect(tmp_path / "instance" / "annotator.db")
    stored = db.conn.execute("SELECT COUNT(*), MIN(source) FROM suggestion").fetchone()
    assert count > 0 and stored == (count, folder.name)
    assert db.conn.execute("SELECT COUNT(*) FROM span WHERE annotator != 'gold'").fetchone() == (0,)
    # a second run replaces the source's undecided suggestions instead of adding to them
    again = run("suggest", "--source", str(folder), "--min-score", "0.05", "--documents", "1,2")
    assert again.exit_code == 0
    assert db.conn.execute("SELECT COUNT(*) FROM suggestion").fetchone()[0] == count
    db.conn.close()


@pytest.mark.slow
def test_train_from_consensus_json_output(run, tmp_path):
    """Two annotators who marked the same spans: their consensus is what the model learns."""
    for name in ("anna", "ben"):
        path = tmp_path / f"{name}.jsonl"
        write_jsonl(path, sample_records(name, 12))
        assert run("import", str(path)).exit_code == 0
    out = tmp_path / "consensus-model"
    trained = run("train", "--from", "consensus", "--epochs", "1", "--out", str(out), "--json")
    assert trained.exit_code == 0, trained.output
    result = json.loads(trained.stdout)
    assert result["model"] == str(out)
    assert set(result["labels"]) == {"DIRECT", "INDIRECT", "REPORTED", "FREE_INDIRECT"}
    assert all(set(v) == {"p", "r", "f"} for v in result["labels"].values())
    # a second run into the same folder refuses instead of overwriting
    refused = run("train", "--from", "consensus", "--epochs", "1", "--out", str(out))
    assert refused.exit_code == 1 and "already stored" in refused.output


def test_train_refuses_without_data_and_suggest_without_a_model(run, tmp_path):
    nothing = run("train", "--from", "gold")
    assert nothing.exit_code == 1 and "no adjudicated gold documents" in nothing.output
    nothing = run("train", "--from", "consensus")
    assert nothing.exit_code == 1 and "2 or more done annotators" in nothing.output
    missing = run("suggest", "--source", str(tmp_path / "no-model"))
    assert missing.exit_code == 1 and "no model metadata" in missing.output
    assert run("models").output.strip() == "no stored models"


def test_suggest_with_the_shipped_patterns_on_the_demo_corpus(tmp_path, monkeypatch):
    monkeypatch.delenv("ANNOTATOR_LABELS", raising=False)
    db = tmp_path / "annotator.db"
    runner = CliRunner()
    assert runner.invoke(main, ["import", str(CORPUS), "--db", str(db)]).exit_code == 0
    result = runner.invoke(main, ["suggest", "--source", "patterns", "--db", str(db)])
    assert result.exit_code == 0, result.output
    count = int(result.output.split()[1])
    conn = store.connect(db)
    assert count > 0
    assert conn.execute("SELECT COUNT(*) FROM suggestion WHERE source = 'patterns'").fetchone() == (
        count,
    )
    conn.conn.close()


def test_help_starts_without_spacy():
    code = (
        "import sys\nfrom annotator.cli import main\ntry:\n    main(['--help'])\n"
        "except SystemExit:\n    pass\nprint('spacy loaded:', 'spacy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "train" in done.stdout and "suggest" in done.stdout and "models" in done.stdout
    assert "spacy loaded: False" in done.stdout
