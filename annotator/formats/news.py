"""The news formats for `--format auto` and the readers registry: saved pages, WARC, feeds."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from annotator.formats.feed import FEED_SUFFIXES, is_feed_file, read_feed
from annotator.formats.html import HTML_SUFFIXES, html_files, read_html
from annotator.formats.warc import WARC_SUFFIXES, read_warc

NEWS_READERS = {"html": read_html, "warc": read_warc, "feed": read_feed}

_HTML_START = (b"<!doctype html", b"<html", b"<!-- saved from url=")


def detect_news_format(path: Path) -> str | None:
    """ "html", "warc" or "feed" when `path` (a file, or a folder of one kind) is one of them,
    judged by name and first bytes; None otherwise (another format's, or not readable)."""
    path = Path(path)
    if os.path.islink(path):
        return None
    if path.is_dir():
        return _detect_folder(path)
    if not path.is_file():
        return None
    name = path.name.lower()
    head = _head(path)
    if name.endswith(WARC_SUFFIXES) or head.startswith(b"WARC/"):
        return "warc"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    # .rss/.atom name a feed even when broken (its reader then says why); .xml must look like one.
    if is_feed_file(path) or (name.endswith(FEED_SUFFIXES) and not name.endswith(".xml")):
        return "feed"
    if head.lstrip().lower().startswith(_HTML_START):
        return "html"
    return None


def _detect_folder(path: Path) -> str | None:
    files = [p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")]
    if not files:
        return None
    # Files of no news kind (images, styles) may lie beside; two news kinds are ambiguous.
    kinds = {detect_news_format(p) for p in files} - {None}
    if kinds == {"warc"}:
        return "warc"
    if kinds == {"feed"}:
        return "feed"
    # A saved page's folder also holds its assets (NAME_files/ is skipped; loose images are not
    # pages); any .txt or .json means another format's folder.
    others = {p.suffix.lower() for p in files} & {".txt", ".json", ".jsonl", ".ann", ".tsv"}
    if kinds == {"html"} and not others and html_files(path):
        return "html"
    return None


def _head(path: Path, size: int = 512) -> bytes:
    with open(path, "rb") as fh:
        head = fh.read(size)
    if head.startswith(b"\x1f\x8b"):
        try:
            with gzip.open(path, "rb") as fh:
                return fh.read(size)
        except (OSError, EOFError):
            return head
    return head
