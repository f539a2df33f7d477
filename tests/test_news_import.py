"""`annotator import` of saved news pages, WARC archives and feeds (issue 16): the article
fields stored as columns, duplicates and versions, waiting feed entries filled by --pages and
--fetch, bad input (one line, nothing imported without --skip-invalid), tokenizer per language."""

from __future__ import annotations

import json

import numpy as np
import pytest
import spacy

from annotator import store
from annotator.store.assignments import documents_for_annotator, is_assigned
from tests.news_support import (
    ENGLISH,
    GERMAN,
    PAGES,
    RUSSIAN,
    Cli,
    news_page,
    rss,
    warc_record,
    warc_response,
    write_pages,
    write_warc,
)
from tests.test_formats_feed import site  # noqa: F401  (the local HTTP server fixture)

FIELDS = "outlet, published, author, url, lang"


@pytest.fixture
def cli(tmp_path):
    return Cli(tmp_path / "news.db")


def fields(cli, where: str = "1") -> list[tuple]:
    return cli.rows(f"SELECT {FIELDS} FROM document WHERE {where} ORDER BY url")


def test_folder_of_saved_pages_imports_with_outlet_date_author_url_and_language(cli, tmp_path):
    result = cli("import", write_pages(tmp_path / "pages"))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("3 documents added, 0 skipped as duplicates")
    assert fields(cli) == [
        ("Vesti", "2025-03-15", "Иван Петров", "https://vesti.example/kursk", "ru"),
        ("Kyiv Wire", "2025-05-01", "Olena Example", "https://wire.example/troops", "en"),
        (
            "Tagesblick",
            "2025-04-28",
            "Anna Beispiel",
            "https://www.tagesblick.example/politik/kim-123.html",
            "de",
        ),
    ]
    (text,) = cli.rows("SELECT text FROM document WHERE outlet = 'Tagesblick'")[0]
    assert text == "Kims Befehl\n" + "\n".join(GERMAN)  # no banner, menu or comments
    # The fields are columns, not copies in meta.
    assert {r[0] for r in cli.rows("SELECT meta FROM document")} == {"{}"}


def test_the_article_fields_are_indexed(cli, tmp_path):
    cli("import", write_pages(tmp_path / "pages"))
    indexed = {
        r[0]
        for r in cli.rows(
            "SELECT i.name FROM pragma_index_list('document') l, pragma_index_info(l.name) i "
            "WHERE l.name IN (SELECT l2.name FROM pragma_index_info(l.name) l2 GROUP BY 1 "
            "HAVING COUNT(*) = 1) OR 1"
        )
    }
    assert {"outlet", "published", "author", "url", "lang"} <= indexed


def test_warc_archive_imports_its_articles_with_the_target_uri(cli, tmp_path):
    spec = PAGES["tagesblick-kim.html"]
    warc = tmp_path / "crawl.warc.gz"
    write_warc(
        warc,
        [
            warc_record("warcinfo", "", b"software: test\r\n", "application/warc-fields"),
            warc_response("https://www.tagesblick.example/a?from=warc", news_page(**spec)),
            warc_response("https://wire.example/troops", news_page(**PAGES["wire-troops.html"])),
        ],
    )
    result = cli("import", warc)
    assert result.exit_code == 0, result.output
    assert fields(cli) == [
        ("Kyiv Wire", "2025-05-01", "Olena Example", "https://wire.example/troops", "en"),
        (
            "Tagesblick",
            "2025-04-28",
            "Anna Beispiel",
            "https://www.tagesblick.example/a?from=warc",
            "de",
        ),
    ]


def test_a_corpus_mixing_german_russian_and_english_tokenizes_each_in_its_language(cli, tmp_path):
    cli("import", write_pages(tmp_path / "pages"))
    db = store.connect(cli.path)
    seen = {}
    for document_id, lang, text in db.conn.execute("SELECT id, lang, text FROM document"):
        index = store.get_tokens(db, document_id)
        stored = [text[s:e] for s, e in zip(index.starts, index.ends, strict=True)]
        expected = [t.text for t in spacy.blank(lang)(text)]
        assert stored == expected, lang
        seen[lang] = stored
    # What the German tokenizer would get wrong in the others, and the others in German.
    assert "z.B." in seen["de"]
    assert ["do", "n't"] == seen["en"][seen["en"].index("n't") - 1 :][:2]
    assert "Москве" in seen["ru"] and "Москве-то" not in seen["ru"]
    de = spacy.blank("de")
    assert "Москве-то" in [t.text for t in de(" ".join(RUSSIAN))]
    assert "don't" in [t.text for t in de(" ".join(ENGLISH))]


def test_the_same_article_saved_twice_is_one_document(cli, tmp_path):
    first = write_pages(tmp_path / "a", {"x.html": PAGES["wire-troops.html"]})
    second = write_pages(tmp_path / "b", {"saved-again.html": PAGES["wire-troops.html"]})
    assert cli("import", first).exit_code == 0
    result = cli("import", second)
    assert result.exit_code == 0
    assert result.output.startswith("0 documents added, 1 skipped as duplicates")
    assert cli.rows("SELECT COUNT(*) FROM document") == [(1,)]


def test_the_same_url_with_changed_text_is_a_new_version_that_says_so(cli, tmp_path):
    spec = PAGES["wire-troops.html"]
    changed = {**spec, "paragraphs": [*spec["paragraphs"], "Update: the ministry denied it."]}
    assert cli("import", write_pages(tmp_path / "a", {"t.html": spec})).exit_code == 0
    result = cli("import", write_pages(tmp_path / "b", {"t.html": changed}))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "0 documents added, 0 skipped as duplicates, 1 new versions of stored URLs"
    )
    assert (
        f"note: {tmp_path / 'b' / 't.html'}: the text at https://wire.example/troops has changed "
        "since document 1 ('https://wire.example/troops'); stored as a new version, document 2"
    ) in result.stderr
    assert cli.rows("SELECT id, external_id, url, version_of FROM document ORDER BY id") == [
        (1, "https://wire.example/troops", "https://wire.example/troops", None),
        (2, "https://wire.example/troops#v2", "https://wire.example/troops", 1),
    ]
    third = {**changed, "paragraphs": [*changed["paragraphs"], "A second update came later."]}
    assert cli("import", write_pages(tmp_path / "c", {"t.html": third})).exit_code == 0
    assert cli.rows("SELECT external_id, version_of FROM document WHERE id = 3") == [
        ("https://wire.example/troops#v3", 2)
    ]


FEED_ITEMS = [
    {
        "title": "Gefangene Soldaten",
        "link": "https://www.tagesblick.example/politik/gefangene-5.html",
        "content": "<p>Ein gefangener nordkoreanischer Soldat schilderte, er sei im Glauben "
        "nach Russland gereist, lediglich eine Übung zu absolvieren.</p>",
    },
    {
        "title": "Kims Befehl",
        "link": "https://www.tagesblick.example/politik/kim-123.html?utm_source=rss",
        "author": "Feed Autor",
    },
]


def test_feed_entries_without_text_wait_for_their_page_hidden_from_annotators(
    cli, tmp_path, client
):
    feed = tmp_path / "tagesblick.xml"
    feed.write_text(rss(FEED_ITEMS), encoding="utf-8")
    result = cli("import", feed)
    assert result.exit_code == 0, result.output
    assert "1 documents added" in result.output
    assert "1 feed entries waiting for their page" in result.output
    rows = cli.rows("SELECT id, text, waiting, outlet, author, url FROM document ORDER BY id")
    assert rows[1] == (
        2,
        "",
        1,
        "Tagesblick",
        "Feed Autor",
        "https://www.tagesblick.example/politik/kim-123.html?utm_source=rss",
    )
    db = store.connect(cli.path)
    assert [d.id for d in store.list_documents(db)] == [1]
    assert not is_assigned(db, 2, "anna")
    assert [d.id for d in documents_for_annotator(db, "anna")] == [1]
    # Importing the feed again adds nothing: the entry waits already.
    again = cli("import", feed)
    assert again.output.startswith("0 documents added, 2 skipped as duplicates")


def test_pages_fill_the_waiting_entries_by_url_and_keep_the_feeds_fields(cli, tmp_path):
    feed = tmp_path / "tagesblick.xml"
    feed.write_text(rss(FEED_ITEMS), encoding="utf-8")
    assert cli("import", feed).exit_code == 0
    spec = {**PAGES["tagesblick-kim.html"], "author": None}  # the page names no author
    other = PAGES["wire-troops.html"]
    pages = write_pages(tmp_path / "saved", {"kim.html": spec, "other.html": other})
    result = cli("import", "--pages", pages)
    assert result.exit_code == 0, result.output
    assert "1 waiting entries filled from their page" in result.output
    assert "1 pages matching no waiting entry" in result.output
    assert f"{pages / 'other.html'}: matches no feed entry waiting for its page" in result.stderr
    document_id, text, waiting, author, url, lang = cli.rows(
        "SELECT id, text, waiting, author, url, lang FROM document WHERE id = 2"
    )[0]
    assert (waiting, author, lang) == (0, "Feed Autor", "de")
    assert url == "https://www.tagesblick.example/politik/kim-123.html?utm_source=rss"
    assert text == "Kims Befehl\n" + "\n".join(GERMAN)
    db = store.connect(cli.path)
    index = store.get_tokens(db, document_id)
    assert len(index) == len(spacy.blank("de")(text)) and is_assigned(db, 2, "anna")
    assert cli.rows("SELECT COUNT(*) FROM document") == [(2,)]  # the unmatched page not added


def test_fetch_fills_waiting_entries_from_a_local_server(cli, tmp_path, site):  # noqa: F811
    feed = tmp_path / "feed.xml"
    feed.write_text(
        rss([{"title": "Kim", "link": f"{site}/kim.html"}, {"title": "Gone", "link": f"{site}/x"}]),
        encoding="utf-8",
    )
    assert cli("import", feed).exit_code == 0
    refused = cli("import", "--fetch")
    assert refused.exit_code == 1
    assert refused.stderr.strip().splitlines() == [
        f"Error: {site}/x: HTTP 404 Not Found; nothing was imported"
    ]
    assert cli.rows("SELECT COUNT(*) FROM document WHERE waiting = 1") == [(2,)]
    result = cli("import", "--fetch", "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert f"skipped: {site}/x: HTTP 404 Not Found" in result.stderr
    assert cli.rows("SELECT url, waiting, outlet FROM document ORDER BY id") == [
        (f"{site}/kim.html", 0, "Tagesblick"),
        (f"{site}/x", 1, "Tagesblick"),
    ]


def test_nothing_is_fetched_without_the_flag(cli, tmp_path, site):  # noqa: F811
    feed = tmp_path / "feed.xml"
    feed.write_text(rss([{"title": "Kim", "link": f"{site}/kim.html"}]), encoding="utf-8")
    assert cli("import", feed).exit_code == 0
    assert cli.rows("SELECT waiting FROM document") == [(1,)]


# Bad input: one line naming the file (and the record offset), nothing imported unless
# --skip-invalid asks for the rest.


def _bad_pages(folder):
    write_pages(folder, {"a-good.html": PAGES["wire-troops.html"]})
    (folder / "b-menu.html").write_text(
        "<html><body><nav><a href='/'>Home</a> <a href='/about'>About</a></nav></body></html>",
        encoding="utf-8",
    )
    return folder


def test_page_without_an_article_fails_the_run_with_one_line(cli, tmp_path):
    folder = _bad_pages(tmp_path / "pages")
    result = cli("import", folder)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {folder / 'b-menu.html'}: no article text found (10 characters of main text, "
        "at least 80 needed); nothing was imported"
    ]
    assert cli.rows("SELECT COUNT(*) FROM document") == [(0,)]


def test_skip_invalid_imports_the_rest_and_names_what_it_skipped(cli, tmp_path):
    folder = _bad_pages(tmp_path / "pages")
    result = cli("import", folder, "--skip-invalid")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"skipped: {folder / 'b-menu.html'}: no article text found (10 characters of main "
        "text, at least 80 needed)"
    ]
    assert fields(cli) == [
        ("Kyiv Wire", "2025-05-01", "Olena Example", "https://wire.example/troops", "en")
    ]


def _cut_warc(tmp_path):
    warc = tmp_path / "cut.warc.gz"
    offsets = write_warc(
        warc,
        [
            warc_response("https://wire.example/troops", news_page(**PAGES["wire-troops.html"])),
            warc_response("https://vesti.example/kursk", news_page(**PAGES["vesti-kursk.html"])),
        ],
    )
    warc.write_bytes(warc.read_bytes()[:-40])
    return warc, offsets


def test_truncated_warc_names_the_record_offset_and_imports_nothing(cli, tmp_path):
    warc, offsets = _cut_warc(tmp_path)
    pages = write_pages(tmp_path / "pages", {"a.html": PAGES["tagesblick-kim.html"]})
    result = cli("import", pages, warc)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {warc}: cut off: the archive ends inside the gzip member of the record at "
        f"offset {offsets[1]}; nothing was imported"
    ]
    assert cli.rows("SELECT COUNT(*) FROM document") == [(0,)]


def test_skip_invalid_names_the_cut_and_imports_the_rest_of_the_run(cli, tmp_path):
    warc, offsets = _cut_warc(tmp_path)
    feed = tmp_path / "feeds" / "broken.rss"
    feed.parent.mkdir()
    feed.write_text("<rss><channel><item>", encoding="utf-8")
    pages = write_pages(tmp_path / "pages", {"a.html": PAGES["tagesblick-kim.html"]})
    result = cli("import", warc, feed.parent, pages, "--skip-invalid")
    assert result.exit_code == 0, result.output
    problems = result.stderr.splitlines()
    assert problems[0] == (
        f"skipped: {warc}: cut off: the archive ends inside the gzip member of the record at "
        f"offset {offsets[1]}"
    )
    assert problems[1].startswith(f"skipped: {feed}:1: not well-formed XML")
    assert len(problems) == 2
    # The archive's whole first record, and the page after the bad files.
    assert [r[0] for r in cli.rows("SELECT url FROM document ORDER BY id")] == [
        "https://wire.example/troops",
        "https://www.tagesblick.example/politik/kim-123.html",
    ]


def test_warc_record_without_an_article_is_named_by_its_offset(cli, tmp_path):
    warc = tmp_path / "crawl.warc.gz"
    menu = "<html><body><nav><a href='/'>Home</a> <a href='/about'>About</a></nav></body></html>"
    offsets = write_warc(
        warc,
        [
            warc_response("https://wire.example/menu", menu),
            warc_response("https://wire.example/troops", news_page(**PAGES["wire-troops.html"])),
        ],
    )
    refused = cli("import", warc)
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        f"Error: {warc}: record at offset {offsets[0]}: no article text found (10 characters "
        "of main text, at least 80 needed); nothing was imported"
    ]
    result = cli("import", warc, "--skip-invalid")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"skipped: {warc}: record at offset {offsets[0]}: no article text found (10 characters "
        "of main text, at least 80 needed)"
    ]
    assert cli.rows("SELECT url FROM document") == [("https://wire.example/troops",)]


def test_feed_that_is_not_xml_fails_with_one_line(cli, tmp_path):
    feed = tmp_path / "feed.rss"
    feed.write_text("this is not a feed at all\n", encoding="utf-8")
    result = cli("import", feed)
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: {feed}:1: not well-formed XML")
    assert line.endswith("; nothing was imported")


def test_page_whose_charset_lies_fails_the_whole_run(cli, tmp_path):
    folder = write_pages(tmp_path / "pages", {"a.html": PAGES["wire-troops.html"]})
    lying = news_page(**PAGES["tagesblick-kim.html"]).encode("latin-1", "replace")
    (folder / "b.html").write_bytes(lying)  # says utf-8, is latin-1 (ü is 0xfc)
    result = cli("import", folder)
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: {folder / 'b.html'}: byte ")
    assert "is not valid in its declared charset utf-8; nothing was imported" in line
    assert cli.rows("SELECT COUNT(*) FROM document") == [(0,)]


def test_import_without_paths_pages_or_fetch_is_a_usage_error(cli):
    result = cli("import")
    assert result.exit_code == 2
    assert "give PATHS to import, or --pages FOLDER, or --fetch" in result.stderr


def test_pages_folder_that_does_not_exist_is_one_line(cli, tmp_path):
    result = cli("import", "--pages", tmp_path / "nope")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {tmp_path / 'nope'}: no such file or folder; nothing was imported"
    ]


def test_export_meta_carries_the_fields_and_our_export_imports_them_back(cli, tmp_path):
    cli("import", write_pages(tmp_path / "pages"))
    db = store.connect(cli.path)
    texts = dict(db.conn.execute("SELECT url, text FROM document"))
    text = texts["https://wire.example/troops"]
    marked = tmp_path / "anna.jsonl"
    start = text.index("South")
    marked.write_text(
        json.dumps(
            {
                "text": text,
                "spans": [{"start": start, "end": start + 5, "label": "INTEL_ESTIMATE"}],
                "answer": "accept",
                "_annotator_id": "anna",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    assert cli("import", marked).exit_code == 0
    out = tmp_path / "export.jsonl"
    assert cli("export", "--all", "--out", out).exit_code == 0
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {k: record["meta"][k] for k in ("outlet", "published", "author", "url", "lang")} == {
        "outlet": "Kyiv Wire",
        "published": "2025-05-01",
        "author": "Olena Example",
        "url": "https://wire.example/troops",
        "lang": "en",
    }
    other = Cli(tmp_path / "other.db")
    assert other("import", out).exit_code == 0
    assert other.rows(f"SELECT {FIELDS}, meta FROM document") == [
        ("Kyiv Wire", "2025-05-01", "Olena Example", "https://wire.example/troops", "en", "{}")
    ]
    # Re-read in the new database, the English text was tokenized as English again.
    new = store.connect(other.path)
    index = store.get_tokens(new, 1)
    (original,) = db.conn.execute("SELECT id FROM document WHERE url = ?", [record["meta"]["url"]])
    assert np.array_equal(index.starts, store.get_tokens(db, original[0]).starts)
    assert len(index) == len(spacy.blank("en")(text)) != len(spacy.blank("de")(text))


def test_a_waiting_entry_whose_page_is_stored_already_is_removed_not_doubled(cli, tmp_path):
    spec = PAGES["wire-troops.html"]
    assert cli("import", write_pages(tmp_path / "first", {"t.html": spec})).exit_code == 0
    feed = tmp_path / "wire.xml"
    moved = "https://wire.example/2025/troops"  # the feed links the article under another URL
    feed.write_text(rss([{"title": "Troops", "link": moved}], title="Kyiv Wire"), "utf-8")
    assert cli("import", feed).exit_code == 0
    assert cli.rows("SELECT COUNT(*) FROM document WHERE waiting = 1") == [(1,)]
    pages = write_pages(tmp_path / "saved", {"moved.html": {**spec, "url": moved}})
    result = cli("import", "--pages", pages)
    assert result.exit_code == 0, result.output
    assert (
        f"{pages / 'moved.html'}: the page of {moved} is stored already as document 1; "
        "its waiting feed entry is removed"
    ) in result.stderr
    assert cli.rows("SELECT id, url, waiting FROM document") == [
        (1, "https://wire.example/troops", 0)
    ]
