"""Importing documents (and spans, where a format has them) in one transaction per run.

Records stream through in batches: each batch is canonicalised, deduplicated by text sha256,
tokenized together (one spaCy pipeline per document language), stored, and its spans checked,
snapped and stored (`spans`). Nothing is kept per record after its batch except the set of
layers this run wrote to.

News (issue 16): a record with a URL already stored under a different text is a new version of
that document (`version_of`); a feed entry without its text is stored waiting for its page
(hidden from annotators), and a later record with its URL (a saved page, `--pages`, `--fetch`)
fills it.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path

from annotator import store
from annotator.core.languages import language_tag, spacy_language
from annotator.core.records import GOLD, Document
from annotator.core.tokenize import analyse_by_language, empty_analysis
from annotator.formats.article import ARTICLE_FIELDS, ArticleMeta, ArticleRecord, each_file
from annotator.formats.base import ImportFormatError, ImportRecord
from annotator.formats.checks import canonical_record
from annotator.formats.detect import detect_format
from annotator.formats.reading import IGNORED_KEY, FilePolicy, file_identities, file_policy
from annotator.formats.registry import FORMATS, IMPORT_FORMATS
from annotator.formats.text import title_of
from annotator.services.imports.report import ImportReport
from annotator.services.imports.spans import ImportProblemsError, SpanImport, SpanRules
from annotator.store import imports as import_store

__all__ = [
    "ImportProblemsError",
    "ImportReport",
    "SpanRules",
    "import_paths",
    "import_run",
    "import_records",
    "read_records",
]

# Meta keys a reader sets that do not describe the document: our own export's id of the document
# in another database, and the toxic spans rater's columns (they describe one judgement).
_NOT_DOCUMENT_META = ("document_id", "rater")


def guess_format(path: Path) -> str:
    """The format of `path` for `--format auto`: a news format (saved pages, WARC, feed) when
    its name and first bytes say so, else judged by its content."""
    from annotator.formats.news import detect_news_format  # loads trafilatura: only for auto

    news = detect_news_format(path)
    if news is not None:
        return news
    try:
        return detect_format(path)
    except ImportFormatError:
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            return "jsonl"  # its reader names the bad line and field precisely
        raise


OnProblem = Callable[[str], None]


def read_records(
    paths: Iterable[Path],
    fmt: str,
    annotator: str | None = None,
    on_problem: OnProblem | None = None,
) -> Iterator[ImportRecord]:
    """Records of every path, in order, through the format's reader.

    Records with spans whose format names no annotator get `annotator`, else gold for the
    formats marked gold_by_default; any other such record is an error naming its file and line.
    The news readers pass a bad page (record, entry) to `on_problem` and go on, when given one.
    """
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise ImportFormatError(f"{path}: no such file or folder")
        name = guess_format(path) if fmt == "auto" else fmt
        form = FORMATS.get(name)
        if form is None or form.reader is None:
            raise ImportFormatError(
                f"unknown format {name!r} (formats: auto, {', '.join(sorted(IMPORT_FORMATS))})"
            )
        default = annotator or (GOLD if form.gold_by_default else None)
        if form.skips_bad_items:
            # --skip-invalid: a file that cannot be read to its end (a cut archive, a feed that
            # is not XML) is named and the next path read; what came before the cut is whole.
            records = each_file(form.reader, path, on_problem)
        else:
            records = form.reader(path)
        for record in records:
            if record.spans is not None and record.annotator is None:
                if default is None:
                    raise ImportFormatError(
                        f"{record.source}: the file names no annotator for its spans; "
                        "pass --annotator NAME (or gold)"
                    )
                record = replace(record, annotator=default)
            yield record


def import_records(
    db,
    records: Iterable[ImportRecord],
    *,
    lang: str = "de",
    actor: str = "import",
    batch_size: int = 256,
    rules: SpanRules | None = None,
    progress: Callable[[int], None] | None = None,
    report: ImportReport | None = None,
) -> ImportReport:
    """Store the records' documents (deduplicated by text sha256) and spans in one transaction.

    `lang` is the language of texts whose record names none. Raises ImportProblemsError (nothing
    stored) when a label is not in the scheme, or when a span is bad and `rules.skip_invalid` is
    off; ImportFormatError for malformed input.
    """
    report = report if report is not None else ImportReport()
    spans = SpanImport(db, rules or SpanRules(), report, actor)
    records = iter(records)
    with _old_objects_frozen(), import_store.import_page_cache(db), store.write_transaction(db):
        while batch := list(islice(records, batch_size)):
            batch = [canonical_record(r) for r in batch]
            for record, document_id, tokens in _store_documents(db, batch, lang, report):
                if record.spans is not None and document_id is not None:
                    spans.add(record, document_id, tokens)
            spans.flush()
            report.records += len(batch)
            if progress is not None:
                progress(report.records)
        spans.finish()
    return report


@contextlib.contextmanager
def _old_objects_frozen() -> Iterator[None]:
    """Python's cyclic garbage collector leaves the objects that were there before the import
    alone until it ends (gc.freeze): a batch's spans outlive the collector's young
    generations, and each full collection they set off traversed every object of the program
    and its spaCy pipelines (some 100,000), which an import does not make garbage of (with 3 x 20
    spans per document, full collections took a tenth of the import's extra time over plain
    text). Objects made during the import are collected as always."""
    if gc.get_freeze_count():  # an import inside an import, or a program that froze its own
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def import_paths(db, paths: Iterable[Path], fmt: str = "auto", **options) -> ImportReport:
    """Read and store everything under `paths` (import_run without pages or fetching)."""
    return import_run(db, paths, fmt, **options)


def import_run(
    db,
    paths: Iterable[Path],
    fmt: str = "auto",
    *,
    annotator: str | None = None,
    pages: Path | None = None,
    fetch: bool = False,
    fetch_timeout: float = 10.0,
    skip_invalid: bool = False,
    follow_links: bool = False,
    protected: Iterable[Path] = (),
    **options,
) -> ImportReport:
    """`annotator import`: the paths, then waiting feed entries filled from the saved pages
    under `pages` (matched by URL) and, with `fetch`, from the network; one transaction.

    Without `skip_invalid` a bad page, record or entry raises ImportFormatError naming it and
    nothing is stored; with it, its message goes to the report's problems and the rest is stored.
    Only regular files are read, never through a symbolic link unless `follow_links` (links met
    in a folder are skipped and named in the report's notes); the database, its journals and the
    files in `protected` (the secret key) are never read, whatever path or link leads to them.
    """
    report = ImportReport()
    on_problem = report.problems.append if skip_invalid else None
    policy = FilePolicy(
        follow_links=follow_links,
        protected=file_identities([*store.database_files(db), *protected]),
    )
    with file_policy(policy), store.write_transaction(db):
        import_records(
            db, read_records(paths, fmt, annotator, on_problem), report=report, **options
        )
        if pages is not None:
            records = _saved_page_records(db, pages, on_problem, report)
            import_records(db, records, report=report, **options)
        if fetch:
            records = _fetched_records(db, on_problem, fetch_timeout)
            import_records(db, records, report=report, **options)
    report.notes.extend(
        f"{link}: a symbolic link; skipped (--follow-links reads links)" for link in policy.skipped
    )
    return report


def waiting_entry(document: Document) -> ArticleRecord:
    """A stored waiting document as the feed entry it came from."""
    return ArticleRecord(
        text="",
        source=f"document {document.id}",
        external_id=document.external_id,
        title=document.title or None,
        article=ArticleMeta(
            outlet=document.outlet,
            published=document.published,
            author=document.author,
            url=document.url,
            lang=document.lang,
        ),
        waiting_for_page=True,
    )


def _saved_page_records(
    db, folder: Path, on_problem: OnProblem | None, report: ImportReport
) -> Iterator[ArticleRecord]:
    """The saved pages under `folder` that belong to waiting entries, completed from them."""
    from annotator.formats.feed import fill_waiting, match_pages
    from annotator.formats.html import read_html

    folder = Path(folder)
    if not folder.exists():
        raise ImportFormatError(f"{folder}: no such file or folder")
    waiting = {d.url: waiting_entry(d) for d in store.waiting_documents(db) if d.url}
    matches = match_pages(list(waiting), read_html(folder, on_problem))
    for page in matches.unmatched:
        report.pages_unmatched += 1
        report.notes.append(
            f"{page.source}: matches no feed entry waiting for its page "
            f"({page.article.url or 'the page names no URL'}); not imported"
        )
    for url, page in matches.matched:
        yield fill_waiting(waiting[url], page)


def _fetched_records(db, on_problem: OnProblem | None, timeout: float) -> Iterator[ArticleRecord]:
    """Every waiting entry completed with its fetched page (only with `--fetch`)."""
    from annotator.formats.fetch import fetch_waiting

    for document in store.waiting_documents(db):
        try:
            yield fetch_waiting(waiting_entry(document), timeout=timeout)
        except ImportFormatError as exc:
            if on_problem is None:
                raise
            on_problem(str(exc))


def _article_of(record: ImportRecord) -> ArticleMeta:
    """The record's article fields: a news reader's, else the string values of its meta keys
    outlet, published (YYYY-MM-DD), author, url and lang (our own export writes them)."""
    if isinstance(record, ArticleRecord):
        return record.article
    values = {k: _meta_field(record.meta, k) for k in ARTICLE_FIELDS}
    return ArticleMeta(**values)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _meta_field(meta: dict, key: str) -> str | None:
    """One article field of a foreign record's meta, or None when it has no usable value (a
    value that is not a date, a language tag, a string, stays in `meta` as it was)."""
    value = meta.get(key)
    if not isinstance(value, str) or not value.split():
        return None
    value = " ".join(value.split())
    if key == "lang":
        return language_tag(value)
    if key == "published" and not _ISO_DATE.match(value):
        return None
    return value


def _waiting_sha256(url: str) -> str:
    """The placeholder text hash of a waiting entry (text_sha256 is unique; its text is empty)."""
    from annotator.formats.feed import url_key

    return "waiting:" + hashlib.sha256(url_key(url).encode("utf-8")).hexdigest()


def _store_documents(db, batch: list[ImportRecord], default_lang: str, report: ImportReport):
    """(record, document id, tokens) for each record, inserting the texts not yet stored,
    filling waiting entries and adding versions; (record, None, None) for a waiting entry."""
    articles = [_article_of(r) for r in batch]
    langs = [a.lang or default_lang for a in articles]
    waiting = [isinstance(r, ArticleRecord) and r.waiting_for_page for r in batch]
    hashes = [
        _waiting_sha256(a.url or "") if w else hashlib.sha256(r.text.encode("utf-8")).hexdigest()
        for r, a, w in zip(batch, articles, waiting, strict=True)
    ]
    stored = {h: store.document_id_by_sha256(db, h) for h in dict.fromkeys(hashes)}
    ids = [stored[h] for h in hashes]  # one look-up for a document's annotators' records
    fresh: dict[str, int] = {}  # sha256 -> index of its first record in the batch
    for i, h in enumerate(hashes):
        if ids[i] is None and not waiting[i]:
            fresh.setdefault(h, i)
    firsts = list(fresh.values())
    texts = [batch[i].text for i in firsts]
    tokenizers = [spacy_language(langs[i]) for i in firsts]
    analyses = dict(zip(firsts, analyse_by_language(texts, tokenizers), strict=True))
    inserted: dict[str, int] = {}
    # sha256 -> tokens of the texts stored in this batch: the other annotators' records of a
    # document (typically next to each other) use them without reading them back.
    tokens_of: dict[str, object] = {}
    for i, record in enumerate(batch):
        ignored = record.meta.get(IGNORED_KEY)
        if isinstance(ignored, dict):
            report.ignored.update(ignored)
        article = articles[i]
        document_id = ids[i] or inserted.get(hashes[i])
        if waiting[i]:
            if document_id is None and article.url is not None:
                if store.latest_document_by_url(db, article.url) is None:
                    document_id = _insert(db, record, article, langs[i], hashes[i], None)
                    inserted[hashes[i]] = document_id
                    report.documents_waiting += 1
                    continue
            report.documents_skipped += 1  # its page or entry is stored already
            continue
        if document_id is not None:
            report.documents_skipped += 1
            _drop_waiting_duplicate(db, record, article, document_id, report)
            tokens = tokens_of.get(hashes[i])
            if tokens is None:
                tokens = store.get_tokens(db, document_id)
            yield record, document_id, tokens
            continue
        tokens = analyses[i]
        earlier = store.latest_document_by_url(db, article.url) if article.url else None
        if earlier is not None and earlier.waiting:
            document_id = _fill(db, earlier, record, article, langs[i], hashes[i], tokens)
            report.documents_filled += 1
        elif earlier is not None:
            document_id = _insert_version(db, earlier, record, article, langs[i], hashes[i], tokens)
            report.versions_added += 1
            report.notes.append(
                f"{record.source}: the text at {article.url} has changed since document "
                f"{earlier.id} ({earlier.external_id!r}); stored as a new version, document "
                f"{document_id}"
            )
        else:
            document_id = _insert(db, record, article, langs[i], hashes[i], tokens)
            report.documents_added += 1
        inserted[hashes[i]] = document_id
        tokens_of[hashes[i]] = tokens
        yield record, document_id, tokens


def _document_meta(record: ImportRecord) -> dict:
    """What of the record's meta is stored in `meta` (the article fields taken into their
    columns are not)."""
    return {
        k: v
        for k, v in record.meta.items()
        if k != IGNORED_KEY
        and not (k in ARTICLE_FIELDS and _meta_field(record.meta, k) is not None)
        and not (k in _NOT_DOCUMENT_META and record.spans is not None)
    }


def _insert(
    db,
    record: ImportRecord,
    article: ArticleMeta,
    lang: str,
    sha256: str,
    tokens,
    *,
    external_id: str | None = None,
    version_of: int | None = None,
) -> int:
    """A new document (`tokens` None: a feed entry waiting for its page, with no text)."""
    external_id = external_id or record.external_id or sha256[:16]
    if store.document_by_external_id(db, external_id) is not None:
        raise ImportFormatError(
            f"{record.source}: a different text with the id {external_id!r} is already stored"
        )
    waiting = tokens is None
    return store.insert_document(
        db,
        external_id=external_id,
        title=record.title or ("" if waiting else title_of(record.text)),
        text=record.text,
        text_sha256=sha256,
        lang=lang,
        meta=_document_meta(record),
        analysis=empty_analysis() if waiting else tokens,
        outlet=article.outlet,
        published=article.published,
        author=article.author,
        url=article.url,
        version_of=version_of,
        waiting=waiting,
    )


def _insert_version(db, earlier: Document, record, article, lang, sha256, tokens) -> int:
    """A changed text of a stored URL: a new document naming the version it follows."""
    number = store.count_versions(db, article.url) + 1
    base = earlier.external_id.rsplit("#v", 1)[0] if earlier.version_of else earlier.external_id
    return _insert(
        db,
        record,
        article,
        lang,
        sha256,
        tokens,
        external_id=f"{base}#v{number}",
        version_of=earlier.id,
    )


def _fill(db, waiting: Document, record, article: ArticleMeta, lang: str, sha256, tokens) -> int:
    """A waiting entry's page has come: the document gets its text, keeping what the feed said
    where the page says nothing; its language is the one its tokens were made with."""
    store.fill_waiting_document(
        db,
        waiting.id,
        title=record.title or waiting.title or title_of(record.text),
        text=record.text,
        text_sha256=sha256,
        lang=lang,
        outlet=article.outlet or waiting.outlet,
        published=article.published or waiting.published,
        author=article.author or waiting.author,
        analysis=tokens,
    )
    return waiting.id


def _drop_waiting_duplicate(db, record, article: ArticleMeta, document_id: int, report) -> None:
    # A waiting entry whose page turns out to be stored already (under another URL or id):
    # one document, not a stored one and a hidden empty twin.
    if not article.url:
        return
    earlier = store.latest_document_by_url(db, article.url)
    if earlier is not None and earlier.waiting and earlier.id != document_id:
        store.delete_waiting_document(db, earlier.id)
        report.notes.append(
            f"{record.source}: the page of {article.url} is stored already as document "
            f"{document_id}; its waiting feed entry is removed"
        )
