"""SemEval-2020 Task 11 (PTC) layout: `article<ID>.txt` + rows `ID<TAB>LABEL<TAB>start<TAB>end`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from annotator.formats.base import ImportedSpan, ImportFormatError, ImportRecord
from annotator.formats.reading import iter_text_lines, parse_offset, read_utf8, regular_files

_ARTICLE = re.compile(r"^article(\d+)\.txt$")
_PER_ARTICLE_LABELS = re.compile(r"^article(\d+)\..*labels(\.tsv)?$")


def is_labels_file(path: Path) -> bool:
    """Whether `path` names a PTC technique-classification labels file (`*.labels[.tsv]`)."""
    return path.name.endswith((".labels", ".labels.tsv")) and "-SI." not in path.name


def read_ptc(path: Path) -> Iterator[ImportRecord]:
    """Records of a PTC folder (searched recursively), one per `article<ID>.txt`.

    Labels come from per-article files (`article<ID>.labels.tsv`, `article<ID>.task-flc-tc.labels`,
    `article<ID>.task2-TC.labels`) or from combined files holding rows of many articles; the
    article's first line is its title. An article with no labels file at all has spans None (a
    document only); one with an empty labels file is done with zero spans. The PTC is a gold
    standard without annotator names, so `annotator` is None: the importer chooses (e.g. gold).
    Span-identification files (`*-SI.labels`, three columns without a label) are not read.
    """
    root = Path(path)
    if not root.is_dir():
        raise ImportFormatError(f"{root}: the PTC layout is a folder of article<ID>.txt files")
    per_article: dict[str, list[Path]] = {}
    combined: dict[str, list[ImportedSpan]] = {}
    files = regular_files(root, lambda name: True)
    for labels in (p for p in files if is_labels_file(p)):
        match = _PER_ARTICLE_LABELS.match(labels.name)
        if match:
            per_article.setdefault(match.group(1), []).append(labels)
        else:
            # combined files are small (a few rows per article): index them once
            for article_id, span in _read_labels(labels, None):
                combined.setdefault(article_id, []).append(span)
    articles = sorted(
        (p for p in files if _ARTICLE.match(p.name)),
        key=lambda p: (int(_ARTICLE.match(p.name).group(1)), str(p)),
    )
    if not articles:
        raise ImportFormatError(f"{root}: no article<ID>.txt files")
    for article in articles:
        article_id = _ARTICLE.match(article.name).group(1)
        text = read_utf8(article)
        files = per_article.get(article_id, [])
        spans: list[ImportedSpan] | None = None
        if files or article_id in combined:
            spans = list(combined.get(article_id, []))
            for labels in files:
                spans.extend(span for _, span in _read_labels(labels, article_id))
        title = text.lstrip("\n").split("\n", 1)[0].strip() or None
        yield ImportRecord(
            text=text,
            source=str(article),
            external_id=f"article{article_id}",
            title=title,
            meta={},
            annotator=None,
            spans=spans,
            done=spans is not None,
        )


def _read_labels(path: Path, article_id: str | None) -> Iterator[tuple[str, ImportedSpan]]:
    for line_no, line in iter_text_lines(path):
        where = f"{path}:{line_no}"
        fields = line.split("\t")
        if len(fields) != 4:
            raise ImportFormatError(
                f"{where}: expected ID<TAB>LABEL<TAB>start<TAB>end, got {len(fields)} columns"
            )
        row_id, label = fields[0].strip(), fields[1].strip()
        if not row_id.isdigit():
            raise ImportFormatError(f"{where}: article id must be digits, got {row_id!r}")
        if article_id is not None and row_id != article_id:
            raise ImportFormatError(f"{where}: row for article {row_id} in a file of {article_id}")
        if not label:
            raise ImportFormatError(f"{where}: empty label")
        start = parse_offset(fields[2], "start", where)
        end = parse_offset(fields[3], "end", where)
        yield row_id, ImportedSpan(start=start, end=end, label=label, source=where)


def write_ptc(records: Iterable[dict[str, Any]], folder: Path) -> int:
    """Write export records as `article<document_id>.txt` + `.labels.tsv`; returns the count.

    The PTC layout has no annotator: give it one annotator's records (usually gold). A second
    record for the same document is a ValueError rather than a silent overwrite.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    seen: set[int] = set()
    for record in records:
        doc_id = record["meta"]["document_id"]
        if doc_id in seen:
            raise ValueError(
                f"document {doc_id} twice (annotators?): the PTC layout holds one annotator"
            )
        seen.add(doc_id)
        with open(folder / f"article{doc_id}.txt", "w", encoding="utf-8", newline="") as fh:
            fh.write(record["text"])
        with open(folder / f"article{doc_id}.labels.tsv", "w", encoding="utf-8", newline="") as fh:
            for span in record["spans"]:
                fh.write(f"{doc_id}\t{span['label']}\t{span['start']}\t{span['end']}\n")
    return len(seen)
