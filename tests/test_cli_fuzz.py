"""CLI fuzz (issue 13): hostile files fed to every `import --format` answer a one-line error (no
traceback) or import cleanly, and a refused import leaves the database exactly as it was."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.cli import main
from annotator.formats.registry import IMPORT_FORMATS

pytestmark = pytest.mark.slow

EXAMPLES = 20  # per format
# The file names each format reads; folder formats get a folder holding these names.
LAYOUTS = {
    "text": ["doc.txt"],
    "jsonl": ["in.jsonl"],
    "prodigy": ["in.jsonl"],
    "doccano": ["in.jsonl"],
    "labelstudio": ["tasks.json"],
    "brat": ["anna/doc.ann", "anna/doc.txt"],
    "ptc": ["article1.txt", "article1.labels.tsv"],
    "toxic": ["comments.csv", "annotations.csv", "spans.csv"],
    "html": ["page.html"],
    "warc": ["archive.warc"],
    "feed": ["feed.xml"],
}
FOLDER_FORMATS = {"brat", "ptc", "toxic"}

HOSTILE = [
    b"",
    b"\xff\xfe\x00\x00garbage",
    b'{"text": "abc \\ud800 def", "_annotator_id": "anna", "spans": []}\n',
    b'{"text": "abc", "meta": ' + b"[" * 5000 + b"]" * 5000 + b"}\n",
    b'[{"data": {"text": "x"}, "id": ' + b"9" * 5000 + b"}]",
    b'{"text": "abc", "_annotator_id": "gold\\n", "spans": []}\n',
    b'{"text": 5}\n',
    b"T1\tEDITORIAL_FRAMING 0 99999999999999999999999\tx\n",
    b"1\tLoaded_Language\t-5\t3\n",
    b"comment_id,comment_text\n1,\xc3(\n",
    b'"unterminated,\n',
    b"\x00" * 64,
    b"[" * 3000,  # deep for JSON; longer runs cost the tokenizer O(n^2) on one token
]

contents = st.one_of(
    st.sampled_from(HOSTILE),
    st.binary(max_size=400),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=3).map(b"\n".join),
)


def fingerprint(path) -> str:
    """A hash of every row of every table (the audit log included)."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        digest = hashlib.sha256()
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in sorted(tables):
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clifuzz")
    path = tmp / "fuzz.db"
    assert CliRunner().invoke(main, ["init", "--db", str(path)]).exit_code == 0
    return path


def test_every_format_is_fuzzed():
    assert set(IMPORT_FORMATS) <= set(LAYOUTS), set(IMPORT_FORMATS) - set(LAYOUTS)


@pytest.mark.parametrize("fmt", [*sorted(IMPORT_FORMATS), "auto"])
def test_hostile_files_give_one_line_errors(fmt, database, tmp_path_factory):
    layout = LAYOUTS.get(fmt, ["in.jsonl"])
    runner = CliRunner()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(contents, min_size=len(layout), max_size=len(layout)))
    def run(blobs):
        folder = tmp_path_factory.mktemp("in")
        for name, blob in zip(layout, blobs, strict=True):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(blob)
        target = folder if fmt in FOLDER_FORMATS or len(layout) > 1 else folder / layout[0]
        before = fingerprint(database)
        result = runner.invoke(
            main,
            ["import", str(target), "--format", fmt, "--annotator", "anna", "--db", str(database)],
        )
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            fmt,
            repr(result.exception),
        )
        assert result.exit_code in (0, 1), (result.exit_code, result.output)
        if result.exit_code == 1:
            errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
            assert len(errors) == 1, result.output
            assert fingerprint(database) == before, (fmt, result.output)
        shutil.rmtree(folder, ignore_errors=True)

    run()
