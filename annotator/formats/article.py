"""The record the news readers (saved pages, WARC, feeds) yield: an import record with the
article's outlet, date, author, URL and language, or an entry still waiting for its page."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from annotator.formats.base import ImportFormatError, ImportRecord

# trafilatura refuses larger inputs; saying so beats "no article found".
MAX_PAGE_BYTES = 20_000_000


@dataclass(frozen=True, slots=True)
class ArticleMeta:
    """What a study of news needs to know about an article besides its text; None: unknown."""

    outlet: str | None = None  # the site's or feed's name, e.g. "Tagesblick"
    published: str | None = None  # ISO date, YYYY-MM-DD
    author: str | None = None
    url: str | None = None
    lang: str | None = None  # ISO 639-1 code (primary subtag), e.g. "de"

    def as_meta(self) -> dict[str, str]:
        """The known fields as a dict (the JSONL export's `meta` keys)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


ARTICLE_FIELDS = ("outlet", "published", "author", "url", "lang")


@dataclass(slots=True)
class ArticleRecord(ImportRecord):
    """An ImportRecord with article metadata. `waiting_for_page`: a feed entry without its
    text (`text` is empty); its page is to come by `import --pages` or `--fetch`, by URL."""

    article: ArticleMeta = field(default_factory=ArticleMeta)
    waiting_for_page: bool = False


def read_regular_file(path: Path, limit: int = MAX_PAGE_BYTES) -> bytes:
    """The bytes of a regular file, not following a symbolic link; ImportFormatError naming the
    file when it is a link, not a regular file, unreadable or larger than `limit`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        if os.path.islink(path):
            raise ImportFormatError(f"{path}: a symbolic link; not followed") from None
        raise ImportFormatError(f"{path}: cannot read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ImportFormatError(f"{path}: not a regular file")
        if info.st_size > limit:
            raise ImportFormatError(f"{path}: larger than {limit // 1_000_000} MB")
        return fh.read(limit + 1)


def files_under(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The files under `folder` whose names end in one of `suffixes` (case-insensitive), sorted;
    symbolic links, to files or folders, not followed."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in names:
            if name.lower().endswith(suffixes) and not name.startswith("."):
                file = Path(root) / name
                if not os.path.islink(file):
                    found.append(file)
    return sorted(found)


def each_file(
    read: Callable[..., Iterator[ArticleRecord]],
    path: Path,
    on_problem: Callable[[str], None] | None,
) -> Iterator[ArticleRecord]:
    """`read(path, on_problem)`'s records; an error that ends the file (a cut archive, a file
    that is no feed) goes to `on_problem` when given, after the records read before it."""
    try:
        yield from read(path, on_problem)
    except ImportFormatError as exc:
        if on_problem is None:
            raise
        on_problem(str(exc))
