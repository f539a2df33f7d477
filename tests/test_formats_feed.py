"""Saved RSS/Atom feeds, matching saved pages to entries by URL, and fetching a page from a
local HTTP server (127.0.0.1 only)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from annotator.formats.article import ArticleMeta, ArticleRecord
from annotator.formats.base import ImportFormatError
from annotator.formats.feed import fill_waiting, match_pages, read_feed, url_key
from annotator.formats.fetch import fetch_page, fetch_waiting
from annotator.formats.html import read_html
from annotator.formats.news import detect_news_format
from tests.test_formats_html import (
    BARE_PAGE,
    BARE_TEXT,
    HEADLINE,
    LAST,
    NEWS_PAGE,
    PARAGRAPHS,
    SUBHEAD,
)

KIM_URL = "https://www.tagesblick.example/politik/kim-befehl-123.html"

RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>Tagesblick</title>
<link>https://www.tagesblick.example/</link>
<language>de-de</language>
<item>
<title>Gefangene Soldaten bestätigen Zwangsverpflichtungen</title>
<link>https://www.tagesblick.example/politik/gefangene-5.html</link>
<dc:creator>Jan Muster</dc:creator>
<pubDate>Mon, 28 Apr 2025 09:15:00 +0200</pubDate>
<description>Ein Detail aus den Verhören.</description>
<content:encoded><![CDATA[<p>Ein gefangener nordkoreanischer Soldat schilderte, er sei im
Glauben nach Russland gereist, lediglich eine <b>militärische Übung</b> zu absolvieren.</p>
<h2>Erst vor Ort</h2><p>Erst vor Ort wurde ihm klar, worum es ging.</p>
<script>track()</script>]]></content:encoded>
</item>
<item>
<title>{HEADLINE}</title>
<link>{KIM_URL}?utm_source=rss&amp;utm_medium=feed</link>
<pubDate>Tue, 29 Apr 2025 23:30:00 -0100</pubDate>
<description>KCNA meldet einen Befehl.</description>
</item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<title>Kyiv Wire</title>
<id>urn:example:kyiv-wire</id>
<updated>2025-05-02T08:00:00Z</updated>
<entry>
<title>Eleven thousand troops</title>
<link href="https://wire.example/troops"/>
<id>urn:example:troops</id>
<author><name>Olena Example</name></author>
<published>2025-05-01T22:10:00-04:00</published>
<updated>2025-05-02T08:00:00Z</updated>
<content type="html">&lt;p&gt;South Korean intelligence estimates that around 11,000
soldiers were sent.&lt;/p&gt;</content>
</entry>
<entry>
<title>Losses mount</title>
<link href="https://wire.example/losses"/>
<id>urn:example:losses</id>
<updated>2025-05-02T07:00:00Z</updated>
<summary>Only a teaser.</summary>
</entry>
</feed>
"""


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_rss_full_text_entries_are_documents_and_the_others_wait_for_their_page(tmp_path):
    path = write(tmp_path / "tagesblick.xml", RSS)
    full, waiting = list(read_feed(path))
    assert full == ArticleRecord(
        text="Gefangene Soldaten bestätigen Zwangsverpflichtungen\n"
        "Ein gefangener nordkoreanischer Soldat schilderte, er sei im Glauben nach Russland "
        "gereist, lediglich eine militärische Übung zu absolvieren.\n"
        "Erst vor Ort\n"
        "Erst vor Ort wurde ihm klar, worum es ging.",
        source=f"{path}: entry 1",
        external_id="https://www.tagesblick.example/politik/gefangene-5.html",
        title="Gefangene Soldaten bestätigen Zwangsverpflichtungen",
        article=ArticleMeta(
            outlet="Tagesblick",
            published="2025-04-28",
            author="Jan Muster",
            url="https://www.tagesblick.example/politik/gefangene-5.html",
            lang="de",
        ),
        waiting_for_page=False,
    )
    assert waiting == ArticleRecord(
        text="",
        source=f"{path}: entry 2",
        external_id=f"{KIM_URL}?utm_source=rss&utm_medium=feed",
        title=HEADLINE,
        # 23:30 at UTC-1 is the 29th where it was written (the 30th in UTC).
        article=ArticleMeta(
            outlet="Tagesblick",
            published="2025-04-29",
            url=f"{KIM_URL}?utm_source=rss&utm_medium=feed",
            lang="de",
        ),
        waiting_for_page=True,
    )


def test_atom_content_is_a_document_and_summary_only_entries_wait(tmp_path):
    path = write(tmp_path / "wire.atom", ATOM)
    full, waiting = list(read_feed(path))
    assert full.text == (
        "Eleven thousand troops\n"
        "South Korean intelligence estimates that around 11,000 soldiers were sent."
    )
    assert full.article == ArticleMeta(
        outlet="Kyiv Wire",
        published="2025-05-01",
        author="Olena Example",
        url="https://wire.example/troops",
        lang="en",
    )
    assert waiting.waiting_for_page is True
    assert waiting.text == ""
    assert (waiting.title, waiting.article.url, waiting.article.published) == (
        "Losses mount",
        "https://wire.example/losses",
        "2025-05-02",
    )


def test_feed_that_is_not_xml_is_one_error_naming_the_file(tmp_path):
    path = write(tmp_path / "feed.rss", "Dies ist kein Feed, sondern eine Notiz.\n")
    with pytest.raises(ImportFormatError) as info:
        list(read_feed(path))
    assert str(info.value) == (
        f"{path}:1: not well-formed XML (syntax error); not an RSS or Atom feed"
    )


def test_broken_xml_names_its_line(tmp_path):
    unclosed = RSS.replace("<title>Tagesblick</title>", "<title>Tagesblick", 1)
    path = write(tmp_path / "feed.xml", unclosed)
    # The parser notices the unclosed <title> where </channel> closes something else.
    line = unclosed.splitlines().index("</channel>") + 1
    with pytest.raises(ImportFormatError) as info:
        list(read_feed(path))
    assert str(info.value) == (
        f"{path}:{line}: not well-formed XML (mismatched tag); not an RSS or Atom feed"
    )


def test_html_page_given_as_a_feed_is_an_error(tmp_path):
    path = write(tmp_path / "page.xml", NEWS_PAGE)
    with pytest.raises(ImportFormatError) as info:
        list(read_feed(path))
    assert str(info.value).startswith(f"{path}:")
    assert str(info.value).endswith("; not an RSS or Atom feed")


def test_well_formed_xml_that_is_no_feed_is_an_error(tmp_path):
    path = write(tmp_path / "catalog.xml", "<?xml version='1.0'?><catalog><book/></catalog>")
    with pytest.raises(ImportFormatError) as info:
        list(read_feed(path))
    assert str(info.value) == f"{path}: not an RSS or Atom feed"


def test_entry_with_neither_text_nor_link_is_an_error_unless_skipped(tmp_path):
    feed = RSS.replace(
        "<item>", "<item><title>Ohne alles</title><description>x</description></item><item>", 1
    )
    path = write(tmp_path / "f.xml", feed)
    with pytest.raises(ImportFormatError) as info:
        list(read_feed(path))
    assert str(info.value) == f"{path}: entry 1: neither full text nor a link to its page"
    problems: list[str] = []
    records = list(read_feed(path, on_problem=problems.append))
    assert [r.source for r in records] == [f"{path}: entry 2", f"{path}: entry 3"]
    assert problems == [str(info.value)]


def test_feed_format_detection(tmp_path):
    assert detect_news_format(write(tmp_path / "a.xml", RSS)) == "feed"
    assert detect_news_format(write(tmp_path / "b.atom", ATOM)) == "feed"
    assert detect_news_format(write(tmp_path / "c", ATOM)) == "feed"


def test_url_keys_ignore_what_does_not_name_the_page():
    same = [
        "https://www.tagesblick.example/politik/kim-befehl-123.html",
        "http://tagesblick.example/politik/kim-befehl-123.html",
        "HTTPS://WWW.Tagesblick.Example:443/politik/kim-befehl-123.html#kommentare",
        "https://www.tagesblick.example/politik/kim-befehl-123.html/?utm_source=rss&fbclid=x",
        "https://www.tagesblick.example/politik/kim%2Dbefehl-123.html",
    ]
    assert {url_key(u) for u in same} == {"tagesblick.example/politik/kim-befehl-123.html"}
    assert url_key("https://t.example/a?b=2&a=1") == url_key("https://t.example/a?a=1&b=2")
    assert url_key("https://t.example/a?id=1") != url_key("https://t.example/a?id=2")
    assert url_key("https://t.example:8080/a") == "t.example:8080/a"
    assert url_key("https://t.example/Artikel") != url_key("https://t.example/artikel")
    assert url_key("https://t.example/") == "t.example/"
    assert url_key("mailto:redaktion@t.example") == "mailto:redaktion@t.example"


def test_saved_pages_fill_the_waiting_entries_by_url(tmp_path):
    _full, waiting = list(read_feed(write(tmp_path / "f.xml", RSS)))
    pages_dir = tmp_path / "pages"
    write(pages_dir / "kim.html", NEWS_PAGE)  # canonical URL without the utm parameters
    write(pages_dir / "other.html", BARE_PAGE)  # no URL: matches nothing
    pages = list(read_html(pages_dir))
    matches = match_pages([waiting.article.url], pages)
    assert [(url, page.source) for url, page in matches.matched] == [
        (waiting.article.url, str(pages_dir / "kim.html"))
    ]
    assert [page.source for page in matches.unmatched] == [str(pages_dir / "other.html")]
    filled = fill_waiting(waiting, matches.matched[0][1])
    assert filled.waiting_for_page is False
    assert filled.text == "\n".join([HEADLINE, *PARAGRAPHS, SUBHEAD, LAST])
    assert filled.external_id == waiting.external_id
    # The page's own fields win; the URL stays the entry's, which the stored document has.
    assert filled.article == ArticleMeta(
        outlet="Tagesblick",
        published="2025-04-28",
        author="Anna Beispiel",
        url=f"{KIM_URL}?utm_source=rss&utm_medium=feed",
        lang="de",
    )


def test_a_second_page_of_the_same_url_is_unmatched():
    page = ArticleRecord(text="x", source="a", article=ArticleMeta(url=KIM_URL))
    again = ArticleRecord(text="y", source="b", article=ArticleMeta(url=KIM_URL + "#top"))
    matches = match_pages([KIM_URL], [page, again])
    assert [(u, p.source) for u, p in matches.matched] == [(KIM_URL, "a")]
    assert [p.source for p in matches.unmatched] == ["b"]


class _Pages(BaseHTTPRequestHandler):
    """A tiny site on 127.0.0.1: an article, a redirect to it, one to ftp, a huge page, a slow
    one, a 404 and a PDF."""

    def do_GET(self):  # noqa: N802 - http.server's name
        routes = {
            "/kim.html": (200, "text/html; charset=utf-8", NEWS_PAGE.encode("utf-8")),
            "/lage.html": (200, "text/html; charset=iso-8859-1", BARE_PAGE.encode("latin-1")),
            "/paper.pdf": (200, "application/pdf", b"%PDF-1.4"),
            "/huge.html": (200, "text/html", b"<p>" + b"x" * 5000 + b"</p>"),
        }
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/kim.html")
            self.end_headers()
            return
        if self.path == "/to-ftp":
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/file")
            self.end_headers()
            return
        if self.path == "/slow.html":
            time.sleep(2)
        status, ctype, body = routes.get(self.path, (404, "text/plain", b"not here"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if self.path != "/huge.html":  # no length: the limit must hold while reading
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading at its size limit

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_fetch_follows_redirects_and_keeps_the_type(site):
    page = fetch_page(f"{site}/moved")
    assert page.url == f"{site}/moved"
    assert page.final_url == f"{site}/kim.html"
    assert page.content_type == "text/html; charset=utf-8"
    assert page.body == NEWS_PAGE.encode("utf-8")


def test_fetch_refuses_other_schemes_and_redirects_to_them(site):
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/x", "data:text/html,hi", "http:///x"):
        with pytest.raises(ImportFormatError) as info:
            fetch_page(url)
        assert str(info.value) == f"{url}: only http and https URLs are fetched"
    with pytest.raises(ImportFormatError) as info:
        fetch_page(f"{site}/to-ftp")
    assert str(info.value) == (
        f"{site}/to-ftp: redirected to a non-HTTP URL 'ftp://127.0.0.1/file'"
    )


def test_fetch_errors_name_the_url(site):
    with pytest.raises(ImportFormatError) as info:
        fetch_page(f"{site}/missing")
    assert str(info.value) == f"{site}/missing: HTTP 404 Not Found"
    with pytest.raises(ImportFormatError) as info:
        fetch_page(f"{site}/huge.html", max_bytes=1000)
    assert str(info.value) == f"{site}/huge.html: page larger than 1000 bytes"
    with pytest.raises(ImportFormatError) as info:
        fetch_page(f"{site}/kim.html", max_bytes=1000)  # refused by its Content-Length
    assert str(info.value) == f"{site}/kim.html: page larger than 1000 bytes"
    with pytest.raises(ImportFormatError) as info:
        fetch_page(f"{site}/slow.html", timeout=0.3)
    assert str(info.value) == f"{site}/slow.html: cannot fetch (timed out)"


def test_fetch_waiting_entry_extracts_its_page(site):
    entry = ArticleRecord(
        text="",
        source="f.xml: entry 2",
        external_id=f"{site}/lage.html",
        title="Lage an der Front",
        article=ArticleMeta(outlet="Tagesblick", published="2025-04-29", url=f"{site}/lage.html"),
        waiting_for_page=True,
    )
    filled = fetch_waiting(entry)
    assert filled.text == "\n".join(BARE_TEXT)  # decoded by the header's charset
    assert filled.title == "Lage an der Front"
    assert filled.waiting_for_page is False
    # trafilatura names a site without og:site_name by its host (here with the port).
    assert filled.article == ArticleMeta(
        outlet=site.removeprefix("http://"),
        published="2025-04-29",
        url=f"{site}/lage.html",
        lang="de",
    )
    pdf = ArticleRecord(
        text="", source="e", article=ArticleMeta(url=f"{site}/paper.pdf"), waiting_for_page=True
    )
    with pytest.raises(ImportFormatError) as info:
        fetch_waiting(pdf)
    assert str(info.value) == f"{site}/paper.pdf: not an HTML page (application/pdf)"


def test_plain_text_content_is_not_read_as_html_and_empty_content_waits(tmp_path):
    feed = ATOM.replace(
        '<content type="html">&lt;p&gt;South Korean intelligence estimates that around 11,000\n'
        "soldiers were sent.&lt;/p&gt;</content>",
        '<content type="text">Troops &lt;b&gt; 11,000 &lt; 14,000\n\nsent   north.</content>',
    ).replace("<summary>Only a teaser.</summary>", '<content type="html">&lt;!-- --&gt;</content>')
    path = write(tmp_path / "wire.atom", feed)
    plain, empty = list(read_feed(path))
    assert plain.text == "Eleven thousand troops\nTroops <b> 11,000 < 14,000\nsent north."
    assert (empty.text, empty.waiting_for_page) == ("", True)
