"""A Prodigy record keeps where it came from and its answer through import and export
(issue 13, hole 15), and the export carries Prodigy's own task fields."""

from __future__ import annotations

import json

import jsonschema
from click.testing import CliRunner

from annotator.cli import main
from annotator.core.resources import data_path

TEXT = "Nordkorea entsandte rund 11.000 Soldaten in die Region Kursk."


def task(answer: str, meta: dict, annotator: str = "anna") -> str:
    span = {"start": 0, "end": 9, "label": "INTEL_ESTIMATE"}
    return json.dumps(
        {"text": TEXT, "meta": meta, "spans": [span], "answer": answer, "_annotator_id": annotator}
    )


def test_source_reject_and_prodigy_fields_survive_a_round_trip(tmp_path):
    db = tmp_path / "a.db"
    source = tmp_path / "in.jsonl"
    meta = {"source": "rwk1_mkhz_6147-1", "outlet": "Tagesblick", "score": 0.5}
    source.write_text(task("reject", meta) + "\n" + task("accept", meta, "ben") + "\n")
    run = CliRunner().invoke
    assert run(main, ["import", str(source), "--format", "prodigy", "--db", str(db)]).exit_code == 0
    out = tmp_path / "out.jsonl"
    result = run(main, ["export", "--all", "--out", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    records = {r["_annotator_id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert set(records) == {"anna", "ben"}
    schema = json.loads(data_path("schema", "export.schema.json").read_text())
    for record in records.values():
        jsonschema.validate(record, schema)
        assert record["meta"]["external_id"] == "rwk1_mkhz_6147-1"  # not a hash prefix
        assert record["meta"]["source"] == "rwk1_mkhz_6147-1"
        assert record["meta"]["outlet"] == "Tagesblick" and record["meta"]["score"] == 0.5
        assert record["_view_id"] == "spans_manual"
        assert record["_session_id"] == record["_annotator_id"]
        assert isinstance(record["_timestamp"], int) and record["_timestamp"] > 1_600_000_000
    assert records["anna"]["answer"] == "reject"  # it used to come back as ignore
    assert records["ben"]["answer"] == "accept"
    # and back in again: still a reject
    db2 = tmp_path / "b.db"
    assert run(main, ["import", str(out), "--format", "prodigy", "--db", str(db2)]).exit_code == 0
    again = tmp_path / "again.jsonl"
    assert run(main, ["export", "--all", "--out", str(again), "--db", str(db2)]).exit_code == 0
    answers = {
        r["_annotator_id"]: r["answer"] for r in map(json.loads, again.read_text().splitlines())
    }
    assert answers == {"anna": "reject", "ben": "accept"}


def test_external_id_order_is_external_id_then_id_then_source(tmp_path):
    db = tmp_path / "a.db"
    source = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"text": "Erster Text über Kursk.", "meta": {"id": "B", "source": "C"}}),
        json.dumps({"text": "Zweiter Text über Kursk.", "meta": {"external_id": "A", "id": "B2"}}),
        json.dumps({"text": "Dritter Text über Kursk.", "meta": {"source": "C3"}}),
        json.dumps({"text": "Vierter Text über Kursk.", "_session_id": "x"}),
    ]
    source.write_text("\n".join(lines) + "\n")
    run = CliRunner().invoke
    result = run(main, ["import", str(source), "--format", "prodigy", "--db", str(db)])
    assert result.exit_code == 0, result.output
    from annotator import store

    conn = store.connect(db)
    ids = [r[0] for r in conn.conn.execute("SELECT external_id FROM document ORDER BY id")]
    conn.conn.close()
    assert ids[:3] == ["B", "A", "C3"] and len(ids[3]) == 16
