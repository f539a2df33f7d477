"""Fetching a waiting feed entry's page over HTTP(S), for `import --fetch` (off by default):
http and https only, a timeout, a size limit, a bounded number of redirects."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from annotator.formats.article import MAX_PAGE_BYTES, ArticleRecord
from annotator.formats.base import ImportFormatError
from annotator.formats.feed import fill_waiting
from annotator.formats.html import article_record
from annotator.formats.page import decode_page, extract_article

USER_AGENT = "annotator/0.1 (page of a saved feed entry)"
MAX_REDIRECTS = 5
_SCHEMES = ("http", "https")


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """One fetched response: the URL asked for, the URL answered (after redirects), its
    Content-Type and body."""

    url: str
    final_url: str
    content_type: str
    body: bytes


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        # urllib would follow a redirect to ftp:; a feed's page is only ever http(s).
        if urlsplit(newurl).scheme.lower() not in _SCHEMES:
            fp.close()
            raise ImportFormatError(f"{req.full_url}: redirected to a non-HTTP URL {newurl!r}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_page(url: str, timeout: float = 10.0, max_bytes: int = MAX_PAGE_BYTES) -> FetchedPage:
    """GET `url` (http/https only) within `timeout` seconds per network operation and
    `max_bytes` of body; ImportFormatError naming the URL for anything else."""
    if urlsplit(url).scheme.lower() not in _SCHEMES or not urlsplit(url).hostname:
        raise ImportFormatError(f"{url}: only http and https URLs are fetched")
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise ImportFormatError(f"{url}: page larger than {max_bytes} bytes")
            body = response.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise ImportFormatError(f"{url}: page larger than {max_bytes} bytes")
            return FetchedPage(
                url=url,
                final_url=response.geturl(),
                content_type=response.headers.get("Content-Type", ""),
                body=body,
            )
    except urllib.error.HTTPError as exc:
        exc.close()
        raise ImportFormatError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise ImportFormatError(f"{url}: cannot fetch ({exc.reason})") from None
    except (TimeoutError, OSError) as exc:
        raise ImportFormatError(f"{url}: cannot fetch ({exc})") from None


def fetch_waiting(entry: ArticleRecord, timeout: float = 10.0) -> ArticleRecord:
    """A waiting feed entry completed with the article of its fetched page."""
    url = entry.article.url
    if url is None:
        raise ImportFormatError(f"{entry.source}: no URL to fetch")
    page = fetch_page(url, timeout=timeout)
    if not page.content_type.lower().startswith(("text/html", "application/xhtml+xml")):
        raise ImportFormatError(f"{url}: not an HTML page ({page.content_type or 'no type'})")
    article = extract_article(decode_page(page.body, url, page.content_type), url, url=url)
    return fill_waiting(entry, article_record(article, url, url))
