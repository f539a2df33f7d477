"""Rule suggestions: spaCy SpanRuler patterns from a JSONL file, validated on load.

One pattern per line, spaCy's SpanRuler format: `{"label", "pattern", "id"?}` where `pattern`
is a phrase (string, matched case-insensitively) or a token pattern (list of token objects).
Two optional fields of our own: `score` (0 < score <= 1, default 1.0) and `focus`: `"quote"`
narrows a match to its quotation (first to last quotation mark), so a pattern can require the
attribution ("KCNA meldete ...") while the proposal covers only the quoted words, as the
guideline asks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
from spacy.schemas import validate_token_pattern

from annotator.suggest.proposal import Proposal, keep_longest_per_label

SOURCE = "patterns"
SPANS_KEY = "patterns"
DEFAULT_PATTERNS_PATH = Path(__file__).resolve().parents[2] / "schema" / "patterns.jsonl"
FIELDS = ("label", "pattern", "id", "score", "focus")
FOCUS_MODES = ("quote",)
QUOTATION_MARKS = frozenset('„“”"«»‚‘’‹›')


class PatternFileError(ValueError):
    """An invalid pattern file; the message names the file, line and field."""


@dataclass(frozen=True, slots=True)
class Pattern:
    """One validated pattern line."""

    line: int
    label: str
    pattern: str | list[dict[str, Any]]
    id: str
    score: float = 1.0
    focus: str | None = None


@dataclass(frozen=True, eq=False)  # hashed by identity: the cached pipeline belongs to it
class PatternSet:
    """The validated patterns of one file, with the blank pipeline that runs them."""

    path: str
    lang: str
    patterns: tuple[Pattern, ...]
    _by_id: dict[str, Pattern] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self._by_id.update({p.id: p for p in self.patterns})

    def labels(self) -> list[str]:
        """The labels the patterns propose, in file order."""
        return list(dict.fromkeys(p.label for p in self.patterns))

    def by_id(self, pattern_id: str) -> Pattern:
        """The pattern with this id."""
        return self._by_id[pattern_id]


def load_patterns(
    path: str | Path | None, label_keys: Collection[str], lang: str = "de"
) -> PatternSet:
    """The validated patterns of `path`; reread only when the file's mtime or size changed."""
    path = Path(path or DEFAULT_PATTERNS_PATH)
    try:
        stat = path.stat()
    except OSError as error:
        raise PatternFileError(f"{path}: cannot read pattern file ({error.strerror})") from None
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size, tuple(label_keys), lang)


@lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, size: int, label_keys: tuple[str, ...], lang: str):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PatternFileError(f"{path}: cannot read pattern file ({error})") from None
    return parse_patterns(text, path, label_keys, lang)


def parse_patterns(
    text: str, where: str, label_keys: Collection[str], lang: str = "de"
) -> PatternSet:
    """The patterns of a JSONL text; PatternFileError naming `where`, the line and the field."""
    patterns: list[Pattern] = []
    seen_ids: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        pattern = _parse_line(line, f"{where}:{number}", number, label_keys)
        if pattern.id in seen_ids:
            raise PatternFileError(
                f"{where}:{number}: field 'id': {pattern.id!r} already used on line "
                f"{seen_ids[pattern.id]}"
            )
        seen_ids[pattern.id] = number
        patterns.append(pattern)
    pattern_set = PatternSet(where, lang, tuple(patterns))
    _ruler_pipeline(pattern_set)  # spaCy's own checks, reported per line, at load time
    return pattern_set


def _parse_line(line: str, at: str, number: int, label_keys: Collection[str]) -> Pattern:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError as error:
        raise PatternFileError(
            f"{at}: not valid JSON ({error.msg}, column {error.colno})"
        ) from None
    if not isinstance(entry, dict):
        raise PatternFileError(f"{at}: a pattern line must be a JSON object")
    unknown = sorted(set(entry) - set(FIELDS))
    if unknown:
        raise PatternFileError(
            f"{at}: field {unknown[0]!r}: unknown field (allowed: {', '.join(FIELDS)})"
        )
    for name in ("label", "pattern"):
        if name not in entry:
            raise PatternFileError(f"{at}: field {name!r}: missing")
    label = entry["label"]
    if not isinstance(label, str) or label not in label_keys:
        raise PatternFileError(
            f"{at}: field 'label': unknown label {label!r} (scheme: {', '.join(label_keys)})"
        )
    pattern = _checked_pattern(entry["pattern"], at)
    pattern_id = entry.get("id", f"line-{number}")
    if not isinstance(pattern_id, str) or not pattern_id:
        raise PatternFileError(f"{at}: field 'id': must be a non-empty string")
    score = entry.get("score", 1.0)
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 < score <= 1:
        raise PatternFileError(f"{at}: field 'score': must be a number in (0, 1], not {score!r}")
    focus = entry.get("focus")
    if focus is not None and focus not in FOCUS_MODES:
        raise PatternFileError(
            f"{at}: field 'focus': must be one of {', '.join(FOCUS_MODES)}, not {focus!r}"
        )
    if focus == "quote" and not _mentions_quotation(pattern):
        raise PatternFileError(f"{at}: field 'focus': 'quote' needs a quotation mark in 'pattern'")
    return Pattern(number, label, pattern, pattern_id, float(score), focus)


def _checked_pattern(pattern: Any, at: str) -> str | list[dict[str, Any]]:
    if isinstance(pattern, str):
        if not pattern.strip():
            raise PatternFileError(f"{at}: field 'pattern': an empty phrase")
        return pattern
    if not isinstance(pattern, list) or not pattern:
        raise PatternFileError(
            f"{at}: field 'pattern': must be a phrase (string) or a token pattern "
            f"(non-empty list of objects), not {type(pattern).__name__}"
        )
    problems = validate_token_pattern(pattern)
    if problems:
        # "[pattern -> 0 -> LOWERX] Extra inputs ..." -> field 'pattern[0].LOWERX'
        where, _, message = problems[0].partition("] ")
        steps = where.strip("[").split(" -> ")[1:]
        path = "pattern" + "".join(f"[{s}]" if s.isdigit() else f".{s}" for s in steps)
        raise PatternFileError(f"{at}: field {path!r}: {message}")
    for index, token in enumerate(pattern):
        for regex in _regexes(token):
            try:
                re.compile(regex)
            except re.error as error:
                raise PatternFileError(
                    f"{at}: field 'pattern[{index}]': bad REGEX {regex!r} ({error})"
                ) from None
    return pattern


def _regexes(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "REGEX" and isinstance(inner, str):
                yield inner
            else:
                yield from _regexes(inner)


def _mentions_quotation(value: Any) -> bool:
    if isinstance(value, str):
        return any(mark in value for mark in QUOTATION_MARKS)
    if isinstance(value, dict):
        return any(_mentions_quotation(inner) for inner in value.values())
    if isinstance(value, list):
        return any(_mentions_quotation(inner) for inner in value)
    return False


@lru_cache(maxsize=16)
def _ruler_pipeline(pattern_set: PatternSet) -> spacy.language.Language:
    nlp = spacy.blank(pattern_set.lang)
    ruler = nlp.add_pipe(
        "span_ruler",
        config={"spans_key": SPANS_KEY, "phrase_matcher_attr": "LOWER", "validate": True},
    )
    for pattern in pattern_set.patterns:
        try:
            ruler.add_patterns(
                [{"label": pattern.label, "pattern": pattern.pattern, "id": pattern.id}]
            )
        except ValueError as error:  # spaCy's MatchPatternError is a ValueError
            first = str(error).strip().splitlines()[-1].strip()
            raise PatternFileError(
                f"{pattern_set.path}:{pattern.line}: field 'pattern': {first}"
            ) from None
    return nlp


def suggest_with_patterns(texts: Iterable[str], patterns: PatternSet) -> list[list[Proposal]]:
    """The pattern proposals for each text, in order (overlaps of one label kept longest)."""
    nlp = _ruler_pipeline(patterns)
    results = []
    for doc in nlp.pipe(texts, batch_size=32):
        proposals = [_proposal(span, patterns) for span in doc.spans[SPANS_KEY]]
        results.append(keep_longest_per_label([p for p in proposals if p is not None]))
    return results


def _proposal(span, patterns: PatternSet) -> Proposal | None:
    pattern = patterns.by_id(span.id_)
    if pattern.focus == "quote":
        marks = [t.i for t in span if t.text in QUOTATION_MARKS]
        if len(marks) < 2:
            return None
        span = span.doc[marks[0] : marks[-1] + 1]
    return Proposal(
        pattern.label, span.start_char, span.end_char, pattern.score, SOURCE, rule=pattern.id
    )


def suggest_patterns_from_file(
    texts: Iterable[str], path: str | Path | None, label_keys: Collection[str], lang: str = "de"
) -> list[list[Proposal]]:
    """Load (or reuse, if unchanged) the pattern file and run it over the texts."""
    return suggest_with_patterns(texts, load_patterns(path, label_keys, lang))
