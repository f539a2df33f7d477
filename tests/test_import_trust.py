"""Import refuses what an attacker or a careless operator can feed it (issue 13, holes 1 and 6):
links out of the tree, the database and the secret key, and files that used to end in a
traceback instead of one line naming the file and line."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from annotator import store
from annotator.cli import main
from annotator.core.tokenize import MAX_TEXT_CHARS
from annotator.formats.base import ImportFormatError
from annotator.formats.feed import read_feed
from annotator.formats.html import read_html
from annotator.formats.reading import MAX_LINE_BYTES, FilePolicy, file_identities, file_policy
from annotator.formats.registry import IMPORT_FORMATS
from annotator.formats.warc import read_warc

SECRET = "f" * 64


@pytest.fixture
def cli(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    path = instance / "annotator.db"
    (instance / "secret_key").write_text(SECRET)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, [*args, "--db", str(path)])

    run.path = path
    run.instance = instance
    assert run("init").exit_code == 0
    return run


def texts_of(path) -> list[str]:
    db = store.connect(path)
    try:
        return [row["text"] for row in db.query("SELECT text FROM document")]
    finally:
        db.conn.close()


def one_line_error(result, *needles: str) -> str:
    """The single error line of a failed command, checked to hold each needle."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def brat_folder(tmp_path, target):
    folder = tmp_path / "brat" / "anna"
    folder.mkdir(parents=True)
    (folder / "notes.ann").write_text("T1\tEDITORIAL_FRAMING 0 4\tffff\n")
    os.symlink(target, folder / "notes.txt")
    return folder


# --- hole 1: links, the database and the secret key -------------------------------------------


def test_brat_text_linked_to_the_secret_key_is_not_imported(cli, tmp_path):
    folder = brat_folder(tmp_path, cli.instance / "secret_key")
    result = cli("import", str(folder.parent), "--format", "brat")
    one_line_error(result, "notes.txt", "symbolic link")
    assert texts_of(cli.path) == []


def test_follow_links_still_never_reads_the_secret_key_or_the_database(cli, tmp_path):
    folder = brat_folder(tmp_path, cli.instance / "secret_key")
    result = cli("import", str(folder.parent), "--format", "brat", "--follow-links")
    one_line_error(result, "never imported")
    for name in ("annotator.db", "annotator.db-wal"):
        linked = tmp_path / f"texts-{name}"
        linked.mkdir()
        os.symlink(cli.instance / name, linked / "a.txt")
        result = cli("import", str(linked), "--format", "text", "--follow-links")
        one_line_error(result, "never imported")
    assert SECRET not in "".join(texts_of(cli.path))
    assert texts_of(cli.path) == []


def test_a_hard_link_to_the_secret_key_is_refused(cli, tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    os.link(cli.instance / "secret_key", folder / "key.txt")
    one_line_error(cli("import", str(folder), "--format", "text"), "key.txt", "never imported")
    assert texts_of(cli.path) == []


def test_links_inside_a_folder_are_skipped_and_named(cli, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "b.txt").write_text("Ein Text außerhalb des Ordners.")
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_text("Ein eigener Text im Ordner.")
    os.symlink(outside / "b.txt", folder / "b.txt")
    os.symlink(outside, folder / "sub")
    for fmt in ("text", "auto"):
        result = cli("import", str(folder), "--format", fmt)
        assert result.exit_code == 0, result.output
        assert f"{folder / 'b.txt'}: a symbolic link; skipped" in result.output
        assert f"{folder / 'sub'}: a symbolic link; skipped" in result.output
    assert texts_of(cli.path) == ["Ein eigener Text im Ordner."]
    result = cli("import", str(folder), "--format", "text", "--follow-links")
    assert result.exit_code == 0, result.output
    assert sorted(texts_of(cli.path)) == [
        "Ein Text außerhalb des Ordners.",
        "Ein eigener Text im Ordner.",
    ]


@pytest.mark.parametrize("fmt", ["auto", *sorted(set(IMPORT_FORMATS) - {"brat", "ptc", "toxic"})])
def test_a_linked_file_is_refused_by_every_file_reader(cli, tmp_path, fmt):
    target = tmp_path / "real.jsonl"
    target.write_text('{"text": "Ein Text, der verlinkt ist.", "_annotator_id": "anna"}\n')
    link = tmp_path / "link.jsonl"
    os.symlink(target, link)
    one_line_error(
        cli("import", str(link), "--format", fmt, "--annotator", "anna"), "symbolic link"
    )
    assert texts_of(cli.path) == []


@pytest.mark.parametrize("reader", [read_html, read_feed, read_warc])
def test_the_news_readers_never_read_the_secret_key(cli, tmp_path, reader):
    linked = tmp_path / "page.html"
    os.symlink(cli.instance / "secret_key", linked)
    hard = tmp_path / "hard.html"
    os.link(cli.instance / "secret_key", hard)
    protected = file_identities([cli.instance / "secret_key"])
    with file_policy(FilePolicy(follow_links=True, protected=protected)):
        for path in (linked, hard):
            with pytest.raises(ImportFormatError, match="never imported"):
                list(reader(path))


def test_a_device_is_not_read(cli):
    one_line_error(
        cli("import", "/dev/zero", "--format", "text"), "/dev/zero", "not a regular file"
    )


# --- hole 6: one-line errors for hostile files ------------------------------------------------


def hostile(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "needles"),
    [
        (
            "deep.jsonl",
            b'{"text": "abc", "meta": {"x": ' + b"[" * 200_000 + b"]" * 200_000 + b"}}\n",
            ("deep.jsonl:1", "nested too deeply"),
        ),
        ("deep.json", b"[" + b"[" * 200_000 + b"]" * 200_000 + b"]", ("deep.json:1", "nested")),
        ("utf8.jsonl", b'{"text": "abc \xff\xfe def"}\n', ("utf8.jsonl:1", "UTF-8")),
        ("later.jsonl", b'{"text": "abc"}\n{"text": "\xc3("}\n', ("later.jsonl:2", "UTF-8")),
        ("surrogate.jsonl", b'{"text": "abc \\ud800 def"}\n', ("surrogate.jsonl:1", "surrogate")),
        (
            "title.jsonl",
            b'{"text": "abc", "meta": {"title": "x\\udfff"}}\n',
            ("title.jsonl:1", "surrogate"),
        ),
        (
            "bigint.jsonl",
            b'{"text": "abc", "meta": {"n": ' + b"7" * 5000 + b"}}\n",
            ("bigint.jsonl:1", "integer"),
        ),
        (
            "bigint.json",
            b'[{"data": {"text": "abc"}, "id": ' + b"7" * 5000 + b"}]",
            ("bigint.json:1", "integer"),
        ),
    ],
)
def test_hostile_json_is_one_line_naming_file_and_line(cli, tmp_path, name, content, needles):
    path = hostile(tmp_path, name, content)
    for fmt in ("auto", "jsonl", "prodigy") if name.endswith(".jsonl") else ("auto", "labelstudio"):
        one_line_error(cli("import", str(path), "--format", fmt, "--annotator", "anna"), *needles)
    assert texts_of(cli.path) == []


def test_a_line_over_the_bound_is_refused_by_number(cli, tmp_path):
    path = tmp_path / "long.jsonl"
    with open(path, "wb") as fh:
        fh.write(b'{"text": "a short first line"}\n')
        fh.write(b'{"text": "' + b"x" * (MAX_LINE_BYTES + 10) + b'"}\n')
    one_line_error(
        cli("import", str(path), "--format", "jsonl"), "long.jsonl:2", "longer than 64 MB"
    )
    assert texts_of(cli.path) == []


def test_a_text_over_our_bound_is_refused(cli, tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text("Wort " * (MAX_TEXT_CHARS // 5 + 1))
    one_line_error(cli("import", str(path), "--format", "text"), "huge.txt", "10,000,000")
    assert texts_of(cli.path) == []


@pytest.mark.slow
def test_a_three_million_character_document_imports(cli, tmp_path):
    text = ("Nordkorea entsandte rund 11.000 Soldaten. " * 71_429)[:3_000_000]
    path = tmp_path / "book.txt"
    path.write_text(text)
    result = cli("import", str(path), "--format", "text")
    assert result.exit_code == 0, result.output
    assert texts_of(cli.path) == [text]
