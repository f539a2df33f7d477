"""brat standoff: `.txt` + `.ann` pairs, one folder per annotator."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from annotator.formats.base import ImportedSpan, ImportFormatError, ImportRecord
from annotator.formats.reading import (
    IGNORED_KEY,
    iter_text_lines,
    parse_offset,
    read_utf8,
    regular_files,
)

# brat line kinds we cannot map onto spans, by their id letter.
_IGNORED_KINDS = {"R": "relations", "E": "events", "*": "equivalences", "N": "normalizations"}


def brat_documents(path: Path) -> list[Path]:
    """The `.ann` files under `path` (a file, an annotator folder or a project), sorted."""
    path = Path(path)
    if path.is_file():
        ann = path.with_suffix(".ann")
        if not ann.is_file():
            raise ImportFormatError(f"{path}: no {ann.name} next to it")
        return [ann]
    if not path.is_dir():
        raise ImportFormatError(f"{path}: no such file or folder")
    return regular_files(path, lambda name: name.endswith(".ann"))


def read_brat(path: Path) -> Iterator[ImportRecord]:
    """Records of a brat project: one per `.ann` file, annotator = the folder holding it.

    `external_id` is the file stem, so the same document under several annotators' folders is one
    document. Each fragment of a discontinuous `T` line (`T1\\tLabel 0 5;7 9\\ttext`) becomes a span
    of that label, with its share of the text column as `expected_text`. `A` lines become span
    attributes (`{"Negated": true}` or `{"Confidence": "High"}`), `#` AnnotatorNotes the span note;
    relations, events, equivalences, normalizations and notes on them are counted in
    `meta["_ignored"]`. A document whose `.ann` is there is done: brat has no status of its own.
    """
    for ann in brat_documents(path):
        txt = ann.with_suffix(".txt")
        if not txt.is_file() and not os.path.islink(txt):
            raise ImportFormatError(f"{ann}: no {txt.name} next to it")
        text = read_utf8(txt)
        spans, ignored = _read_ann(ann)
        meta = {IGNORED_KEY: dict(ignored)} if ignored else {}
        yield ImportRecord(
            text=text,
            source=str(ann),
            external_id=ann.stem,
            title=None,
            meta=meta,
            annotator=ann.parent.name,
            spans=spans,
            done=True,
        )


def _read_ann(ann: Path) -> tuple[list[ImportedSpan], Counter]:
    by_id: dict[str, list[ImportedSpan]] = {}
    spans: list[ImportedSpan] = []
    ignored: Counter = Counter()
    pending: list[tuple[str, str, int]] = []  # A and # lines, applied once all T lines are read
    for line_no, line in iter_text_lines(ann):
        kind = line[0]
        if kind == "T":
            found = _read_textbound(line, f"{ann}:{line_no}")
            by_id[line.split("\t", 1)[0]] = found
            spans.extend(found)
        elif kind in ("A", "M", "#"):
            pending.append((kind, line, line_no))
        else:
            ignored[_IGNORED_KINDS.get(kind, "other")] += 1
    for kind, line, line_no in pending:
        where = f"{ann}:{line_no}"
        fields = line.split("\t")
        if len(fields) < 2:
            raise ImportFormatError(f"{where}: expected ID<TAB>TYPE TARGET ..., got {line!r}")
        parts = fields[1].split()
        target = parts[1] if len(parts) > 1 else None
        if target not in by_id:
            # notes and attributes on relations or events: nothing of ours to attach them to
            ignored["notes" if kind == "#" else "attributes"] += 1
            continue
        for span in by_id[target]:
            if kind == "#":
                note = fields[2] if len(fields) > 2 else ""
                span.note = note if span.note is None else f"{span.note}\n{note}"
            else:
                value: bool | str = True if len(parts) == 2 else " ".join(parts[2:])
                span.attributes = {**(span.attributes or {}), parts[0]: value}
    return spans, ignored


def _read_textbound(line: str, where: str) -> list[ImportedSpan]:
    fields = line.split("\t")
    if len(fields) < 2:
        raise ImportFormatError(f"{where}: expected T<ID><TAB>LABEL START END, got {line!r}")
    label, _, offsets = fields[1].partition(" ")
    if not label or not offsets:
        raise ImportFormatError(f"{where}: expected LABEL START END, got {fields[1]!r}")
    claimed = fields[2] if len(fields) > 2 else None
    spans = []
    pos = 0  # brat joins the fragments' texts with one space in the text column
    for fragment in offsets.split(";"):
        bounds = fragment.split()
        if len(bounds) != 2:
            raise ImportFormatError(f"{where}: fragment {fragment!r} is not START END")
        start = parse_offset(bounds[0], "start", where)
        end = parse_offset(bounds[1], "end", where)
        expected = None
        if claimed is not None:
            expected = claimed[pos : pos + max(end - start, 0)]
            pos += max(end - start, 0) + 1
        spans.append(
            ImportedSpan(start=start, end=end, label=label, expected_text=expected, source=where)
        )
    return spans
