"""Saved web pages: main text without boilerplate, metadata, languages, charsets, bad pages."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from annotator.core.languages import detect_language, language_tag, spacy_language
from annotator.core.tokenize import analyse
from annotator.formats.article import ArticleMeta
from annotator.formats.base import ImportFormatError
from annotator.formats.html import read_html
from annotator.formats.news import NEWS_READERS, detect_news_format
from annotator.formats.reading import FilePolicy, file_policy

HEADLINE = "Kim Jong-uns Befehl – eine Allianz gegen den Westen"
PARAGRAPHS = [
    "Die staatliche Nachrichtenagentur KCNA meldet: Der Einsatz sei auf direkte Anweisung "
    "Kim Jong-uns erfolgt. Das Ziel sei es, „ukrainische Neonazi-Besatzer zu vernichten und die "
    "Region Kursk zu befreien“ – eine Wortwahl, die den Ton des Kremls übernimmt.",
    "Der Hintergrund: Im Sommer 2024 hatten Putin und Kim ein Verteidigungsabkommen "
    "geschlossen, das weit über diplomatische Floskeln hinausgeht.",
]
SUBHEAD = "11.000 Soldaten, hohe Verluste"
LAST = (
    "Nach Erkenntnissen südkoreanischer Geheimdienste entsandte Nordkorea im Herbst 2024 rund "
    "11.000 Soldaten in die russischen Kampfgebiete rund um Kursk. Anfang 2025 folgten "
    "weitere 3000."
)

NEWS_PAGE = f"""<!DOCTYPE html>
<html lang="de-DE">
<head>
<meta charset="utf-8">
<title>{HEADLINE} | Tagesblick</title>
<meta name="author" content="Anna Beispiel">
<meta property="og:site_name" content="Tagesblick">
<meta property="og:title" content="{HEADLINE}">
<meta property="article:published_time" content="2025-04-28T09:15:00+02:00">
<link rel="canonical" href="https://www.tagesblick.example/politik/kim-befehl-123.html">
</head>
<body>
<div id="cookie-banner" class="cookie-consent"><p>Wir verwenden Cookies, um Ihnen das beste
Erlebnis zu bieten. Mit der Nutzung unserer Website stimmen Sie der Verwendung von Cookies
zu.</p><button>Alle akzeptieren</button><button>Einstellungen</button></div>
<header><nav><ul><li><a href="/">Startseite</a></li><li><a href="/politik">Politik</a></li>
<li><a href="/wirtschaft">Wirtschaft</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main>
<article>
<h1>{HEADLINE}</h1>
<p class="byline">Von Anna Beispiel, 28. April 2025</p>
<p>{PARAGRAPHS[0]}</p>
<p>{PARAGRAPHS[1]}</p>
<h2>{SUBHEAD}</h2>
<p>{LAST}</p>
</article>
<section id="comments" class="comments"><h3>Kommentare (2)</h3>
<div class="comment"><p>Leser123: Das war doch abzusehen, die Regierung hat wieder versagt und
niemand sagt es laut.</p></div>
<div class="comment"><p>Meinung42: Endlich schreibt mal jemand die Wahrheit über diese Allianz,
danke für den Artikel!</p></div>
</section>
</main>
<footer><p>© 2025 Tagesblick Medien GmbH</p><a href="/impressum">Impressum</a>
<a href="/datenschutz">Datenschutz</a></footer>
</body></html>
"""

BARE_TEXT = [
    "Am Montag erklärte ein Sprecher des Generalstabs, die Lage an der Front sei stabil. "
    "Beobachter zweifeln daran, denn unabhängige Berichte zeichnen ein anderes Bild.",
    "Nach Angaben westlicher Geheimdienste wurden in den vergangenen Wochen Tausende Soldaten "
    "verlegt, darunter auch Einheiten aus dem Fernen Osten.",
]
BARE_PAGE = "<html><body>\n" + "".join(f"<p>{p}</p>\n" for p in BARE_TEXT) + "</body></html>\n"

RUSSIAN = [
    "Министерство обороны России сообщило об освобождении ещё одного населённого пункта в "
    "Курской области.",
    "По данным южнокорейской разведки, в боях участвуют около одиннадцати тысяч северокорейских "
    "военнослужащих.",
]


def russian_page(lang_attr: str = ' lang="ru"', charset: str = "utf-8") -> str:
    paragraphs = "".join(f"<p>{p}</p>\n" for p in RUSSIAN)
    return (
        f'<html{lang_attr}><head><meta charset="{charset}"><title>Курская область</title>'
        '<meta property="og:site_name" content="Вести"></head>\n'
        f"<body><nav><a href='/'>Главная</a> <a href='/news'>Новости</a></nav>\n"
        f"<article><h1>Курская область</h1>\n{paragraphs}</article></body></html>\n"
    )


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def only(path: Path):
    records = list(read_html(path))
    assert len(records) == 1
    return records[0]


def test_article_text_leaves_out_navigation_cookie_banner_byline_comments_and_footer(tmp_path):
    record = only(write(tmp_path / "kim.html", NEWS_PAGE))
    assert record.text == "\n".join([HEADLINE, *PARAGRAPHS, SUBHEAD, LAST])
    assert record.title == HEADLINE
    assert record.article == ArticleMeta(
        outlet="Tagesblick",
        published="2025-04-28",
        author="Anna Beispiel",
        url="https://www.tagesblick.example/politik/kim-befehl-123.html",
        lang="de",
    )
    assert record.external_id == "https://www.tagesblick.example/politik/kim-befehl-123.html"
    assert record.source == str(tmp_path / "kim.html")
    assert record.spans is None
    assert record.waiting_for_page is False
    assert record.article.as_meta() == {
        "outlet": "Tagesblick",
        "published": "2025-04-28",
        "author": "Anna Beispiel",
        "url": "https://www.tagesblick.example/politik/kim-befehl-123.html",
        "lang": "de",
    }


def test_page_without_metadata_has_no_fields_but_a_detected_language(tmp_path):
    record = only(write(tmp_path / "bare.htm", BARE_PAGE))
    assert record.text == "\n".join(BARE_TEXT)
    assert record.title is None
    # No date from the text or a copyright line: a guessed date is worse than none.
    assert record.article == ArticleMeta(lang="de")
    assert record.external_id == "bare.htm"


def test_copyright_year_is_not_taken_for_the_publication_date(tmp_path):
    page = BARE_PAGE.replace("</body>", "<footer>© 2025 Tagesblick</footer></body>")
    assert only(write(tmp_path / "c.html", page)).article.published is None


def test_russian_page_keeps_cyrillic_text_and_its_declared_language(tmp_path):
    record = only(write(tmp_path / "ru.html", russian_page()))
    assert record.text == "\n".join(["Курская область", *RUSSIAN])
    assert record.article == ArticleMeta(outlet="Вести", lang="ru")
    assert record.title == "Курская область"


def test_russian_page_without_lang_attribute_is_detected_as_russian(tmp_path):
    assert only(write(tmp_path / "ru.html", russian_page(lang_attr=""))).article.lang == "ru"


def test_page_in_windows_1251_decodes_by_its_meta_charset(tmp_path):
    raw = russian_page(charset="windows-1251").encode("cp1251")
    record = only(write(tmp_path / "ru.html", raw))
    assert record.text == "\n".join(["Курская область", *RUSSIAN])


def test_page_whose_charset_lies_is_one_error_naming_the_file_and_byte(tmp_path):
    raw = NEWS_PAGE.encode("cp1252")  # says utf-8, is windows-1252
    path = write(tmp_path / "lies.html", raw)
    at = raw.index("–".encode("cp1252"))
    with pytest.raises(ImportFormatError) as info:
        list(read_html(path))
    assert str(info.value) == (
        f"{path}: byte {at} (0x96) is not valid in its declared charset utf-8"
    )


def test_page_without_charset_that_is_not_utf8_is_an_error(tmp_path):
    path = write(tmp_path / "nocharset.html", BARE_PAGE.encode("latin-1"))
    at = BARE_PAGE.encode("latin-1").index("ä".encode("latin-1"))
    with pytest.raises(ImportFormatError) as info:
        list(read_html(path))
    assert str(info.value) == (
        f"{path}: byte {at} (0xe4) is not valid in its declared no charset, so UTF-8 is assumed"
    )


def test_unknown_charset_is_an_error(tmp_path):
    path = write(tmp_path / "x.html", BARE_PAGE.replace("<html>", '<html><meta charset="klingon">'))
    with pytest.raises(ImportFormatError) as info:
        list(read_html(path))
    assert str(info.value) == f"{path}: declares an unknown charset 'klingon'"


def test_page_without_an_article_is_one_error_naming_the_file(tmp_path):
    page = (
        "<html><head><title>Startseite</title></head><body><nav><a href='/'>Home</a>"
        " <a href='/a'>Archiv</a></nav><footer>© 2025</footer></body></html>"
    )
    path = write(tmp_path / "index.html", page)
    with pytest.raises(ImportFormatError) as info:
        list(read_html(path))
    assert str(info.value) == (
        f"{path}: no article text found (11 characters of main text, at least 80 needed)"
    )


def test_malformed_page_is_an_error_not_a_crash(tmp_path):
    path = write(tmp_path / "broken.html", b"<html><body><p>\x00\x00<<<</div></p>\x00")
    with pytest.raises(ImportFormatError) as info:
        list(read_html(path))
    assert str(info.value).startswith(f"{path}: no article text found (")


def test_text_is_canonical_nfc_with_newline_line_ends(tmp_path):
    decomposed = unicodedata.normalize("NFD", NEWS_PAGE).replace("\n", "\r\n")
    record = only(write(tmp_path / "nfd.html", decomposed))
    assert record.text == "\n".join([HEADLINE, *PARAGRAPHS, SUBHEAD, LAST])
    assert unicodedata.is_normalized("NFC", record.text)


def test_saved_from_url_mark_gives_the_url_when_the_page_has_none(tmp_path):
    url = "https://www.tagesblick.example/politik/lage-7.html"
    page = f"<!-- saved from url=({len(url):04d}){url} -->\n" + BARE_PAGE
    record = only(write(tmp_path / "saved.html", page))
    assert record.article == ArticleMeta(outlet="tagesblick.example", url=url, lang="de")
    assert record.external_id == url


def test_folder_reads_pages_sorted_and_skips_browser_asset_folders(tmp_path):
    write(tmp_path / "b" / "ru.html", russian_page())
    write(tmp_path / "a.htm", BARE_PAGE)
    write(tmp_path / "kim.html", NEWS_PAGE)
    write(tmp_path / "kim_files" / "ad-frame.html", "<html><body>Anzeige</body></html>")
    write(tmp_path / "kim_files" / "style.css", "body{}")
    records = list(read_html(tmp_path))
    assert [r.source for r in records] == [
        str(tmp_path / "a.htm"),
        str(tmp_path / "b" / "ru.html"),
        str(tmp_path / "kim.html"),
    ]
    assert [r.article.lang for r in records] == ["de", "ru", "de"]


def test_a_bad_page_in_a_folder_stops_the_read_unless_a_problem_handler_is_given(tmp_path):
    write(tmp_path / "a.html", BARE_PAGE)
    bad = write(tmp_path / "b.html", "<html><body><nav>Home</nav></body></html>")
    write(tmp_path / "c.html", NEWS_PAGE)
    with pytest.raises(ImportFormatError, match="b.html: no article text found"):
        list(read_html(tmp_path))
    problems: list[str] = []
    records = list(read_html(tmp_path, on_problem=problems.append))
    assert [r.external_id for r in records] == [
        "a.html",
        "https://www.tagesblick.example/politik/kim-befehl-123.html",
    ]
    assert problems == [
        f"{bad}: no article text found (4 characters of main text, at least 80 needed)"
    ]


def test_symbolic_links_are_not_followed(tmp_path):
    target = write(tmp_path / "real" / "kim.html", NEWS_PAGE)
    link = tmp_path / "link.html"
    os.symlink(target, link)
    with pytest.raises(ImportFormatError) as info:
        list(read_html(link))
    assert str(info.value) == f"{link}: a symbolic link; not followed (--follow-links reads links)"
    folder = tmp_path / "folder"
    write(folder / "own.htm", BARE_PAGE)
    os.symlink(target, folder / "linked.html")
    os.symlink(tmp_path / "real", folder / "linked-dir")
    problems: list[str] = []
    with file_policy(FilePolicy()) as policy:
        records = list(read_html(folder, on_problem=problems.append))
    assert [r.external_id for r in records] == ["own.htm"]
    assert problems == []
    # skipped, and named: the import report lists them
    assert sorted(policy.skipped) == [str(folder / "linked-dir"), str(folder / "linked.html")]


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(ImportFormatError) as info:
        list(read_html(tmp_path))
    assert str(info.value) == f"{tmp_path}: no .html or .htm files in this folder"


def test_language_tags_are_reduced_to_the_primary_subtag():
    assert [language_tag(t) for t in ("de-DE", "ru_RU", "EN", "und", "x-default", "", None)] == [
        "de",
        "ru",
        "en",
        None,
        None,
        None,
        None,
    ]
    assert language_tag("en, de") == "en"


def test_detected_languages():
    assert detect_language(BARE_TEXT[0]) == "de"
    assert detect_language(RUSSIAN[0]) == "ru"
    assert detect_language("Intelligence officials estimate that eleven thousand soldiers") == "en"
    assert detect_language("12.000 – 3000 !!") is None


def test_tokenizer_language_falls_back_to_multilingual_where_spacy_has_none():
    assert [spacy_language(x) for x in ("de", "en", "ru", "uk", None)] == [
        "de",
        "en",
        "ru",
        "uk",
        "de",
    ]
    # "qq" is no language; Japanese needs sudachipy, which the project does not install.
    assert spacy_language("qq") == "xx"
    assert spacy_language("ja") == "xx"


def test_the_page_language_chooses_the_tokenizer(tmp_path):
    """English splits "don't" into "do" + "n't"; German leaves it whole, Russian its own way."""
    english = "Officials don't confirm the figure."
    de = analyse(english, spacy_language("de"))
    en = analyse(english, spacy_language("en"))
    assert [english[s:e] for s, e in zip(de.starts, de.ends, strict=True)] == [
        "Officials",
        "don't",
        "confirm",
        "the",
        "figure",
        ".",
    ]
    assert [english[s:e] for s, e in zip(en.starts, en.ends, strict=True)] == [
        "Officials",
        "do",
        "n't",
        "confirm",
        "the",
        "figure",
        ".",
    ]
    record = only(write(tmp_path / "ru.html", russian_page()))
    ru = analyse(record.text, spacy_language(record.article.lang))
    first = [record.text[s:e] for s, e in zip(ru.starts, ru.ends, strict=True)][:4]
    assert first == ["Курская", "область", "\n", "Министерство"]


def test_detect_news_format(tmp_path):
    page = write(tmp_path / "p.html", NEWS_PAGE)
    named = write(tmp_path / "saved-page", "<!DOCTYPE html>\n" + BARE_PAGE)
    text = write(tmp_path / "t.txt", "Nur Text.\n")
    xml = write(tmp_path / "data.xml", "<?xml version='1.0'?><catalog/>")
    feed = write(tmp_path / "f.xml", "<?xml version='1.0'?>\n<rss version='2.0'><channel/></rss>")
    broken_rss = write(tmp_path / "broken.rss", "this is not xml")
    assert [detect_news_format(p) for p in (page, named, text, xml, feed, broken_rss)] == [
        "html",
        "html",
        None,
        None,
        "feed",
        "feed",
    ]
    pages = tmp_path / "pages"
    write(pages / "a.html", NEWS_PAGE)
    write(pages / "a_files" / "x.png", b"\x89PNG")
    write(pages / "logo.png", b"\x89PNG")
    assert detect_news_format(pages) == "html"
    write(pages / "notes.txt", "x")
    assert detect_news_format(pages) is None
    assert detect_news_format(tmp_path / "missing.html") is None
    assert set(NEWS_READERS) == {"html", "warc", "feed"}


def test_news_readers_import_neither_flask_nor_sqlite():
    code = (
        "import sys, annotator.formats.news, annotator.formats.fetch, annotator.core.languages;"
        "print(sorted(m for m in ('flask', 'sqlite3', 'sqlite_utils') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
