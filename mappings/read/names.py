"""Personal names as editors print them -> the name as written and a normalised name.

Editorial brackets are resolved: "E[rich] Honecker" is Erich Honecker; in
"[East German leader] E[rich] Honecker" the bracket is a description, not a
name; in "[Laotian Prime Minister Kaysone] K. Phomvihan" the bracket ends with
the given name that the initial abbreviates. Nothing here raises on any input.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TABLES = Path(__file__).resolve().parent.parent / "tables"
PARTICLES = {
    "von",
    "van",
    "de",
    "der",
    "den",
    "da",
    "del",
    "di",
    "du",
    "le",
    "la",
    "bin",
    "ibn",
    "al",
}
INITIAL = re.compile(r"^[A-Z][a-z]?\.$")
WORD = re.compile(r"^[A-Z][a-zà-ÿğşţăâîčćđšžłńóśźżřůýěťďňÀ-ž’'\-]+$")
CAPS_WORD = re.compile(r"^[A-ZÀ-Þ][A-ZÀ-Þ’'\-]+$")
INLINE_BRACKET = re.compile(r"(?<=\w)\[(\w+)\]|\[(\w+)\](?=\w)")
LEADING_BRACKET = re.compile(r"^\[([^\[\]]{1,120})\]\s*")


@lru_cache(maxsize=1)
def role_words() -> frozenset[str]:
    with (TABLES / "role_words.csv").open(encoding="utf-8", newline="") as f:
        return frozenset(row["word"] for row in csv.DictReader(f))


@lru_cache(maxsize=1)
def description_words() -> frozenset[str]:
    """Words that make a bracket a description: roles plus demonyms ("East German leader")."""
    words = set(role_words())
    with (TABLES / "demonyms.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            words.update(row["demonym"].split())
    return frozenset(words)


@dataclass(frozen=True)
class ParsedName:
    name: str  # normalised: "Erich Honecker"
    as_written: str  # "E[rich] Honecker"
    description: str | None = None  # "East German leader"


def _clean_token(token: str) -> str:
    token = re.sub(r"^\d+(?=[^\W\d_])", "", token)  # paragraph number glued: 1Gorbachev
    token = re.sub(r"(?<=[^\W\d_])\d+$", "", token)  # footnote marker glued: Gorbachev1
    return token.strip(",;:()")


def _title_case(token: str) -> str:
    if CAPS_WORD.match(token) and len(token) > 2:
        return "-".join(part.capitalize() for part in token.split("-"))
    return token


def is_name_token(token: str) -> bool:
    return bool(INITIAL.match(token) or WORD.match(token) or CAPS_WORD.match(token))


def looks_like_name(text: str, max_tokens: int = 5) -> bool:
    """A short run of capitalised words or initials: 'G. Kh. Zhakhnazarov'."""
    text = unicodedata.normalize("NFC", text.strip())
    if not text or len(text) > 60 or any(ch.isdigit() for ch in text):
        return False
    tokens = re.sub(r"\.(?=[A-Z])", ". ", text).split()
    if not 1 <= len(tokens) <= max_tokens:
        return False
    words = [t for t in tokens if t not in PARTICLES]
    if not words or not all(is_name_token(t) for t in words):
        return False
    return not any(t.strip(".") in role_words() for t in words)


def normalise_name(text: str) -> str:
    """'E[rich]  HONECKER1' -> 'Erich Honecker'; leading titles ('Comrade') are dropped."""
    s = unicodedata.normalize("NFC", text)
    s = re.sub(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069]", "", s)
    s = INLINE_BRACKET.sub(lambda m: m.group(1) or m.group(2), s)
    s = s.replace("[", "").replace("]", "")
    s = re.sub(r"\.(?=[A-Z])", ". ", s)
    tokens = [_clean_token(t) for t in s.split()]
    tokens = [t for t in tokens if t]
    roles = role_words()
    while len(tokens) > 1 and tokens[0].strip(".") in roles:
        tokens.pop(0)
    tokens = [_title_case(t) for t in tokens]
    return " ".join(tokens).strip(" .,;:")


def parse_name(text: str) -> ParsedName:
    """A name as printed, with editorial brackets resolved."""
    written = re.sub(r"\s+", " ", text).strip()
    description = None
    rest = written
    bracket = LEADING_BRACKET.match(rest)
    given: list[str] = []
    if bracket:
        inside = bracket.group(1).split()
        rest = rest[bracket.end() :]
        # The bracket's trailing capitalised words that are not roles or demonyms
        # are the given name ("[Laotian Prime Minister Kaysone]").
        words = description_words()
        while inside and is_name_token(inside[-1]) and inside[-1].strip(".") not in words:
            given.insert(0, inside.pop())
        description = " ".join(inside) or None
    tokens = normalise_name(rest).split()
    if given and tokens:
        if INITIAL.match(tokens[0]) and tokens[0][0] == given[0][0]:
            tokens = given + tokens[1:]  # "Kaysone" + "K. Phomvihan"
        else:
            tokens = given + tokens
    elif given:
        tokens = given
    name = " ".join(tokens) if tokens else normalise_name(written)
    return ParsedName(name=name, as_written=written, description=description)


def split_name_list(text: str) -> list[str]:
    """'A, B and C' / 'A; B' / 'A & B' -> ['A', 'B', 'C'] (a comma inside brackets is kept)."""
    parts = re.split(r"\s*(?:;|,(?![^\[]*\])|\band\b|&)\s*", text)
    return [p.strip() for p in parts if p and p.strip()]
