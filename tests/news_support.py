"""Saved news pages, WARC archives and feeds written by the tests (issue 16), and a CLI runner."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from click.testing import CliRunner

from annotator import store
from annotator.cli import main

BOILERPLATE_TOP = """<div id="cookie-banner" class="cookie-consent"><p>Wir verwenden Cookies, um
Ihnen das beste Erlebnis zu bieten. Mit der Nutzung stimmen Sie zu.</p><button>OK</button></div>
<header><nav><ul><li><a href="/">Start</a></li><li><a href="/politik">Politik</a></li>
<li><a href="/sport">Sport</a></li></ul></nav></header>"""
BOILERPLATE_BOTTOM = """<section id="comments" class="comments"><h3>Kommentare</h3>
<div class="comment"><p>Leser123: Das war doch abzusehen, niemand sagt es laut genug.</p></div>
</section><footer><p>© 2025 Medien GmbH</p><a href="/impressum">Impressum</a></footer>"""


def news_page(
    paragraphs: list[str],
    *,
    title: str,
    outlet: str | None = None,
    published: str | None = None,
    author: str | None = None,
    url: str | None = None,
    lang: str | None = None,
) -> str:
    """A saved article page with navigation, a cookie banner and comments around the text."""
    head = ['<meta charset="utf-8">', f"<title>{title}</title>"]
    if outlet:
        head.append(f'<meta property="og:site_name" content="{outlet}">')
    if author:
        head.append(f'<meta name="author" content="{author}">')
    if published:
        head.append(
            f'<meta property="article:published_time" content="{published}T09:00:00+02:00">'
        )
    if url:
        head.append(f'<link rel="canonical" href="{url}">')
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    lang_attr = f' lang="{lang}"' if lang else ""
    return (
        f"<!DOCTYPE html>\n<html{lang_attr}>\n<head>\n{chr(10).join(head)}\n</head>\n<body>\n"
        f"{BOILERPLATE_TOP}\n<main><article><h1>{title}</h1>\n{body}</article>\n"
        f"{BOILERPLATE_BOTTOM}</main>\n</body></html>\n"
    )


GERMAN = [
    "Die staatliche Nachrichtenagentur KCNA meldet, der Einsatz sei auf direkte Anweisung "
    "erfolgt, z.B. um die Region Kursk zu befreien; Beobachter halten das für Propaganda.",
    "Nach Erkenntnissen südkoreanischer Geheimdienste entsandte Nordkorea im Herbst 2024 rund "
    "11.000 Soldaten in die russischen Kampfgebiete.",
]
ENGLISH = [
    "South Korean intelligence says the troops don't know where they are being sent, and "
    "officials estimate that around 11,000 soldiers crossed the border last autumn.",
    "Analysts say the deployment is a test of the new alliance between the two governments.",
]
RUSSIAN = [
    "Министерство обороны сообщило, что в Москве-то всё спокойно, а войска продолжают "
    "освобождение населённых пунктов Курской области от противника.",
    "По данным западных разведок, в регион были переброшены тысячи солдат с Дальнего Востока.",
]

PAGES = {
    "tagesblick-kim.html": dict(
        paragraphs=GERMAN,
        title="Kims Befehl",
        outlet="Tagesblick",
        published="2025-04-28",
        author="Anna Beispiel",
        url="https://www.tagesblick.example/politik/kim-123.html",
        lang="de",
    ),
    "wire-troops.html": dict(
        paragraphs=ENGLISH,
        title="Eleven thousand troops",
        outlet="Kyiv Wire",
        published="2025-05-01",
        author="Olena Example",
        url="https://wire.example/troops",
        lang="en",
    ),
    "vesti-kursk.html": dict(
        paragraphs=RUSSIAN,
        title="Курская область",
        outlet="Vesti",
        published="2025-03-15",
        author="Иван Петров",
        url="https://vesti.example/kursk",
        lang="ru",
    ),
}


def write_pages(folder: Path, pages: dict | None = None) -> Path:
    """The saved pages (default: a German, an English and a Russian article) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, spec in (pages or PAGES).items():
        (folder / name).write_text(news_page(**spec), encoding="utf-8")
    return folder


def warc_record(rec_type: str, uri: str, block: bytes, content_type: str) -> bytes:
    """One WARC/1.1 record."""
    headers = (
        "WARC/1.1\r\n"
        f"WARC-Type: {rec_type}\r\n"
        f"WARC-Target-URI: {uri}\r\n"
        "WARC-Date: 2025-04-28T10:00:00Z\r\n"
        f"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{abs(hash(uri)) % 10**12:012d}>\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    )
    return headers.encode("ascii") + block + b"\r\n\r\n"


def warc_response(uri: str, html: str) -> bytes:
    """A WARC response record of an HTML page."""
    body = html.encode("utf-8")
    http = (
        f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("ascii") + body
    return warc_record("response", uri, http, "application/http;msgtype=response")


def write_warc(path: Path, records: list[bytes]) -> list[int]:
    """A .warc.gz of one gzip member per record; the offset of each record."""
    offsets, data = [], b""
    for record in records:
        offsets.append(len(data))
        data += gzip.compress(record)
    path.write_bytes(data)
    return offsets


def rss(items: list[dict], title: str = "Tagesblick") -> str:
    """An RSS 2.0 feed; an item with `content` carries its full text."""
    parts = []
    for item in items:
        content = (
            f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>"
            if "content" in item
            else ""
        )
        parts.append(
            f"<item><title>{item['title']}</title><link>{item['link']}</link>"
            f"<dc:creator>{item.get('author', 'Jan Muster')}</dc:creator>"
            f"<pubDate>{item.get('date', 'Mon, 28 Apr 2025 09:15:00 +0200')}</pubDate>"
            f"<description>teaser</description>{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{title}</title><link>https://www.tagesblick.example/</link>"
        f"<language>de-de</language>{''.join(parts)}</channel></rss>\n"
    )


class Cli:
    """`annotator ...` on one database file, through click's runner (stderr kept apart)."""

    def __init__(self, path: Path):
        self.path = path
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):
        return self.runner.invoke(main, [*map(str, args), "--db", str(self.path)], input=input)

    def rows(self, sql: str, args=()) -> list[tuple]:
        db = store.connect(self.path)
        try:
            return db.conn.execute(sql, list(args)).fetchall()
        finally:
            db.conn.close()


def annotation_lines(text: str, annotator: str, spans: list[tuple[int, int, str]]) -> str:
    """One Prodigy-style JSONL line: `annotator`'s spans on `text`, marked done."""
    return json.dumps(
        {
            "text": text,
            "spans": [{"start": s, "end": e, "label": label} for s, e, label in spans],
            "answer": "accept",
            "_annotator_id": annotator,
        },
        ensure_ascii=False,
    )
