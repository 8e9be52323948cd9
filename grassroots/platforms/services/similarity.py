"""Possible-duplicate detection: character-bigram Jaccard similarity (see decision 0008)."""

from __future__ import annotations

import re
import unicodedata

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)

# Flag when titles share at least half their bigrams, or the whole texts 40%.
TITLE_THRESHOLD = 0.5
TEXT_THRESHOLD = 0.4


def bigrams(text: str) -> frozenset[str]:
    """Overlapping two-character pieces of the text with spaces and punctuation removed."""
    clean = _NOISE.sub("", unicodedata.normalize("NFKC", text or "").lower())
    if len(clean) < 2:
        return frozenset({clean}) if clean else frozenset()
    return frozenset(clean[i : i + 2] for i in range(len(clean) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def is_similar(title_score: float, text_score: float) -> bool:
    return title_score >= TITLE_THRESHOLD or text_score >= TEXT_THRESHOLD
