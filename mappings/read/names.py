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
INITIAL = re.compile(r"^(?:[^\W\d_]{1,2}\.)+$")


def _is_initial(token: str) -> bool:
    """'M.', 'Kh.', 'Yu.', 'Х.' (any script)."""
    return bool(INITIAL.match(token)) and token[0].isupper()


def _is_word(token: str) -> bool:
    """A capitalised name word in any script: 'Honecker', 'Ceaușescu', 'Фалин', "O'Neill"."""
    core = token.replace("’", "").replace("'", "").replace("-", "")
    return (
        bool(core)
        and core.isalpha()
        and token[0].isupper()
        and (core[1:].islower() or core.isupper() or not core[1:])
    )


INLINE_BRACKET = re.compile(r"(?<=\w)\[(\w+)\]|\[(\w+)\](?=\w)")
LEADING_BRACKET = re.compile(r"^\[([^\[\]]{1,120})\]\s*")


@lru_cache(maxsize=1)
def role_words() -> frozenset[str]:
    with (TABLES / "role_words.csv").open(encoding="utf-8", newline="") as f:
        return frozenset(row["word"] for row in csv.DictReader(f))


@lru_cache(maxsize=1)
def not_name_words() -> frozenset[str]:
    """Capitalised words of titles and site names that never occur in personal names."""
    with (TABLES / "not_name_words.csv").open(encoding="utf-8", newline="") as f:
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
    if len(token) > 2 and token.replace("-", "").replace("’", "").isalpha() and token.isupper():
        return "-".join(part.capitalize() for part in token.split("-"))
    return token


def is_name_token(token: str) -> bool:
    return _is_initial(token) or _is_word(token)


def looks_like_name(text: str, max_tokens: int = 5) -> bool:
    """A short run of capitalised words or initials: 'G. Kh. Zhakhnazarov'."""
    text = unicodedata.normalize("NFC", text.strip())
    if not text or len(text) > 60 or any(ch.isdigit() for ch in text):
        return False
    tokens = re.sub(r"\.(?=[^\W\d_])", ". ", text).split()
    if not 1 <= len(tokens) <= max_tokens:
        return False
    words = [t for t in tokens if t not in PARTICLES]
    if not words or not all(is_name_token(t) for t in words):
        return False
    not_names = not_name_words()
    if any(t.strip(".").capitalize() in not_names for t in words):
        return False
    return not any(t.strip(".") in role_words() for t in words)


def normalise_name(text: str) -> str:
    """'E[rich]  HONECKER1' -> 'Erich Honecker'; leading titles ('Comrade') are dropped."""
    s = unicodedata.normalize("NFC", text)
    s = re.sub(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069]", "", s)
    s = INLINE_BRACKET.sub(lambda m: m.group(1) or m.group(2), s)
    s = s.replace("[", "").replace("]", "")
    s = re.sub(r"\.(?=[^\W\d_])", ". ", s)
    tokens = [_clean_token(t) for t in s.split()]
    tokens = [t for t in tokens if t]
    roles = role_words()
    while len(tokens) > 1 and (tokens[0].strip(".") in roles or tokens[0] in roles):
        if tokens[0] == "M." and (len(tokens) < 3 or _is_initial(tokens[1])):
            break  # "M." is Monsieur before a full name, an initial before "S. Gorbachev"
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
        if _is_initial(tokens[0]) and tokens[0][0] == given[0][0]:
            tokens = given + tokens[1:]  # "Kaysone" + "K. Phomvihan"
        else:
            tokens = given + tokens
    elif given:
        tokens = given
    name = " ".join(tokens) if tokens else normalise_name(written)
    return ParsedName(name=name, as_written=written, description=description)


def _name_tokens(name: str) -> list[str]:
    return [
        t
        for t in re.sub(r"[.\[\]]", " ", unicodedata.normalize("NFC", name)).casefold().split()
        if t
    ]


def same_person(a: str, b: str) -> bool:
    """'Gorbachev' ~ 'Mikhail Gorbachev' ~ 'M. S. Gorbachev' ~ 'B. Stukalin' ~ 'Boris Stukalin'.

    Same surname, and every given name or initial of the shorter form fits, in order,
    a given name of the longer form (an initial fits a name it begins).
    """
    ta, tb = _name_tokens(a), _name_tokens(b)
    if not ta or not tb or ta[-1] != tb[-1]:
        return False
    short, long_ = sorted((ta[:-1], tb[:-1]), key=len)
    position = 0
    for token in short:
        while position < len(long_):
            other = long_[position]
            position += 1
            if (
                token == other
                or (len(token) <= 2 and other.startswith(token))
                or (len(other) <= 2 and token.startswith(other))
            ):
                break
        else:
            return False
    return True


def split_name_list(text: str) -> list[str]:
    """'A, B and C' / 'A; B' / 'A & B' -> ['A', 'B', 'C'] (a comma inside brackets is kept)."""
    parts = re.split(r"\s*(?:;|,(?![^\[]*\])|\band\b|&)\s*", text)
    return [p.strip() for p in parts if p and p.strip()]
