"""One saved web page to article text and metadata: strict charset decoding, then trafilatura
for the main text (no menus, banners or comments) and the page's metadata."""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass

import trafilatura
from trafilatura.settings import set_date_params

from annotator.core.languages import detect_language, language_tag
from annotator.core.tokenize import canonical_text
from annotator.formats.article import ArticleMeta
from annotator.formats.base import ImportFormatError

# trafilatura logs "discarding data" for every page it rejects; we raise a clear error instead,
# and without a handler Python would print its warnings on stderr.
for _name in ("trafilatura", "htmldate", "courlan"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

# Fewer characters than this is a menu or a teaser, not an article (trafilatura's baseline
# rescue returns whatever text a page has, "Home About" included).
MIN_ARTICLE_CHARS = 80

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_SAVED_FROM = re.compile(rb"<!-- saved from url=\(\d+\)(https?://[^\s>]+?) ?-->")
# Browsers decode these labels as windows-1252 (WHATWG Encoding); so do we.
_WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii"}
# Date from structured markup only: htmldate's extensive search turns "© 2025" in a footer
# into 2025-01-01, which is not when the article was published.
DATE_PARAMS = {"original_date": True, "extensive_search": False}


@dataclass(frozen=True, slots=True)
class Article:
    """An extracted article: canonical text, title, metadata."""

    text: str
    title: str | None
    meta: ArticleMeta


def declared_charset(raw: bytes, content_type: str | None = None) -> str | None:
    """The charset a page declares: byte-order mark, then the HTTP Content-Type (WARC, fetch),
    then `<meta charset>` or `<meta http-equiv>` in its first 4 KB; None if it declares none."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    if content_type and (match := _HEADER_CHARSET.search(content_type)):
        return match.group(1)
    if match := _META_CHARSET.search(raw[:4096]):
        return match.group(1).decode("ascii")
    return None


def decode_page(raw: bytes, source: str, content_type: str | None = None) -> str:
    """The page's text in its declared charset (UTF-8 when it declares none), decoded strictly;
    ImportFormatError naming `source` and the byte when the bytes are invalid in that charset."""
    label = declared_charset(raw, content_type)
    name = "utf-8" if label is None else label.lower()
    if name in _WINDOWS_1252:
        name = "cp1252"
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise ImportFormatError(f"{source}: declares an unknown charset {label!r}") from None
    try:
        text = raw.decode("utf-8-sig" if codec.name == "utf-8" else codec.name)
    except UnicodeDecodeError as exc:
        said = "no charset, so UTF-8 is assumed" if label is None else f"charset {label}"
        raise ImportFormatError(
            f"{source}: byte {exc.start} ({raw[exc.start]:#04x}) is not valid in its declared "
            f"{said}"
        ) from None
    return text


def saved_from_url(raw: bytes) -> str | None:
    """The URL in a browser's `<!-- saved from url=(N)... -->` mark, if the page has one."""
    match = _SAVED_FROM.search(raw[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def extract_article(html: str, source: str, url: str | None = None) -> Article:
    """The main text and metadata of one page; ImportFormatError naming `source` when it holds
    no article. `url` (the WARC target, the fetched URL) wins over the page's own."""
    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            date_extraction_params={**set_date_params(False), **DATE_PARAMS},
        )
    except Exception as exc:  # a third-party parser on untrusted input
        # trafilatura catches its own ValueError/TypeError; anything else from lxml or its
        # helpers on a hostile page must still be one line naming the file, not a traceback.
        raise ImportFormatError(
            f"{source}: cannot parse this page ({type(exc).__name__}: {exc})"
        ) from None
    text = canonical_text(document.text).strip() if document is not None and document.text else ""
    if len(text) < MIN_ARTICLE_CHARS:
        raise ImportFormatError(
            f"{source}: no article text found ({len(text)} characters of main text, "
            f"at least {MIN_ARTICLE_CHARS} needed)"
        )
    lang = page_language(html) or detect_language(text)
    meta = ArticleMeta(
        outlet=clean_field(document.sitename),
        published=clean_field(document.date),
        author=clean_field(document.author),
        url=url or clean_field(document.url),
        lang=lang,
    )
    return Article(text=text, title=clean_field(document.title), meta=meta)


_HTML_LANG = re.compile(r"""<html\b[^>]*?\blang\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)
_CONTENT_LANGUAGE = re.compile(
    r"""<meta\b[^>]*?http-equiv\s*=\s*["']?content-language["']?[^>]*?content\s*=\s*["']?([^"'>]+)""",
    re.I,
)
_OG_LOCALE = re.compile(
    r"""<meta\b[^>]*?property\s*=\s*["']?og:locale["']?[^>]*?content\s*=\s*["']?([^"'>]+)""",
    re.I,
)


def page_language(html: str) -> str | None:
    """The language the page declares: `<html lang>`, Content-Language meta, or og:locale."""
    head = html[:8192]
    for pattern in (_HTML_LANG, _CONTENT_LANGUAGE, _OG_LOCALE):
        if (match := pattern.search(head)) and (lang := language_tag(match.group(1))):
            return lang
    return None


def clean_field(value: str | None) -> str | None:
    """A metadata value with its whitespace collapsed, canonical; None when empty."""
    if value is None:
        return None
    value = canonical_text(" ".join(value.split()))
    return value or None
