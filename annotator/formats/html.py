"""Saved web pages (`.html`/`.htm` files and folders of them): one article per page."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from annotator.formats.article import ArticleRecord, read_regular_file
from annotator.formats.base import ImportFormatError
from annotator.formats.page import Article, decode_page, extract_article, saved_from_url
from annotator.formats.reading import is_link, skip_link

HTML_SUFFIXES = (".html", ".htm")

# Called with the message of a page that cannot be imported; without one the reader raises.
OnProblem = Callable[[str], None]


def read_html(path: Path, on_problem: OnProblem | None = None) -> Iterator[ArticleRecord]:
    """One record per saved page: `path` itself, or every page under the folder `path` (sorted,
    symbolic links not followed, a browser's `NAME_files/` folder of page assets left out).

    A bad page raises ImportFormatError naming it, or is passed to `on_problem` and skipped.
    """
    path = Path(path)
    if os.path.isdir(path) and not os.path.islink(path):
        files = html_files(path)
        if not files:
            raise ImportFormatError(f"{path}: no .html or .htm files in this folder")
        pages = ((file, file.relative_to(path).as_posix()) for file in files)
    else:
        pages = iter([(path, path.name)])
    for file, name in pages:
        try:
            yield page_record(file, name)
        except ImportFormatError as exc:
            if on_problem is None:
                raise
            on_problem(str(exc))


def html_files(folder: Path) -> list[Path]:
    """The saved pages under `folder`, sorted; links and browsers' asset folders left out."""
    found = []
    for root, dirs, names in os.walk(folder):  # followlinks=False: a linked folder is not read
        here = Path(root)
        # "Save page, complete" writes PAGE.html beside PAGE_files/ (frames, ads, scripts).
        stems = {Path(n).stem for n in names if n.lower().endswith(HTML_SUFFIXES)}
        dirs[:] = sorted(d for d in dirs if not (d.endswith("_files") and d[:-6] in stems))
        for name in dirs:
            if os.path.islink(here / name):
                skip_link(here / name)
        for name in names:
            if name.lower().endswith(HTML_SUFFIXES) and not name.startswith("."):
                if is_link(here / name):
                    skip_link(here / name)
                else:
                    found.append(here / name)
    return sorted(found)


def page_record(file: Path, name: str) -> ArticleRecord:
    """The record of one saved page file; `name` is its id when the page names no URL."""
    raw = read_regular_file(file)
    article = extract_article(decode_page(raw, str(file)), str(file), url=None)
    if article.meta.url is None and (saved := saved_from_url(raw)):
        # As trafilatura does for a page with a known URL, a page naming no site is its host's.
        outlet = article.meta.outlet or (urlsplit(saved).hostname or "").removeprefix("www.")
        meta = replace(article.meta, url=saved, outlet=outlet or None)
        article = Article(article.text, article.title, meta)
    return article_record(article, str(file), name)


def article_record(article: Article, source: str, fallback_id: str) -> ArticleRecord:
    """The import record of an extracted article; its id is its URL when known."""
    return ArticleRecord(
        text=article.text,
        source=source,
        external_id=article.meta.url or fallback_id,
        title=article.title,
        article=article.meta,
    )
