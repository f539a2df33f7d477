"""How far a new span reaches: spans that overshoot (past a paragraph, over a token limit) need
the user's confirmation, and a span of punctuation alone is no span at all."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

DEFAULT_MAX_TOKENS = 60


@dataclass(frozen=True, slots=True)
class ExtentVerdict:
    refused: str = ""  # why the span cannot be made at all
    to_confirm: str = ""  # why the user must confirm it first


def _punctuation_only(covered: str) -> bool:
    return all(unicodedata.category(c)[0] in "PSZ" or c.isspace() for c in covered)


def judge_extent(
    covered: str, n_tokens: int, max_tokens: int = DEFAULT_MAX_TOKENS
) -> ExtentVerdict:
    """Whether a span covering the text `covered` (its `n_tokens` tokens) is refused, needs
    confirmation (more than one paragraph, or over `max_tokens` tokens) or is fine."""
    if _punctuation_only(covered):
        return ExtentVerdict(
            refused=f"a span of punctuation only ({covered.strip()!r}) is not made: select words"
        )
    reasons = []
    paragraphs = sum(1 for line in covered.split("\n") if line.strip())
    if paragraphs > 1:
        reasons.append(f"it runs over {paragraphs} paragraphs")
    if n_tokens > max_tokens:
        reasons.append(f"it is {n_tokens} tokens long (the limit is {max_tokens})")
    if reasons:
        return ExtentVerdict(
            to_confirm=f"This span is unusually long: {' and '.join(reasons)}. Make it anyway?"
        )
    return ExtentVerdict()
