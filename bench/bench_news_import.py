"""Reading 2,000 saved news pages next to trafilatura's own extraction on the same pages.

Run: .venv/bin/python bench/bench_news_import.py [--pages 2000] [--rounds 2]
Writes pages built from corpus/*.txt, wrapped in the boilerplate of a real news site (meta
tags, JSON-LD, a cookie banner, navigation, a "most read" box, reader comments, footer,
scripts), into a temporary folder. Times, in the same run and on the same files:
  trafilatura  read each file and call trafilatura.bare_extraction (metadata on, comments off),
               with its default date search ("default"), and with the date search our reader
               uses (structured markup only, "same options"),
  reader       annotator's read_html over the folder (walk, strict decoding, the same
               extraction, language, records),
  import       what `annotator import` does (services.imports.import_run: format detection,
               reading, canonicalising, hashing, tokenizing per language, storing with the
               article fields) into a fresh SQLite database; in the turns below each 50 pages
               are one import run (one transaction each) into the same database,
  whole        one import_run over the whole folder (one transaction), after the turns,
  cli          `python -m annotator import FOLDER` in a subprocess, wall time (interpreter
               start and imports included), after the turns.
trafilatura, the reader and the import take turns every 50 pages, so that load from neighbours
on the 2 shared cores falls on all alike. Best of --rounds for each.
Prints pages/s of each and the ratios to trafilatura (target: import at least 80%).
"""

from __future__ import annotations

import argparse
import html
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trafilatura
from trafilatura.settings import set_date_params

from annotator import store
from annotator.core.tokenize import forget_pipelines
from annotator.formats.html import read_html
from annotator.formats.page import DATE_PARAMS
from annotator.services.imports import import_run

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
OUTLETS = [
    ("Tagesblick", "tagesblick.example"),
    ("Rheinische Rundschau", "rundschau.example"),
    ("Nordkurier Online", "nordkurier.example"),
    ("Der Morgen", "dermorgen.example"),
    ("Berliner Abendpost", "abendpost.example"),
    ("Ostsee-Zeitung", "ostsee.example"),
    ("Alpenblatt", "alpenblatt.example"),
    ("Weser Depesche", "depesche.example"),
]
AUTHORS = ["Anna Beispiel", "Jan Muster", "Eva Probe", "Max Mustermann", "Lea Test"]
SECTIONS = ["Politik", "Ausland", "Wirtschaft", "Meinung", "Sport", "Kultur", "Wissen", "Regional"]
COMMENTS = [
    "Das war doch abzusehen, die Regierung hat wieder versagt.",
    "Endlich schreibt mal jemand die Wahrheit, danke für den Artikel!",
    "Quelle? Ohne Belege ist das nur Meinung.",
    "Ich sehe das völlig anders, aber gut recherchiert.",
    "Wann berichten Sie endlich über die andere Seite?",
]


def article_parts(text: str) -> tuple[str, list[tuple[str, str]]]:
    """(headline, [(tag, text)]) of a corpus article: short unpunctuated lines are subheads."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    blocks = [("h2" if len(s) < 70 and s[-1] not in '.:!?“"' else "p", s) for s in lines[1:]]
    return lines[0], blocks


def page(n: int, headline: str, blocks: list[tuple[str, str]], rng: random.Random) -> str:
    """One saved page as a news site serves it."""
    outlet, host = OUTLETS[n % len(OUTLETS)]
    author = AUTHORS[n % len(AUTHORS)]
    day = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}"
    url = f"https://www.{host}/politik/{n:05d}-nordkorea-kursk.html"
    title = html.escape(f"{headline} ({n})")
    nav = "".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in SECTIONS)
    most_read = "".join(
        f'<li><a href="/politik/{rng.randrange(10**5):05d}.html">{html.escape(b[1][:60])}</a></li>'
        for b in rng.sample(blocks, min(5, len(blocks)))
    )
    body = "\n".join(f"<{tag}>{html.escape(text)}</{tag}>" for tag, text in blocks)
    comments = "\n".join(
        f'<li class="comment"><span class="user">Leser{rng.randrange(999)}</span>'
        f"<p>{html.escape(c)}</p></li>"
        for c in rng.sample(COMMENTS, 4)
    )
    footer_links = "".join(
        f'<a href="/{x.lower()}">{x}</a> '
        for x in ("Impressum", "Datenschutz", "Kontakt", "Abo", "Newsletter", "Karriere")
    )
    return f"""<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | {outlet}</title>
<meta name="description" content="{html.escape(blocks[0][1][:150])}">
<meta name="author" content="{author}">
<meta property="og:site_name" content="{outlet}">
<meta property="og:title" content="{title}">
<meta property="og:type" content="article">
<meta property="og:url" content="{url}">
<meta property="article:published_time" content="{day}T08:{n % 60:02d}:00+01:00">
<link rel="canonical" href="{url}">
<link rel="stylesheet" href="/static/site.{n % 7}.css">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "{title}", "datePublished": "{day}",
"author": {{"@type": "Person", "name": "{author}"}},
"publisher": {{"@type": "Organization", "name": "{outlet}"}}}}</script>
<script>window.dataLayer = window.dataLayer || []; dataLayer.push({{"page": "{n}"}});</script>
</head>
<body>
<div id="cookie-consent" class="cookie-banner" role="dialog"><p>Wir und unsere Partner verwenden
Cookies und ähnliche Technologien, um Inhalte zu personalisieren, Werbung anzuzeigen und unsere
Zugriffe zu analysieren. Sie können Ihre Einwilligung jederzeit widerrufen.</p>
<button class="accept">Alle akzeptieren</button> <button class="settings">Einstellungen</button>
</div>
<header class="site-header"><a class="logo" href="/">{outlet}</a>
<nav class="main-nav"><ul>{nav}</ul></nav>
<form class="search" action="/suche"><input name="q" placeholder="Suche"></form></header>
<div class="breadcrumbs"><a href="/">Startseite</a> › <a href="/politik">Politik</a> › Ausland</div>
<main>
<article class="article">
<h1>{html.escape(headline)}</h1>
<div class="byline">Von {author} · {day}</div>
{body}
</article>
<aside class="most-read"><h3>Meistgelesen</h3><ol>{most_read}</ol></aside>
<section id="comments" class="comments"><h3>Kommentare (4)</h3><ul>{comments}</ul></section>
</main>
<footer class="site-footer"><p>© 2025 {outlet} Medien GmbH. Alle Rechte vorbehalten.</p>
{footer_links}</footer>
<script src="/static/app.js" async></script>
</body>
</html>
"""


def write_pages(folder: Path, count: int) -> list[Path]:
    """`count` distinct saved pages, each a corpus article with some paragraphs shuffled."""
    rng = random.Random(16)
    articles = [article_parts(p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))]
    paths = []
    for n in range(count):
        headline, blocks = articles[n % len(articles)]
        blocks = list(blocks)
        i, j = rng.randrange(1, len(blocks)), rng.randrange(1, len(blocks))
        blocks[i], blocks[j] = blocks[j], blocks[i]
        path = folder / f"{n:05d}.html"
        path.write_text(page(n, f"{headline} ({n})", blocks, rng), encoding="utf-8")
        paths.append(path)
    return paths


def time_interleaved(
    paths: list[Path], db_path: Path, chunk: int = 50
) -> tuple[dict[str, float], dict]:
    """Seconds and characters of each extractor and of the import over all pages, taking turns
    every `chunk` pages so that a neighbour's load on the shared cores falls on all alike."""
    same = {"date_extraction_params": {**set_date_params(False), **DATE_PARAMS}}

    def trafilatura_run(batch, **options):
        chars = 0
        for path in batch:
            document = trafilatura.bare_extraction(
                path.read_bytes(), with_metadata=True, include_comments=False, **options
            )
            chars += len(document.text)
        return chars

    def reader_run(batch):
        return sum(len(record.text) for path in batch for record in read_html(path))

    db_path.unlink(missing_ok=True)
    db = store.connect(db_path)
    forget_pipelines()  # each round's import starts as a new process would: nothing cached

    def import_run_chunk(batch):
        report = import_run(db, batch)
        assert report.documents_added == len(batch), report.summary()
        return None

    runs = {
        "default": trafilatura_run,
        "same": lambda batch: trafilatura_run(batch, **same),
        "reader": reader_run,
        "import": import_run_chunk,
    }
    seconds = dict.fromkeys(runs, 0.0)
    chars = dict.fromkeys(runs, 0)
    for i in range(0, len(paths), chunk):
        batch = paths[i : i + chunk]
        for name, run in runs.items():
            start = time.perf_counter()
            chars[name] += run(batch) or 0
            seconds[name] += time.perf_counter() - start
    stored = db.conn.execute("SELECT COALESCE(SUM(length(text)), 0) FROM document").fetchone()[0]
    chars["import"] = stored
    db.close()
    return seconds, chars


def time_import(folder: Path, db_path: Path) -> tuple[float, int]:
    """One import_run over the whole folder into a fresh database: seconds, documents added."""
    db_path.unlink(missing_ok=True)
    db = store.connect(db_path)
    forget_pipelines()
    start = time.perf_counter()
    report = import_run(db, [folder])
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed, report.documents_added


def time_cli(folder: Path, db_path: Path) -> tuple[float, str]:
    """`python -m annotator import FOLDER` in a subprocess: wall seconds, its summary line."""
    db_path.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "import", str(folder), "--db", str(db_path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return time.perf_counter() - start, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pages"
        folder.mkdir()
        paths = write_pages(folder, args.pages)
        size = sum(p.stat().st_size for p in paths)
        print(f"{len(paths)} pages, {size / 1e6:.1f} MB of HTML")
        # Warm-up: trafilatura's and py3langid's lazy tables, spaCy's pipeline.
        list(read_html(paths[0]))
        best = dict.fromkeys(("default", "same", "reader", "import", "whole", "cli"), float("inf"))
        for round_no in range(1, args.rounds + 1):
            seconds, chars = time_interleaved(paths, Path(tmp) / "turns.db")
            seconds["whole"], added = time_import(folder, Path(tmp) / "bench.db")
            assert added == len(paths), f"imported {added} of {len(paths)} pages"
            seconds["cli"], summary = time_cli(folder, Path(tmp) / "cli.db")
            assert summary.startswith(f"{len(paths)} documents added"), summary
            assert len(set(chars.values())) == 1, f"the extractors disagree on the text: {chars}"
            print(
                f"round {round_no}: "
                + ", ".join(f"{name} {seconds[name]:.2f} s" for name in best)
                + f" ({chars['reader']} characters of text each); import in turns "
                f"{seconds['default'] / seconds['import']:.0%} of default, "
                f"{seconds['same'] / seconds['import']:.0%} of same-options trafilatura"
            )
            for name in best:
                best[name] = min(best[name], seconds[name])
        rate = {name: len(paths) / seconds for name, seconds in best.items()}
        print(f"trafilatura, default options:     {rate['default']:7.1f} pages/s")
        print(f"trafilatura, our reader's options: {rate['same']:6.1f} pages/s")
        for name, label in (
            ("reader", "read_html (our reader)"),
            ("import", "annotator import, in turns"),
            ("whole", "annotator import, one run"),
            ("cli", "annotator import, CLI process"),
        ):
            print(
                f"{label + ':':34} {rate[name]:6.1f} pages/s = "
                f"{rate[name] / rate['default']:.0%} of default, "
                f"{rate[name] / rate['same']:.0%} of same-options trafilatura"
            )


if __name__ == "__main__":
    main()
