"""WARC archives (`.warc`, `.warc.gz`), streamed: one article per HTML `response` record."""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from annotator.formats.article import MAX_PAGE_BYTES, ArticleRecord, each_file, files_under
from annotator.formats.base import ImportFormatError
from annotator.formats.html import OnProblem, article_record
from annotator.formats.page import decode_page, extract_article

WARC_SUFFIXES = (".warc", ".warc.gz")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# What warcio raises on a damaged archive (it has no single error type; a record cut inside
# its WARC headers even surfaces as an AttributeError from its reader).
_DAMAGED = (
    ArchiveLoadFailed,
    StatusAndHeadersParserException,
    EOFError,
    zlib.error,
    ValueError,
    AttributeError,
)


class _Truncated(Exception):
    """The compressed stream ended inside a gzip member."""


class _GzipCheckedFile(io.RawIOBase):
    """A file read through while a second decompressor checks every gzip member is whole:
    warcio reads a cut-off `.warc.gz` without complaint when the cut falls after the payload."""

    def __init__(self, fh):
        self._fh = fh
        self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
        self._member_open = False  # bytes of a member seen, its end not yet

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._fh.tell()

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        if not data:
            if self._member_open:
                raise _Truncated
            return data
        pending = data if self._inflate is not None else b""
        while pending:
            try:
                self._inflate.decompress(pending)
            except zlib.error:
                # Damaged data: warcio's own decompressor fails on it when it reaches that
                # record, which names the right offset; this check reads ahead by a block.
                self._inflate, self._member_open = None, False
                break
            self._member_open = True
            if not self._inflate.eof:
                break
            pending = self._inflate.unused_data
            self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
            self._member_open = False
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def read_warc(path: Path, on_problem: OnProblem | None = None) -> Iterator[ArticleRecord]:
    """One record per `response` record with an HTML payload and a 2xx status, in archive order
    (every archive under a folder, sorted).

    A damaged archive (cut off, a malformed record) raises ImportFormatError naming the file and
    the record's offset (in a folder, with `on_problem`, the archive's error is passed to it and
    the next archive read); a record holding no article (or a lying charset) raises likewise,
    or is passed to `on_problem` and skipped.
    """
    path = Path(path)
    if os.path.isdir(path) and not os.path.islink(path):
        files = files_under(path, WARC_SUFFIXES)
        if not files:
            raise ImportFormatError(f"{path}: no .warc or .warc.gz files in this folder")
        for file in files:
            yield from each_file(read_warc, file, on_problem)
        return
    if os.path.islink(path):
        raise ImportFormatError(f"{path}: a symbolic link; not followed")
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below; the iterator streams from it
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read ({exc.strerror})") from None
    with fh:
        source = fh
        if fh.read(2) == b"\x1f\x8b":
            source = _GzipCheckedFile(fh)
        fh.seek(0)
        records = ArchiveIterator(source)
        while True:
            try:
                record = next(records, None)
                if record is None:
                    return
                offset = records.offset
                page = _html_payload(record, path, offset)
            except ImportFormatError:
                raise
            except _Truncated:
                # warcio moves its offset past a record once it has read it to the end; when
                # the cut is met, `offset` is still the start of the record being read.
                offset = records.offset
                raise ImportFormatError(
                    f"{path}: cut off: the archive ends inside the gzip member of the record "
                    f"at offset {offset}"
                ) from None
            except _DAMAGED as exc:
                offset = records.offset
                raise ImportFormatError(
                    f"{path}: malformed record at offset {offset} ({_first_line(exc)})"
                ) from None
            if page is None:
                continue
            where = f"{path}: record at offset {offset}"
            try:
                raw, content_type, url = page
                article = extract_article(decode_page(raw, where, content_type), where, url=url)
                yield article_record(article, where, f"{path.name}@{offset}")
            except ImportFormatError as exc:
                if on_problem is None:
                    raise
                on_problem(str(exc))


def _html_payload(record, path: Path, offset: int) -> tuple[bytes, str, str | None] | None:
    """(payload, Content-Type, target URI) of an HTML 2xx response, else None (requests,
    metadata, images, redirects); the payload read whole or the record is cut off."""
    if record.rec_type != "response" or record.http_headers is None:
        _drain(record, path, offset)
        return None
    status = record.http_headers.get_statuscode() or ""
    content_type = record.http_headers.get_header("Content-Type") or ""
    if not status.startswith("2") or not content_type.lower().startswith(_HTML_TYPES):
        _drain(record, path, offset)
        return None
    raw = record.content_stream().read(MAX_PAGE_BYTES + 1)
    if len(raw) > MAX_PAGE_BYTES:
        raise ImportFormatError(
            f"{path}: record at offset {offset}: page larger than {MAX_PAGE_BYTES // 1_000_000} MB"
        )
    _drain(record, path, offset)
    return raw, content_type, record.rec_headers.get_header("WARC-Target-URI")


def _drain(record, path: Path, offset: int) -> None:
    # The record's block must be as long as its WARC Content-Length says; shorter is a cut.
    while record.raw_stream.read(1 << 16):
        pass
    if record.raw_stream.limit > 0:
        raise ImportFormatError(
            f"{path}: cut off: the record at offset {offset} ends "
            f"{record.raw_stream.limit} bytes before its Content-Length"
        )


def _first_line(exc: BaseException) -> str:
    if isinstance(exc, AttributeError | EOFError):
        return "its WARC headers are cut off or unreadable"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
