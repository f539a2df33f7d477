"""WARC archives: HTML responses become articles; cut-off and malformed archives name the
file and the record offset. The archives are written byte by byte here, as the WARC 1.1
standard lays them out (one gzip member per record for .warc.gz)."""

from __future__ import annotations

import gzip
import uuid
from pathlib import Path

import pytest

from annotator.formats.article import ArticleMeta
from annotator.formats.base import ImportFormatError
from annotator.formats.news import detect_news_format
from annotator.formats.warc import read_warc
from tests.test_formats_html import (
    BARE_PAGE,
    BARE_TEXT,
    HEADLINE,
    LAST,
    NEWS_PAGE,
    PARAGRAPHS,
    RUSSIAN,
    SUBHEAD,
    russian_page,
)

URL = "https://www.tagesblick.example/politik/kim-befehl-123.html?from=warc"


def warc_record(rec_type: str, uri: str, block: bytes, content_type: str) -> bytes:
    """One WARC/1.1 record: version line, named fields, a blank line, the block, two CRLFs."""
    headers = (
        "WARC/1.1\r\n"
        f"WARC-Type: {rec_type}\r\n"
        f"WARC-Target-URI: {uri}\r\n"
        "WARC-Date: 2025-04-28T10:00:00Z\r\n"
        f"WARC-Record-ID: <urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, rec_type + uri)}>\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    )
    return headers.encode("ascii") + block + b"\r\n\r\n"


def http_response(body: bytes, content_type: str, status: str = "200 OK", extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{extra}"
    if "Transfer-Encoding" not in extra:
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode("ascii") + b"\r\n" + body


def response(uri: str, body: bytes, content_type: str = "text/html; charset=utf-8", **kw) -> bytes:
    return warc_record(
        "response",
        uri,
        http_response(body, content_type, **kw),
        "application/http;msgtype=response",
    )


def request(uri: str) -> bytes:
    block = f"GET {uri} HTTP/1.1\r\nHost: www.tagesblick.example\r\n\r\n".encode("ascii")
    return warc_record("request", uri, block, "application/http;msgtype=request")


def chunked(body: bytes, size: int = 700) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def crawl() -> list[bytes]:
    """A small crawl: request and response of an article, a redirect, an image, a teaser page
    sent gzip-compressed in chunks, and a Russian page whose charset only the HTTP header says."""
    page = NEWS_PAGE.encode("utf-8")
    ru_page = russian_page().replace('<meta charset="utf-8">', "").encode("cp1251")
    return [
        warc_record("warcinfo", "", b"software: hand-written\r\n", "application/warc-fields"),
        request(URL),
        response(URL, page),
        response(
            "https://www.tagesblick.example/alt",
            b"",
            status="301 Moved Permanently",
            extra="Location: https://www.tagesblick.example/politik/\r\n",
        ),  # fmt: skip
        response("https://www.tagesblick.example/logo.png", b"\x89PNG\r\n", "image/png"),
        response(
            "https://www.tagesblick.example/lage.html",
            chunked(gzip.compress(BARE_PAGE.encode("utf-8"))),
            extra="Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
        ),
        response("https://vesti.example/kursk", ru_page, "text/html; charset=windows-1251"),
    ]


def write_warc(path: Path, records: list[bytes], compress: bool) -> list[int]:
    """Write the archive; the offset of each record in the file."""
    offsets, data = [], b""
    for record in records:
        offsets.append(len(data))
        data += gzip.compress(record) if compress else record
    path.write_bytes(data)
    return offsets


@pytest.mark.parametrize("compress", [False, True], ids=["warc", "warc.gz"])
def test_html_responses_become_articles_with_the_target_uri(tmp_path, compress):
    path = tmp_path / ("crawl.warc.gz" if compress else "crawl.warc")
    offsets = write_warc(path, crawl(), compress)
    records = list(read_warc(path))
    assert [r.source for r in records] == [
        f"{path}: record at offset {offsets[2]}",
        f"{path}: record at offset {offsets[5]}",
        f"{path}: record at offset {offsets[6]}",
    ]
    kim, lage, kursk = records
    assert kim.text == "\n".join([HEADLINE, *PARAGRAPHS, SUBHEAD, LAST])
    assert kim.title == HEADLINE
    # The URL the crawler asked for, not the page's canonical link.
    assert kim.article == ArticleMeta(
        outlet="Tagesblick", published="2025-04-28", author="Anna Beispiel", url=URL, lang="de"
    )
    assert kim.external_id == URL
    assert lage.text == "\n".join(BARE_TEXT)
    # A page that names no site is attributed to its host.
    assert lage.article == ArticleMeta(
        outlet="tagesblick.example", url="https://www.tagesblick.example/lage.html", lang="de"
    )
    assert kursk.text == "\n".join(["Курская область", *RUSSIAN])
    assert kursk.article == ArticleMeta(
        outlet="Вести", url="https://vesti.example/kursk", lang="ru"
    )


def test_gzip_truncated_archive_names_the_file_and_the_record_offset(tmp_path):
    path = tmp_path / "cut.warc.gz"
    offsets = write_warc(path, crawl(), compress=True)
    data = path.read_bytes()
    # Cut inside the last member's trailer: warcio alone reads the whole payload and says nothing.
    path.write_bytes(data[:-3])
    with pytest.raises(ImportFormatError) as info:
        list(read_warc(path))
    assert str(info.value) == (
        f"{path}: cut off: the archive ends inside the gzip member of the record at offset "
        f"{offsets[6]}"
    )
    path.write_bytes(data[: offsets[2] + 500])
    with pytest.raises(ImportFormatError) as info:
        list(read_warc(path))
    assert str(info.value) == (
        f"{path}: cut off: the archive ends inside the gzip member of the record at offset "
        f"{offsets[2]}"
    )


def test_nothing_is_yielded_past_a_cut_and_records_before_it_are_whole(tmp_path):
    path = tmp_path / "cut.warc.gz"
    offsets = write_warc(path, crawl(), compress=True)
    path.write_bytes(path.read_bytes()[: offsets[6] + 40])
    seen = []
    with pytest.raises(ImportFormatError, match="cut off"):
        for record in read_warc(path):
            seen.append(record.external_id)
    assert seen == [URL, "https://www.tagesblick.example/lage.html"]


def test_uncompressed_archive_cut_inside_a_record_names_its_offset(tmp_path):
    path = tmp_path / "cut.warc"
    offsets = write_warc(path, crawl(), compress=False)
    data = path.read_bytes()
    path.write_bytes(data[: offsets[3] - 100])
    with pytest.raises(ImportFormatError) as info:
        list(read_warc(path))
    assert str(info.value) == (
        f"{path}: cut off: the record at offset {offsets[2]} ends 96 bytes before its "
        "Content-Length"
    )


def test_malformed_record_names_the_file_and_offset(tmp_path):
    path = tmp_path / "bad.warc"
    records = crawl()[:3] + [b"NOT-A-WARC-RECORD\r\nfoo: bar\r\n\r\n"]
    offsets = write_warc(path, records, compress=False)
    with pytest.raises(ImportFormatError) as info:
        list(read_warc(path))
    assert str(info.value) == (
        f"{path}: malformed record at offset {offsets[3]} "
        "(Invalid WARC record, first line: NOT-A-WARC-RECORD)"
    )


def test_damaged_gzip_data_is_a_malformed_record(tmp_path):
    path = tmp_path / "bad.warc.gz"
    offsets = write_warc(path, crawl()[:3], compress=True)
    data = bytearray(path.read_bytes())
    data[offsets[2] + 30 : offsets[2] + 60] = b"\xff" * 30
    path.write_bytes(bytes(data))
    with pytest.raises(ImportFormatError) as info:
        list(read_warc(path))
    assert str(info.value).startswith(f"{path}: malformed record at offset {offsets[2]} (")


def test_response_without_an_article_is_an_error_unless_skipped(tmp_path):
    path = tmp_path / "mixed.warc"
    menu = b"<html><body><nav><a href='/'>Home</a></nav></body></html>"
    records = [response("https://t.example/", menu), response(URL, NEWS_PAGE.encode("utf-8"))]
    offsets = write_warc(path, records, compress=False)
    message = (
        f"{path}: record at offset {offsets[0]}: no article text found "
        "(4 characters of main text, at least 80 needed)"
    )
    with pytest.raises(ImportFormatError) as info:
        list(read_warc(path))
    assert str(info.value) == message
    problems: list[str] = []
    assert [r.external_id for r in read_warc(path, on_problem=problems.append)] == [URL]
    assert problems == [message]


def test_response_whose_header_charset_lies_names_the_record(tmp_path):
    path = tmp_path / "lies.warc"
    body = BARE_PAGE.encode("latin-1")
    offsets = write_warc(path, [response(URL, body, "text/html; charset=utf-8")], False)
    at = body.index("ä".encode("latin-1"))
    with pytest.raises(ImportFormatError) as info:
        list(read_warc(path))
    assert str(info.value) == (
        f"{path}: record at offset {offsets[0]}: byte {at} (0xe4) is not valid in its "
        "declared charset utf-8"
    )


def test_folder_of_archives_and_format_detection(tmp_path):
    write_warc(tmp_path / "b.warc.gz", crawl()[5:6], compress=True)
    write_warc(tmp_path / "a.warc", crawl()[1:3], compress=False)
    write_warc(tmp_path / "noext", crawl()[1:3], compress=False)
    assert [r.external_id for r in read_warc(tmp_path / "")] == [
        URL,
        "https://www.tagesblick.example/lage.html",
    ]
    assert [detect_news_format(tmp_path / n) for n in ("a.warc", "b.warc.gz", "noext")] == [
        "warc",
        "warc",
        "warc",
    ]
    (tmp_path / "noext").unlink()
    assert detect_news_format(tmp_path) == "warc"
