"""Checks of imported spans before snapping, and offset-preserving text canonicalisation."""

from __future__ import annotations

import bisect
import json
import re
import unicodedata
from dataclasses import replace

from annotator.core.tokenize import MAX_TEXT_CHARS, canonical_text
from annotator.formats.base import ImportedSpan, ImportFormatError, ImportRecord

_SHOW = 60  # characters of each string shown in a mismatch message
# A lone surrogate (JSON "\\ud800") is no character: it cannot be stored as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


# json.dumps(..., ensure_ascii=False, default=str), its encoder built once (json.dumps builds one
# per call for any non-default option, and an import checks every record).
_DUMPS = json.JSONEncoder(ensure_ascii=False, default=str).encode


def check_record_strings(record: ImportRecord) -> None:
    """ImportFormatError naming the record's source when its text is over MAX_TEXT_CHARS or any
    of its strings (text, title, id, meta, span labels, notes, attributes) has a lone surrogate."""
    if len(record.text) > MAX_TEXT_CHARS:
        raise ImportFormatError(
            f"{record.source}: text of {len(record.text):,} characters; "
            f"the limit is {MAX_TEXT_CHARS:,}"
        )
    fields = {
        "text": record.text,
        "title": record.title,
        "id": record.external_id,
        "annotator": record.annotator,
    }
    for name, value in fields.items():
        if isinstance(value, str) and _SURROGATE.search(value):
            raise ImportFormatError(f"{record.source}: {name} holds a lone surrogate (not Unicode)")
    spans = record.spans or ()
    labels = ""
    if all(s.note is None and s.attributes is None and type(s.label) is str for s in spans):
        # The common span has only its label to check: no JSON of a list of them.
        labels, rest = "".join([s.label for s in spans]), record.meta
    else:
        rest = [record.meta, [(s.label, s.note, s.attributes) for s in spans]]
    try:
        dumped = _DUMPS(rest)
    except (RecursionError, ValueError):
        raise ImportFormatError(f"{record.source}: meta or a span nested too deeply") from None
    if _SURROGATE.search(dumped) or _SURROGATE.search(labels):
        raise ImportFormatError(
            f"{record.source}: meta or a span holds a lone surrogate (not Unicode)"
        )


def span_problem(span: ImportedSpan, text: str) -> str | None:
    """What is wrong with one span on `text`, or None when it can be snapped and stored."""
    start, end = span.start, span.end
    if type(start) is int and type(end) is int and 0 <= start < end <= len(text):
        if span.expected_text is None or text[start:end] == span.expected_text:
            return None  # the common case, without the checks below that name each problem
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{name} {value!r} is not an integer"
    if start < 0:
        return f"negative start {start}"
    if start >= end:
        return f"start {start} is not before end {end}"
    if end > len(text):
        return f"end {end} is past the end of the text ({len(text)} characters)"
    if span.expected_text is not None and text[start:end] != span.expected_text:
        return _mismatch(text[start:end], span.expected_text)
    return None


def check_spans(record: ImportRecord) -> list[str]:
    """One message per bad span of `record`: offsets outside the text, empty or reversed, not
    integers, or a span text the file claims that differs from the text at the offsets."""
    return split_spans(record)[1]


def split_spans(record: ImportRecord) -> tuple[list[ImportedSpan], list[str]]:
    """The spans of `record` that pass `span_problem`, and a message for each one that does not."""
    good, problems = [], []
    for i, span in enumerate(record.spans or []):
        problem = span_problem(span, record.text)
        if problem is None:
            good.append(span)
        else:
            where = span.source or record.source
            problems.append(f"{where}: span {i} ({span.label} {span.start}-{span.end}): {problem}")
    return good, problems


def _mismatch(actual: str, expected: str) -> str:
    at = next(
        (i for i, (a, b) in enumerate(zip(actual, expected, strict=False)) if a != b),
        min(len(actual), len(expected)),
    )
    lo = max(0, at - _SHOW // 2)
    return (
        f"the file's span text differs from the text at the offsets from character {at}: "
        f"file {_excerpt(expected, lo)} vs text {_excerpt(actual, lo)}"
    )


def _excerpt(s: str, lo: int) -> str:
    piece = repr(s[lo : lo + _SHOW])
    return ("…" if lo else "") + piece + ("…" if lo + _SHOW < len(s) else "")


def canonical_record(record: ImportRecord) -> ImportRecord:
    """`record` with its text in canonical form (NFC, `\\n` line ends) and span offsets moved
    to match; the record itself when the text is canonical already.

    A span boundary inside a sequence that canonicalisation merges (`\\r\\n`, a letter and its
    combining accent) moves outward to the merged character. The span texts a file claims
    (`expected_text`) are canonicalised too, so that they compare with the stored text.
    """
    check_record_strings(record)
    text = record.text
    if "\r" not in text and unicodedata.is_normalized("NFC", text):
        if not any(_needs_canonical(span.expected_text) for span in record.spans or ()):
            return record
        spans = [_canonical_claim(span) for span in record.spans]
        return replace(record, spans=spans)
    pieces: list[str] = []
    # new_at[i]: canonical offset of raw offset i when i is a segment boundary
    new_at: dict[int, int] = {0: 0}
    boundaries = [0]
    length = 0
    for seg_start, seg_end in _segments(text):
        piece = unicodedata.normalize("NFC", text[seg_start:seg_end].replace("\r\n", "\n"))
        piece = piece.replace("\r", "\n")
        pieces.append(piece)
        length += len(piece)
        new_at[seg_end] = length
        boundaries.append(seg_end)
    canonical = "".join(pieces)
    if canonical != canonical_text(text):
        raise ImportFormatError(f"{record.source}: cannot map offsets onto the canonical text")

    def move(offset: int, outward_right: bool) -> int:
        if offset < 0:
            return offset  # stays bad, and check_spans reports it
        if offset > len(text):
            return offset - len(text) + length
        if offset in new_at:
            return new_at[offset]
        # inside a merged segment: widen to its edge
        i = bisect.bisect_right(boundaries, offset)
        return new_at[boundaries[i] if outward_right else boundaries[i - 1]]

    spans = None
    if record.spans is not None:
        spans = []
        for span in record.spans:
            if isinstance(span.start, int) and isinstance(span.end, int):
                span = replace(span, start=move(span.start, False), end=move(span.end, True))
            spans.append(_canonical_claim(span))
    return replace(record, text=canonical, spans=spans)


def _needs_canonical(claimed: str | None) -> bool:
    return claimed is not None and (
        "\r" in claimed or not unicodedata.is_normalized("NFC", claimed)
    )


def _canonical_claim(span: ImportedSpan) -> ImportedSpan:
    # A file's span text in NFD or with CRLF line ends is the same text as the canonical one.
    if not _needs_canonical(span.expected_text):
        return span
    return replace(span, expected_text=canonical_text(span.expected_text))


def _segments(text: str):
    """Half-open ranges canonicalised apart: `\\r\\n`, or a character with its accents."""
    start = 0
    i = 1
    while i <= len(text):
        if i == len(text):
            yield start, i
            break
        ch = text[i]
        prev = text[i - 1]
        if prev == "\r":
            joins = ch == "\n"
        elif prev == "\n":
            joins = False  # a stray mark after a line break stays apart (Unicode's rule GB4)
        else:
            joins = unicodedata.combining(ch) != 0 or _composes_with_previous(prev, ch)
        if not joins:
            yield start, i
            start = i
        i += 1


def _composes_with_previous(prev: str, ch: str) -> bool:
    # Hangul jamo and a few non-combining-class-0 compositions (e.g. U+0B3E) compose with the
    # previous starter; NFC of the pair being one character tells us.
    return len(unicodedata.normalize("NFC", prev + ch)) < 2
