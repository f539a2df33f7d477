"""Every interchange format in one table: its name, what it reads and writes, where it can go.

The importer, the exporter, the command line's choices, the download page and format detection
all read this table; a new format is one entry here (plus its reader or writer module).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from annotator.formats.base import ImportRecord
from annotator.formats.brat import read_brat
from annotator.formats.doccano import read_doccano, write_doccano
from annotator.formats.export_record import write_jsonl
from annotator.formats.jsonl import read_jsonl
from annotator.formats.labelstudio import read_labelstudio
from annotator.formats.prodigy import read_prodigy
from annotator.formats.ptc import read_ptc, write_ptc
from annotator.formats.text import read_text
from annotator.formats.toxic import read_toxic

Reader = Callable[[Path], Iterator[ImportRecord]]
StreamWriter = Callable[[Iterable[dict[str, Any]], IO[str]], int]


def write_docbin(
    records: Iterable[dict[str, Any]], target: Path, lang: str, shard_size=None, auto_shard=True
):
    """The spaCy DocBin writer, imported on use: spaCy costs a second to load."""
    from annotator.formats.spacy_docbin import write_docbin as write

    return write(records, target, lang, shard_size=shard_size, auto_shard=auto_shard)


# The news readers are imported on use: trafilatura and its date and URL helpers cost a second.
def read_html(path: Path, on_problem=None) -> Iterator[ImportRecord]:
    """Saved web pages (formats.html)."""
    from annotator.formats.html import read_html as read

    return read(path, on_problem)


def read_warc(path: Path, on_problem=None) -> Iterator[ImportRecord]:
    """WARC archives (formats.warc)."""
    from annotator.formats.warc import read_warc as read

    return read(path, on_problem)


def read_feed(path: Path, on_problem=None) -> Iterator[ImportRecord]:
    """Saved RSS/Atom feeds (formats.feed)."""
    from annotator.formats.feed import read_feed as read

    return read(path, on_problem)


@dataclass(frozen=True, slots=True)
class Format:
    """One interchange format."""

    name: str
    reader: Reader | None = None  # imports documents (and spans)
    stream_writer: StreamWriter | None = None  # exports as lines of text (file or stdout)
    path_writer: Callable[..., int] | None = None  # exports to a file or folder it creates
    suffix: str = ""  # of an export file
    writes_folder: bool = False  # the export is a folder (ptc; spacy when sharded)
    downloadable: bool = False  # offered on the lead's export page
    gold_by_default: bool = False  # spans without an annotator name are the gold layer
    # The reader takes `on_problem` (news: a bad page skipped with --skip-invalid, else fatal).
    skips_bad_items: bool = False
    # The writer takes records whose tokens are TokenColumns (export_records(token_columns=)).
    reads_token_columns: bool = False

    @property
    def streamable(self) -> bool:
        """Can go to standard output or a streamed download."""
        return self.stream_writer is not None


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("text", reader=read_text),
        Format(
            "jsonl",
            reader=read_jsonl,
            stream_writer=write_jsonl,
            suffix=".jsonl",
            downloadable=True,
            reads_token_columns=True,
        ),
        Format("prodigy", reader=read_prodigy),
        Format(
            "doccano",
            reader=read_doccano,
            stream_writer=write_doccano,
            suffix=".doccano.jsonl",
            downloadable=True,
        ),
        Format("brat", reader=read_brat),
        Format("labelstudio", reader=read_labelstudio),
        Format(
            "ptc",
            reader=read_ptc,
            path_writer=lambda records, target, lang, shard_size=None: write_ptc(records, target),
            suffix=".ptc",
            writes_folder=True,
            gold_by_default=True,
        ),
        Format("toxic", reader=read_toxic),
        Format(
            "spacy",
            path_writer=write_docbin,
            suffix=".spacy",
            downloadable=True,
            reads_token_columns=True,
        ),
        Format("html", reader=read_html, skips_bad_items=True),
        Format("warc", reader=read_warc, skips_bad_items=True),
        Format("feed", reader=read_feed, skips_bad_items=True),
    )
}

IMPORT_FORMATS = tuple(name for name, f in FORMATS.items() if f.reader)
EXPORT_FORMATS = tuple(name for name, f in FORMATS.items() if f.stream_writer or f.path_writer)
DOWNLOAD_FORMATS = tuple(name for name, f in FORMATS.items() if f.downloadable)
