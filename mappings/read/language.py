"""The language of a text, from its commonest words (the table lists them per language)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

TABLES = Path(__file__).resolve().parent.parent / "tables"
WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def language_table() -> dict[str, dict[str, str]]:
    with (TABLES / "languages.csv").open(encoding="utf-8", newline="") as f:
        return {row["code"]: row for row in csv.DictReader(f)}


@lru_cache(maxsize=1)
def _stopwords() -> dict[str, frozenset[str]]:
    return {code: frozenset(row["stopwords"].split()) for code, row in language_table().items()}


def detect_language(text: str) -> tuple[str, float] | None:
    """(BCP 47 code, share of the counted words that are its stopwords), or None if unsure."""
    words = Counter(w.lower() for w in WORD.findall(text[:20000]))
    total = sum(words.values())
    if total < 8:
        return None
    scores = {code: sum(words[w] for w in stop) / total for code, stop in _stopwords().items()}
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if score < 0.08 or score < 1.5 * runner_up:
        return None
    return best, round(min(0.99, score * 2.5), 2)
