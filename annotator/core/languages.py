"""Language codes: normalising a page's tag, detecting a text's language, and choosing the
spaCy tokenizer for it (a blank pipeline per language, `xx` where spaCy has none)."""

from __future__ import annotations

import re
from functools import lru_cache

import spacy

DEFAULT_LANG = "de"  # the importer's default, for texts whose language is unknown
FALLBACK_SPACY_LANG = "xx"  # spaCy's multi-language tokenizer

_TAG = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*$")
# Tags that name no language (ISO 639-2 "undetermined", "multiple", "no content").
_NO_LANGUAGE = {"und", "mul", "zxx", "mis"}
_DETECT_CHARS = 3000  # py3langid is accurate well before this and its cost grows with length


def language_tag(value: str | None) -> str | None:
    """The primary subtag of a BCP 47 / locale tag ("de-DE", "ru_RU" -> "de", "ru"), or None
    when `value` is not a language tag."""
    if not value:
        return None
    first = value.strip().split(",")[0].strip().lower()  # Content-Language may list several
    match = _TAG.match(first)
    if match is None or match.group(1) in _NO_LANGUAGE:
        return None
    return match.group(1)


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code py3langid finds for `text` (its first few thousand characters), or
    None for a text without letters."""
    sample = text[:_DETECT_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return None
    import py3langid  # loads its model on first use, not at import of this module

    lang, _score = py3langid.classify(sample)
    return str(lang)


def spacy_language(lang: str | None) -> str:
    """The language code to build the tokenizer with: `lang` when spaCy can build a blank
    pipeline for it, `xx` otherwise, DEFAULT_LANG when `lang` is None."""
    if lang is None:
        return DEFAULT_LANG
    return lang if _blank_builds(lang) else FALLBACK_SPACY_LANG


@lru_cache(maxsize=64)
def _blank_builds(lang: str) -> bool:
    # Some languages exist in spaCy but need a third-party segmenter (ja: sudachipy, th:
    # pythainlp, ko: mecab); only building one tells.
    try:
        spacy.blank(lang)
    except (ImportError, ValueError, KeyError):
        return False
    return True
