"""The command line through click's CliRunner, on real database files."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from annotator import store
from annotator.cli import main
from annotator.store import users as user_store
from tests.conftest import CORPUS


@pytest.fixture
def cli(tmp_path):
    path = tmp_path / "cli.db"
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(main, [*args, "--db", str(path)], input=input)

    run.path = path
    return run


def _count(path) -> int:
    db = store.connect(path)
    try:
        return store.count_documents(db)
    finally:
        db.conn.close()


def test_every_command_has_help():
    def walk(command, prefix):
        yield prefix, command
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                yield from walk(command.get_command(ctx, name), [*prefix, name])

    runner = CliRunner()
    for path, command in walk(main, []):
        assert command.help, f"annotator {' '.join(path)} has no help text"
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_gamma_samples_help_states_the_adaptive_sampling():
    """--gamma-samples is the minimum; the help states the bound and the cap gamma uses."""
    from annotator.agreement.gamma import MAX_SAMPLES, TARGET_STANDARD_ERROR

    result = CliRunner().invoke(main, ["agreement", "--help"])
    text = " ".join(result.output.split())
    assert "Minimum number of Monte-Carlo samples" in text
    assert f"under {TARGET_STANDARD_ERROR}" in text and f"up to {MAX_SAMPLES}" in text


def test_top_level_help_lists_every_command_without_loading_them():
    """`annotator --help` imports no command module, so no spaCy, scipy or web stack."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from annotator.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('spacy', 'scipy', 'flask', 'annotator.cli.imports')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout, out.stdout
    for name in (
        "init",
        "import",
        "user",
        "token",
        "serve",
        "demo",
        "agreement",
        "export",
        "backup",
    ):
        assert f"  {name} " in out.stdout


def test_init_is_idempotent(cli):
    first = cli("init")
    second = cli("init")
    assert first.exit_code == second.exit_code == 0
    assert f"schema version {store.SCHEMA_VERSION}" in second.output


def test_import_prints_summary(cli):
    result = cli("import", str(CORPUS))
    assert result.exit_code == 0, result.output
    assert "5 documents added, 0 skipped as duplicates" in result.output
    assert "0 documents added, 5 skipped" in cli("import", str(CORPUS)).output


def test_bad_imports_exit_nonzero_with_one_line_and_change_nothing(cli, tmp_path):
    cli("import", str(CORPUS / "000_1c727f8edef44210.txt"))
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Köln".encode("latin-1"))
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text('{"text": "a"}\nnot json\n', encoding="utf-8")
    no_text = tmp_path / "nt.jsonl"
    no_text.write_text('{"meta": {}}\n', encoding="utf-8")
    cases = [
        ([str(CORPUS), str(empty)], "empty.txt: empty file", 1),
        ([str(CORPUS), str(latin)], "latin.txt:1: not valid UTF-8", 1),
        ([str(CORPUS), str(bad_json)], "bad.jsonl:2: not valid JSON", 1),
        ([str(CORPUS), str(no_text)], "nt.jsonl:1: field 'text' is missing", 1),
        ([str(CORPUS), str(tmp_path / "nope")], "nope: no such file", 1),
        (["--format", "nope", str(CORPUS)], "Invalid value for '--format'", 2),
    ]
    for args, message, status in cases:
        result = cli("import", *args)
        assert result.exit_code == status, (args, result.output)
        assert message in result.output
        assert _count(cli.path) == 1


def test_user_add_list_disable(cli):
    added = cli(
        "user",
        "add",
        "anna",
        "--role",
        "annotator",
        "--password-stdin",
        input="long enough secret\n",
    )
    assert added.exit_code == 0, added.output
    generated = cli("user", "add", "lea", "--role", "lead")
    assert "with password " in generated.output
    assert cli("user", "list").output.splitlines() == ["anna\tannotator", "lea\tlead"]
    assert cli("user", "disable", "anna").exit_code == 0
    assert "anna\tannotator\tdisabled" in cli("user", "list").output
    db = store.connect(cli.path)
    assert user_store.get_user(db, "anna").disabled


def test_user_errors(cli):
    cli("user", "add", "anna", "--role", "annotator")
    assert "already exists" in cli("user", "add", "anna", "--role", "lead").output
    short = cli("user", "add", "bo", "--role", "lead", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "at least 8 characters" in short.output
    assert cli("user", "add", "gold", "--role", "lead").exit_code == 1
    assert cli("user", "add", "x", "--role", "boss").exit_code == 2
    missing = cli("user", "disable", "nobody")
    assert missing.exit_code == 1 and "no user called 'nobody'" in missing.output


def test_demo_prepares_database_and_accounts(tmp_path):
    path = tmp_path / "demo.db"
    result = CliRunner().invoke(main, ["demo", "--db", str(path), "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "5 documents" in result.output
    for name in ("lea", "anna", "ben"):
        assert f" {name} " in result.output
    # Run twice: same documents, accounts kept, passwords renewed and working.
    again = CliRunner().invoke(main, ["demo", "--db", str(path), "--no-serve"])
    line = next(x for x in again.output.splitlines() if " anna " in x)
    from annotator.services.accounts import authenticate

    db = store.connect(path)
    assert store.count_documents(db) == 5
    assert authenticate(db, "anna", line.split()[-1]) is not None


def test_unopenable_database_is_a_clean_error(tmp_path):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not an SQLite file" * 100)
    result = CliRunner().invoke(main, ["init", "--db", str(garbage)])
    assert result.exit_code == 1
    assert "cannot open the database" in result.output


def test_serve_and_agreement_refuse_a_scheme_without_a_label_the_spans_use(cli, tmp_path):
    from annotator.core.labels import load_label_scheme
    from annotator.services import annotations

    assert cli("import", str(CORPUS)).exit_code == 0
    assert cli("user", "add", "anna", "--role", "annotator").exit_code == 0
    db = store.connect(cli.path)
    anna = user_store.get_user(db, "anna")
    span = annotations.SpanInput("INTEL_ESTIMATE", 0, 10)
    annotations.create_span(db, load_label_scheme(), anna, 1, span)
    db.conn.close()
    scheme = (CORPUS.parent / "schema" / "labels.toml").read_text(encoding="utf-8")
    # The same scheme without its INTEL_ESTIMATE table (up to the next [[label]]).
    head, rest = scheme.split('key = "INTEL_ESTIMATE"')
    head = head[: head.rindex("[[label]]")]
    rest = rest[rest.index("[[label]]") :]
    without = tmp_path / "without.toml"
    without.write_text(head + rest, encoding="utf-8")
    env = {"ANNOTATOR_LABELS": str(without)}
    for args in (["serve", "--port", "1"], ["agreement", "--no-gamma"]):
        result = CliRunner().invoke(main, [*args, "--db", str(cli.path)], env=env)
        assert result.exit_code == 1, result.output
        assert f"{without}: missing label 'INTEL_ESTIMATE' (1 spans)" in result.output
    # With the full scheme the report runs.
    ok = CliRunner().invoke(main, ["agreement", "--no-gamma", "--db", str(cli.path)])
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize(
    "args",
    [
        ["user", "list"],
        ["user", "disable", "anna"],
        ["token", "create", "anna"],
        ["agreement", "--no-gamma"],
        ["export", "--out", "-"],
    ],
)
def test_commands_on_existing_data_do_not_create_a_database_for_a_mistyped_path(tmp_path, args):
    typo = tmp_path / "anotator.db"
    result = CliRunner().invoke(main, [*args, "--db", str(typo)])
    assert result.exit_code == 1
    assert f"{typo}: no such database" in result.output
    assert list(tmp_path.iterdir()) == []


def test_language_comes_from_the_environment(tmp_path, monkeypatch):
    """ANNOTATOR_LANG sets import's spaCy language (here English: "don't" is two tokens)."""
    path = tmp_path / "en.txt"
    path.write_text("I don't know.", encoding="utf-8")
    monkeypatch.setenv("ANNOTATOR_LANG", "en")
    db_file = tmp_path / "lang.db"
    result = CliRunner().invoke(main, ["import", str(path), "--db", str(db_file)])
    assert result.exit_code == 0, result.output
    db = store.connect(db_file)
    assert store.get_document(db, 1).lang == "en"
    assert store.get_tokens(db, 1).pairs() == [[0, 1], [2, 4], [4, 7], [8, 12], [12, 13]]
