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
    """The import writes the create event of a span it cannot put in a layer event (a note,
    attributes, another origin) with a direct formatter: its text must be json.dumps's of
    Span.record() for any field values."""
    import json as json_module
    from dataclasses import replace

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
    # Spans sharing annotator, label, time stamps and scheme version, and spans whose fields
    # only look alike (True for 1, 1.0 for 1), must each still get their own JSON.
    stamp = "2026-12-02T01:02:03.000004+00:00"
    plain = [
        Span("b", 7, "anna", "EDITORIAL_FRAMING", 3, 9, 1, 2, created=stamp, updated=stamp,
             scheme_version=1),
        Span("c", 8, "anna", "EDITORIAL_FRAMING", 10, 12, 3, 3, created=stamp, updated=stamp,
             scheme_version=1, version=4),
        Span("d", 8, "anna", "EDITORIAL_FRAMING", 10, 12, 3, 3, created=stamp, updated=stamp,
             scheme_version=True),
        Span("e", 8, "anna", "EDITORIAL_FRAMING", 10, 12, 3, 3, created=stamp, updated=stamp,
             scheme_version=1.0),
        Span('g "%s" %d', 9, "100% ánna", "LABEL_%s", 10, 12, 3, 3, created="%d", updated=stamp,
             scheme_version=2),
        Span("h", 9, "anna", "EDITORIAL_FRAMING", 10, 12, 3, 3, created=stamp, updated=stamp,
             scheme_version=1, origin={"kind": "manual", "extra": 1}),
    ]  # fmt: skip
    for field in ("document_id", "start", "end", "token_start", "token_end", "version"):
        for odd in (True, 2.5):
            plain.append(replace(plain[0], id=f"{field}={odd}", **{field: odd}))
    for span in spans + plain + plain:
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


def _events(db) -> list[tuple]:
    rows = db.conn.execute(
        "SELECT action, entity, entity_id, document_id, before, after FROM event "
        "WHERE actor = 'import' AND entity != 'user' ORDER BY id"
    ).fetchall()
    return [
        (a, e, json.loads(after)["annotator"] if e == "span" else eid, d, before, after)
        if e == "span"
        else (a, e, eid, d, before, after)
        for a, e, eid, d, before, after in rows
    ]


def _created_records(events) -> list[dict]:
    """Every span record the import's events say it created, in the log's order."""
    from annotator.store.events import layer_import_records

    records = []
    for action, entity, _who, _doc, _before, after in events:
        if entity == "span" and action == "create":
            records.append(json.loads(after))
        elif entity == "layer" and action == "import":
            records += layer_import_records(json.loads(after))
    return records


def test_spans_written_per_batch_keep_each_records_audit_trail_in_order(empty_db):
    # Spans, statuses and their events are gathered over a batch of records and written
    # together; the log must still read record by record: each record's spans (one `import`
    # event of the layer for its plain spans, a `create` event for a span with a note or
    # attributes), then its status event, with the status recorded as record_status records it.
    text = "aa bb cc dd ee ff gg hh ii jj kk"
    label = "STATE_PROPAGANDA"

    def record(n, annotator, spans, **flags):
        spans = [s if isinstance(s, ImportedSpan) else ImportedSpan(*s, label) for s in spans]
        return ImportRecord(
            f"{text} {n}", f"f:{n}", f"x{n}", annotator=annotator, spans=spans, **flags
        )

    noted = ImportedSpan(15, 17, "INTEL_ESTIMATE", note="laut Geheimdienst")
    records = [
        record(1, "anna", [(0, 2), (6, 8)], done=True),
        ImportRecord(f"{text} 1", "f:2", "x1", annotator="ben", spans=[ImportedSpan(3, 5, label)]),
        record(3, "anna", [], rejected=True),
        record(4, "gold", [(9, 11)], done=True),
        record(5, "ben", [(12, 14), noted, (18, 20)]),
        # ben's layer on document 4 again, two batches later: no second status event
        ImportRecord(
            f"{text} 5", "f:6", "x5", annotator="ben", spans=[ImportedSpan(21, 23, label)]
        ),
    ]
    report = import_records(empty_db, records, batch_size=2)
    assert report.spans_added == 8
    events = _events(empty_db)
    status = lambda doc, who, after: (  # noqa: E731
        "status",
        "status",
        f"{doc}:{who}",
        doc,
        None,
        json.dumps({"status": after}),
    )
    kinds = [e[:4] if e[1] in ("span", "layer") else e for e in events]
    assert kinds == [
        ("import", "layer", "1:anna", 1),
        status(1, "anna", "done"),
        ("import", "layer", "1:ben", 1),
        status(1, "ben", "in_progress"),
        status(2, "anna", "rejected"),
        ("import", "layer", "3:gold", 3),
        (
            "gold_status",
            "gold_status",
            "3",
            3,
            json.dumps({"status": "not_started"}),
            json.dumps({"status": "adjudicated"}),
        ),  # fmt: skip
        ("import", "layer", "4:ben", 4),
        ("create", "span", "ben", 4),
        ("import", "layer", "4:ben", 4),
        status(4, "ben", "in_progress"),
        ("import", "layer", "4:ben", 4),
    ]
    # The events hold every created record exactly, each once: what the span rows held then.
    stored = {span.id: span.record() for doc in (1, 3, 4) for span in list_spans(empty_db, doc)}
    assert sorted(r["id"] for r in _created_records(events)) == sorted(stored)
    for created in _created_records(events):
        assert created == stored[created["id"]]
    assert [r["note"] for r in _created_records(events) if r["document_id"] == 4] == [
        "", "laut Geheimdienst", "", ""
    ]  # fmt: skip
    statuses = empty_db.conn.execute(
        "SELECT document_id, annotator, status FROM document_status ORDER BY 1, 2"
    ).fetchall()
    assert statuses == [(1, "anna", "done"), (1, "ben", "in_progress"), (2, "anna", "rejected"),
                        (4, "ben", "in_progress")]  # fmt: skip


def test_layer_import_event_rebuilds_any_plain_span_record():
    """The columns of a layer's import event give back Span.record() of every span, whatever
    its id, label and annotator hold (quotes, backslashes, non-ASCII)."""
    from annotator.core.records import Span
    from annotator.store.events import layer_import_records
    from annotator.store.imports import layer_import_event

    stamp = "2026-12-02T01:02:03.000004+00:00"
    spans = [
        Span(ident, 2**40, 'bén "x" \\', label, start, start + 3, start, start + 1,
             created=stamp, updated=stamp, scheme_version=4)
        for start, (ident, label) in enumerate(
            [("a", "EDITORIAL_FRAMING"), ('id "q" \\ ü', "LABEL_%s"), ("😀", "Ä\n"),
             ("b", "EDITORIAL_FRAMING"), ("c", "LABEL_%s")]
        )
    ]  # fmt: skip
    event = layer_import_event(spans, "import")
    assert event[2:6] == ("import", "layer", f"{2**40}:{spans[0].annotator}", 2**40)
    assert layer_import_records(json.loads(event[7])) == [s.record() for s in spans]


def test_a_plain_layer_is_stored_and_logged_as_its_spans_would_be(empty_db):
    """A PlainLayer (flat values, no Span per span) gives the event layer_import_event gives
    the same spans as Spans, and the same rows as insert_spans."""
    from annotator.core.records import Span
    from annotator.store.imports import PlainLayer, layer_import_event, plain_layer_event
    from annotator.store.spans import get_span, insert_plain_values, insert_spans

    stamp = "2026-12-04T01:02:03.000004+00:00"
    empty_db.conn.execute(
        "INSERT INTO document (id, external_id, title, text, text_sha256, lang, created) "
        "VALUES (7, 'd7', 't', 'aa bb cc dd ee ff gg hh', 'h7', 'de', ?)",
        [stamp],
    )
    empty_db.conn.execute(
        "INSERT INTO user (name, role, created) VALUES ('bén \"x\"', 'annotator', ?)", [stamp]
    )
    who = 'bén "x"'
    rows = [("a-1", "EDITORIAL_FRAMING", 0, 2, 0, 0), ('b "2" ü', "STATE_PROPAGANDA", 3, 8, 1, 2),
            ("c-3", "EDITORIAL_FRAMING", 9, 11, 3, 3)]  # fmt: skip
    plain = PlainLayer()
    for ident, label, start, end, ts, te in rows:
        plain += (ident, 7, who, label, start, end, ts, te)
    spans = [Span(ident, 7, who, label, start, end, ts, te, created=stamp, updated=stamp,
                  scheme_version=1) for ident, label, start, end, ts, te in rows]  # fmt: skip
    assert plain_layer_event(plain, stamp, 1, "import") == layer_import_event(spans, "import")
    insert_plain_values(empty_db, list(plain), stamp, 1)
    stored = [get_span(empty_db, ident) for ident, *_ in rows]
    assert [s.record() for s in stored] == [s.record() for s in spans]
    empty_db.conn.execute("DELETE FROM span")
    insert_spans(empty_db, spans)
    assert [get_span(empty_db, ident).record() for ident, *_ in rows] == [
        s.record() for s in stored
    ]


@pytest.mark.parametrize("bad", ["unknown label", "a lead's name"])
def test_a_failure_after_several_batches_leaves_nothing_of_the_earlier_ones(empty_db, bad):
    from annotator.services import accounts
    from annotator.services.imports import ImportProblemsError

    accounts.create_user(empty_db, "lea", "lead", None, actor="test")
    before = {
        t: empty_db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("document", "token", "span", "event", "document_status", "user")
    }
    records = [
        ImportRecord(f"Text {n} aa bb cc", f"f:{n}", f"x{n}", annotator=who,
                     spans=[ImportedSpan(0, 4, "STATE_PROPAGANDA")], done=True)
        for n in range(7) for who in ("anna", "ben")
    ]  # fmt: skip
    if bad == "unknown label":
        records.append(ImportRecord("Text 9 aa", "f:9", "x9", annotator="anna",
                                    spans=[ImportedSpan(0, 4, "NO_SUCH_LABEL")]))  # fmt: skip
        error = ImportProblemsError
    else:
        records.append(ImportRecord("Text 9 aa", "f:9", "x9", annotator="lea",
                                    spans=[ImportedSpan(0, 4, "STATE_PROPAGANDA")]))  # fmt: skip
        error = ImportFormatError
    with pytest.raises(error):
        import_records(empty_db, records, batch_size=3)
    after = {t: empty_db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in before}
    assert after == before


def test_import_leaves_the_connections_page_cache_as_it_was(empty_db):
    # The import enlarges SQLite's page cache for its transaction only; the connection (a web
    # worker's, a CLI's) keeps its own setting afterwards, also when the import fails.
    from annotator.store.imports import IMPORT_CACHE_MIB

    empty_db.conn.execute("PRAGMA cache_size = -3000")
    records = [ImportRecord("aa bb", "f:1", "x1", annotator="anna",
                            spans=[ImportedSpan(0, 2, "STATE_PROPAGANDA")])]  # fmt: skip
    seen = []
    import_records(
        empty_db,
        records,
        progress=lambda _n: seen.append(empty_db.conn.execute("PRAGMA cache_size").fetchone()),
    )
    assert seen == [(-IMPORT_CACHE_MIB * 1024,)]
    assert empty_db.conn.execute("PRAGMA cache_size").fetchone() == (-3000,)
    bad = [ImportRecord("cc dd", "f:2", "x2", annotator="anna", spans=[ImportedSpan(0, 2, "NOPE")])]
    with pytest.raises(ImportFormatError):
        import_records(empty_db, bad)
    assert empty_db.conn.execute("PRAGMA cache_size").fetchone() == (-3000,)


def test_spans_of_every_shape_are_stored_in_order_with_their_values(empty_db):
    # insert_spans binds the values a run of spans shares once per statement: spans with
    # attributes, a suggestion origin, a note, another version or time stamp break the run,
    # and every row must still hold its own values, in the order given.
    from annotator.core.origin import suggestion_origin
    from annotator.core.records import Span
    from annotator.services import accounts
    from annotator.store.spans import get_span, insert_spans

    accounts.create_user(empty_db, "anna", "annotator", None, actor="test")
    import_records(empty_db, [ImportRecord("aa bb cc dd ee ff", "f:1", "x1")])
    label = "STATE_PROPAGANDA"
    shapes = [
        {},
        {"attributes": {"speaker": "KCNA"}},
        {},
        {"origin": suggestion_origin("patterns", edited=True)},
        {"note": "eine Notiz"},
        {"note": "eine Notiz"},
        {"version": 3},
        {"created": "2026-01-01T00:00:00+00:00"},
        {"scheme_version": 7},
        {},
        {},
    ]
    spans = [Span(f"s{k}", 1, "anna", label, 0, 2, 0, 0, **shape) for k, shape in enumerate(shapes)]
    with store.write_transaction(empty_db):
        insert_spans(empty_db, spans)
    order = [r[0] for r in empty_db.conn.execute("SELECT id FROM span ORDER BY rowid")]
    assert order == [s.id for s in spans]
    for span in spans:
        assert get_span(empty_db, span.id).record() == span.record()
    assert spans[0].created == spans[0].updated != ""
    assert (spans[7].created, spans[8].scheme_version) == ("2026-01-01T00:00:00+00:00", 7)


def test_imported_spans_snap_as_snap_to_tokens_says(empty_db):
    # The common span is snapped by the import itself, without snap_to_tokens: at any
    # offsets the stored span, the count of snapped spans and what --strict refuses must be
    # what snap_to_tokens gives.
    import random

    from annotator.core.snapping import SnapError, snap_to_tokens
    from annotator.services.imports import ImportProblemsError, SpanRules

    rng = random.Random(18)
    text = "Der  Kreml sagte, (laut KCNA) »alles«\nsei gut: 3,5 % mehr.  Ende"
    offsets = [(s, s + rng.randint(1, 9)) for s in (rng.randrange(len(text)) for _ in range(300))]
    offsets = [(s, min(e, len(text))) for s, e in offsets]
    import_records(empty_db, [ImportRecord(text, "f:0", "x0")])
    tokens = store.get_tokens(empty_db, 1)
    expected, snapped, refused = {}, 0, 0
    for s, e in offsets:
        try:
            got = snap_to_tokens(tokens.starts, tokens.ends, tokens.space, len(text), s, e)
        except SnapError:
            refused += 1
            continue
        expected[(s, e)] = got
        snapped += (got.start, got.end) != (s, e)
    for n, (s, e) in enumerate(offsets):
        record = ImportRecord(text, f"f:{n}", "x0", annotator=f"a{n}",
                              spans=[ImportedSpan(s, e, "EDITORIAL_FRAMING")])  # fmt: skip
        report = import_records(empty_db, [record], rules=SpanRules(skip_invalid=True))
        stored = list_spans(empty_db, 1, f"a{n}")
        if (s, e) in expected:
            want = expected[(s, e)]
            assert [(x.start, x.end, x.token_start, x.token_end) for x in stored] == [want]
            assert report.spans_snapped == ((want.start, want.end) != (s, e))
        else:
            assert stored == [] and len(report.problems) == 1
    every = [ImportedSpan(s, e, "EDITORIAL_FRAMING") for s, e in offsets]
    strict = [ImportRecord(text, "f:s", "x0", annotator="strict", spans=every)]
    with pytest.raises(ImportProblemsError) as refusal:
        import_records(empty_db, strict, rules=SpanRules(strict=True))
    assert len(refusal.value.problems) == snapped + refused
    assert 0 < snapped < len(offsets) and refused > 0


@pytest.mark.parametrize("where", ["label", "note"])
def test_a_lone_surrogate_in_a_span_is_refused_naming_its_record(empty_db, where):
    span = (
        ImportedSpan(0, 2, "STATE_\ud800")
        if where == "label"
        else ImportedSpan(0, 2, "STATE_PROPAGANDA", note="x\udfff")
    )
    records = [
        ImportRecord("aa bb", "f:1", "x1", annotator="anna",
                     spans=[ImportedSpan(0, 2, "STATE_PROPAGANDA")]),
        ImportRecord("aa bb", "f:2", "x1", annotator="ben", spans=[span]),
    ]  # fmt: skip
    with pytest.raises(ImportFormatError, match="^f:2: meta or a span holds a lone surrogate"):
        import_records(empty_db, records)
    assert empty_db.conn.execute("SELECT count(*) FROM document").fetchone() == (0,)


def test_import_leaves_the_garbage_collector_as_it_was(empty_db):
    # The import keeps the collector off the objects that were there before it (gc.freeze):
    # afterwards, also after a failure, they are collected again; a program that froze its
    # own objects keeps them frozen.
    import gc

    records = [ImportRecord("aa bb", "f:1", "x1", annotator="anna",
                            spans=[ImportedSpan(0, 2, "STATE_PROPAGANDA")])]  # fmt: skip
    assert gc.get_freeze_count() == 0
    seen = []
    import_records(empty_db, records, progress=lambda _n: seen.append(gc.get_freeze_count()))
    assert seen[0] > 0 and gc.get_freeze_count() == 0
    bad = [ImportRecord("cc dd", "f:2", "x2", annotator="anna", spans=[ImportedSpan(0, 2, "NOPE")])]
    with pytest.raises(ImportFormatError):
        import_records(empty_db, bad)
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        import_records(empty_db, [ImportRecord("ee ff", "f:3", "x3")])
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_fresh_span_ids_are_distinct_time_ordered_uuid7():
    import uuid

    from annotator.services.annotations import fresh_span_ids

    ids = fresh_span_ids(5000)
    assert len(set(ids)) == len(ids)
    for span_id in ids:
        parsed = uuid.UUID(span_id)
        assert (parsed.version, parsed.variant, str(parsed)) == (7, uuid.RFC_4122, span_id)
    later = fresh_span_ids(1)[0]
    assert later[:13] >= ids[-1][:13]  # the millisecond clock leads
    variants = {span_id[19] for span_id in ids}
    assert variants == set("89ab")
