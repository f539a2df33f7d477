"""Saved RSS/Atom feeds: entries with their full text become documents, the others records
waiting for their page; and matching saved pages to waiting entries by URL."""

from __future__ import annotations

import email.utils
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit
from xml.sax import SAXParseException

import feedparser
import lxml.etree
import lxml.html

from annotator.core.languages import detect_language, language_tag
from annotator.core.tokenize import canonical_text
from annotator.formats.article import (
    ArticleMeta,
    ArticleRecord,
    each_file,
    files_under,
    read_regular_file,
)
from annotator.formats.base import ImportFormatError
from annotator.formats.html import OnProblem
from annotator.formats.page import clean_field

FEED_SUFFIXES = (".xml", ".rss", ".atom")

_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "aside", "main", "blockquote",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "tr",
    "pre", "figure", "figcaption", "hr", "br",
}  # fmt: skip
_SPACES = re.compile(r"\s+")
_SKIP = {"script", "style", "noscript", "template"}
# Query parameters that say how a reader came to a page, not which page it is.
_TRACKING = re.compile(
    r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|at_.*|wt_.*|ns_.*)$", re.I
)


def read_feed(path: Path, on_problem: OnProblem | None = None) -> Iterator[ArticleRecord]:
    """One record per entry, in feed order: its full text (RSS `content:encoded`, Atom
    `content`) as a document, else a record waiting for its page (URL and title, empty text).

    A file that is not a well-formed RSS/Atom feed raises ImportFormatError naming it (in a
    folder, with `on_problem`, is passed to it); an entry with neither text nor link raises
    likewise, or is passed to `on_problem` and skipped.
    """
    path = Path(path)
    if os.path.isdir(path) and not os.path.islink(path):
        found = files_under(path, FEED_SUFFIXES)
        files = [f for f in found if is_feed_file(f) or f.suffix.lower() != ".xml"]
        if not files:
            raise ImportFormatError(f"{path}: no feeds (.xml, .rss, .atom) in this folder")
        for file in files:
            yield from each_file(read_feed, file, on_problem)
        return
    raw = read_regular_file(path)
    parsed = feedparser.parse(raw, sanitize_html=True, resolve_relative_uris=True)
    _check_feed(parsed, path, raw)
    channel = parsed.feed
    outlet = clean_field(channel.get("title"))
    feed_lang = language_tag(channel.get("language"))
    for number, entry in enumerate(parsed.entries, start=1):
        try:
            yield _entry_record(entry, f"{path}: entry {number}", outlet, feed_lang)
        except ImportFormatError as exc:
            if on_problem is None:
                raise
            on_problem(str(exc))


def _check_feed(parsed, path: Path, raw: bytes) -> None:
    exc = parsed.get("bozo_exception")
    if isinstance(exc, SAXParseException):
        line = exc.getLineNumber()
        if not raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml"):
            line -= 1  # feedparser parses the file with an XML declaration line put before it
        raise ImportFormatError(
            f"{path}:{max(line, 1)}: not well-formed XML ({exc.getMessage()}); "
            "not an RSS or Atom feed"
        )
    if parsed.get("bozo"):
        raise ImportFormatError(f"{path}: not a readable feed ({exc})")
    if not parsed.get("version"):
        raise ImportFormatError(f"{path}: not an RSS or Atom feed")


def _entry_record(entry, source: str, outlet: str | None, feed_lang: str | None) -> ArticleRecord:
    title = clean_field(entry.get("title"))
    url = clean_field(entry.get("link"))
    contents = [c for c in entry.get("content", ()) if clean_field(c.get("value"))]
    body = content_text(contents[0]) if contents else ""
    meta = ArticleMeta(
        outlet=outlet,
        published=entry_date(entry),
        author=clean_field(entry.get("author")),
        url=url,
        lang=language_tag(contents[0].get("language")) if contents else None,
    )
    if body:
        first_line = body.split("\n", 1)[0]
        text = body if title is None or first_line == title else f"{title}\n{body}"
        meta = replace(meta, lang=meta.lang or feed_lang or detect_language(text))
        return ArticleRecord(text=text, source=source, external_id=url, title=title, article=meta)
    if url is None:
        raise ImportFormatError(f"{source}: neither full text nor a link to its page")
    return ArticleRecord(
        text="",
        source=source,
        external_id=url,
        title=title,
        article=replace(meta, lang=meta.lang or feed_lang),
        waiting_for_page=True,
    )


def entry_date(entry) -> str | None:
    """The entry's publication date (YYYY-MM-DD) as the feed writes it, in its own time zone:
    feedparser's parsed times are UTC, which moves late-evening articles to the next day."""
    for key in ("published", "updated", "created"):
        value = entry.get(key)
        if not value:
            continue
        for parse in (email.utils.parsedate_to_datetime, datetime.fromisoformat):
            try:
                return parse(value.strip()).date().isoformat()
            except (TypeError, ValueError, IndexError):
                continue
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            return f"{parsed.tm_year:04d}-{parsed.tm_mon:02d}-{parsed.tm_mday:02d}"
    return None


def content_text(content) -> str:
    """The text of one feedparser content item: HTML (the usual case) or plain text."""
    value = content["value"]
    if content.get("type") == "text/plain":
        lines = (_SPACES.sub(" ", line).strip() for line in value.splitlines())
        return canonical_text("\n".join(line for line in lines if line))
    return fragment_text(value)


def fragment_text(html: str) -> str:
    """The text of an HTML fragment (a feed entry's content): one line per block element,
    spaces collapsed, canonical."""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except lxml.etree.ParserError:  # nothing but a comment or a processing instruction
        return ""
    pieces: list[str] = []

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP:
            return
        block = tag in _BLOCKS
        if block:
            pieces.append("\n")
        if element.text and tag:
            pieces.append(_SPACES.sub(" ", element.text))  # a line break in the source is a space
        for child in element:
            walk(child)
            if child.tail:
                pieces.append(_SPACES.sub(" ", child.tail))
        if block:
            pieces.append("\n")

    walk(root)
    lines = (line.strip() for line in "".join(pieces).split("\n"))
    return canonical_text("\n".join(line for line in lines if line))


def url_key(url: str) -> str:
    """A URL reduced to what names the page: no scheme, `www.`, default port, fragment, trailing
    slash or tracking parameters; host lower-case; percent-escapes and query order normalised."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return text
    host = parts.hostname.lower().removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~")
    path = path.rstrip("/") or "/"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    )
    return host + path + (f"?{urlencode(query)}" if query else "")


@dataclass(slots=True)
class PageMatches:
    """Saved pages matched to the waiting entries' URLs, and the pages that matched none."""

    matched: list[tuple[str, ArticleRecord]] = field(default_factory=list)  # (entry URL, page)
    unmatched: list[ArticleRecord] = field(default_factory=list)


def match_pages(waiting_urls: Iterable[str], pages: Iterable[ArticleRecord]) -> PageMatches:
    """Pair each saved page with the waiting entry of the same URL (by `url_key`); the first
    page of a URL wins, later ones with that URL count as unmatched."""
    by_key = {url_key(url): url for url in waiting_urls}
    result = PageMatches()
    for page in pages:
        key = url_key(page.article.url) if page.article.url else None
        url = by_key.pop(key, None) if key is not None else None
        if url is None:
            result.unmatched.append(page)
        else:
            result.matched.append((url, page))
    return result


def fill_waiting(entry: ArticleRecord, page: ArticleRecord) -> ArticleRecord:
    """The waiting `entry` completed from its `page`: the page's text, and each metadata field
    from the page where it has one, else from the feed; the entry's URL is kept."""
    fields = {
        name: getattr(page.article, name) or getattr(entry.article, name)
        for name in ("outlet", "published", "author", "lang")
    }
    return replace(
        entry,
        text=page.text,
        source=page.source,
        title=page.title or entry.title,
        article=ArticleMeta(url=entry.article.url, **fields),
        waiting_for_page=False,
    )


def is_feed_file(path: Path) -> bool:
    """True when the start of the file is an RSS, RDF or Atom root element."""
    if os.path.islink(path) or not os.path.isfile(path):
        return False
    with open(path, "rb") as fh:
        head = fh.read(4096)
    return _FEED_ROOT.search(head) is not None


_FEED_ROOT = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<\?[^>]*>\s*)*"
    rb"<(?:rss|feed|rdf:RDF)\b",
    re.S,
)
