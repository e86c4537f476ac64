"""The offline gazetteer: entities with Wikidata ids, aliases and periods, read from CSV.

The tables are data a curator edits (``mappings/tables/entities.csv``,
``demonyms.csv``); this module only loads them, checks them, and indexes every
matchable name by its word tokens for the mention finder.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from mappings.errors import InputError

TABLES = Path(__file__).resolve().parent.parent / "tables"
ENTITY_COLUMNS = [
    "id",
    "kind",
    "subkind",
    "label",
    "qid",
    "aliases",
    "unmatched_aliases",
    "valid_from",
    "valid_to",
    "successor_qids",
    "confidence",
    "sources",
    "note",
]
KINDS = {"state", "person", "organization", "event", "place", "concept"}
CONFIDENCES = {"verified", "single-source", "unverified", "curator"}
QID = re.compile(r"^Q[1-9][0-9]*$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOKEN = re.compile(r"[^\W\d_]+|\d+")
GENERIC_STATE_SUBKINDS = {"country", "country_realm"}


def slugify(text: str) -> str:
    """'Nicolae Ceaușescu' -> 'nicolae-ceausescu': ASCII, lowercase, hyphens."""
    text = re.sub(r"['’]", "", text)
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-") or "x"


def lost_letters_digest(text: str) -> str | None:
    """A short hash of the text if ``slugify`` drops letters or digits from it, else None."""
    folded = unicodedata.normalize("NFKD", text)
    if not any(ch.isalnum() and not ch.isascii() for ch in folded):
        return None
    key = unicodedata.normalize("NFC", " ".join(text.split())).encode("utf-8")
    return hashlib.sha256(key).hexdigest()[:10]


def stable_slug(text: str, slug: str | None = None) -> str:
    """``slugify`` (or the given slug of the text), plus a short hash of the text when
    slugify drops letters or digits.

    'Иван Петров' and 'Мария Иванова' both slugify to 'x', and a look-alike 'Gоrbachev'
    (Cyrillic о) to 'grbachev': the hash keeps such names apart, the same way on every run.
    """
    slug = slugify(text) if slug is None else slug
    digest = lost_letters_digest(text)
    if digest is None:
        return slug
    return f"u-{digest}" if slug in ("x", "") else f"{slug}-{digest}"


def name_key(name: str) -> tuple[str, ...]:
    """Word tokens of a name, as the matcher compares them (case kept, punctuation dropped)."""
    name = re.sub(r"^(?:the|The)\s+", "", name.strip())
    return tuple(TOKEN.findall(unicodedata.normalize("NFC", name)))


@dataclass(frozen=True)
class Entry:
    """One row of the gazetteer."""

    id: str
    kind: str
    subkind: str
    label: str
    qid: str
    aliases: tuple[str, ...]
    valid_from: int | None
    valid_to: int | None
    successor_qids: tuple[str, ...]
    confidence: str
    note: str

    @property
    def is_generic_state(self) -> bool:
        return self.kind == "state" and self.subkind in GENERIC_STATE_SUBKINDS

    def valid_during(self, first_year: int, last_year: int) -> bool | None:
        """Whether the entity existed in any year of the range; None if its period is unknown."""
        if self.valid_from is None or self.valid_to is None:
            return None
        return self.valid_from <= last_year and self.valid_to >= first_year


@dataclass(frozen=True)
class Gazetteer:
    entries: dict[str, Entry]
    index: dict[tuple[str, ...], tuple[str, ...]]  # name tokens -> entry ids
    demonyms: dict[tuple[str, ...], str]  # adjective tokens -> a name in the index
    standalone_demonyms: frozenset[tuple[str, ...]]  # "the Americans": a state without a noun
    context_nouns: frozenset[str]
    facility_nouns: frozenset[str]  # "Lenin Shipyard": a name before these is not the person
    given_names: frozenset[str]  # "Helmut" in "Helmut Kohl": a name the gazetteer does not know
    surnames: dict[str, tuple[str, ...]]  # a person's surname -> entry ids
    max_tokens: int
    lengths_by_first: dict[str, tuple[int, ...]]  # first token -> lengths of names it begins

    def lookup(self, key: tuple[str, ...]) -> tuple[Entry, ...]:
        return tuple(self.entries[i] for i in self.index.get(key, ()))

    def find_by_name(self, name: str) -> tuple[Entry, ...]:
        return self.lookup(name_key(name))


def _year(value: str, where: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not re.fullmatch(r"-?\d{1,4}", value):
        raise InputError(f"{where}: year {value!r} is not a year (expected e.g. 1949)")
    return int(value)


def read_entities(path: Path) -> dict[str, Entry]:
    """Load and check entities.csv; every problem names the file and line."""
    entries: dict[str, Entry] = {}
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [
            c
            for c in ("id", "kind", "label", "qid", "aliases")
            if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            where = f"{path}:{line}"
            ident = (row.get("id") or "").strip()
            if not SLUG.match(ident):
                raise InputError(f"{where}: id {ident!r} must be lowercase words joined by '-'")
            if ident in entries:
                raise InputError(f"{where}: id {ident!r} appears twice; ids must be unique")
            kind = (row.get("kind") or "").strip()
            if kind not in KINDS:
                raise InputError(f"{where}: kind {kind!r} is not one of {sorted(KINDS)}")
            qid = (row.get("qid") or "").strip()
            if qid and not QID.match(qid):
                raise InputError(f"{where}: qid {qid!r} is not a Wikidata item id (expected Q123)")
            confidence = (row.get("confidence") or "unverified").strip()
            if confidence not in CONFIDENCES:
                raise InputError(
                    f"{where}: confidence {confidence!r} is not one of {sorted(CONFIDENCES)}"
                )
            successors = tuple(s for s in (row.get("successor_qids") or "").split(";") if s)
            for s in successors:
                if not QID.match(s):
                    raise InputError(f"{where}: successor {s!r} is not a Wikidata item id")
            entries[ident] = Entry(
                id=ident,
                kind=kind,
                subkind=(row.get("subkind") or "").strip(),
                label=row["label"].strip(),
                qid=qid,
                aliases=tuple(
                    a.strip() for a in (row.get("aliases") or "").split(";") if a.strip()
                ),
                valid_from=_year(row.get("valid_from") or "", where),
                valid_to=_year(row.get("valid_to") or "", where),
                successor_qids=successors,
                confidence=confidence,
                note=(row.get("note") or "").strip(),
            )
    return entries


def _read_simple(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        for c in columns:
            if c not in (reader.fieldnames or []):
                raise InputError(f"{path}: missing column {c!r}")
        return [{k: (v or "").strip() for k, v in row.items()} for row in reader]


def _with_aliases(entries: dict[str, Entry], path: Path) -> dict[str, Entry]:
    """aliases.csv: other languages and inflected forms, kept apart from the imported rows."""
    if not path.exists():
        return entries
    rows = _read_simple(path, ("entity_id", "alias"))
    for line, row in enumerate(rows, start=2):
        entry = entries.get(row["entity_id"])
        if entry is None:
            raise InputError(
                f"{path}:{line}: entity_id {row['entity_id']!r} is not in entities.csv"
            )
        if row["alias"] and row["alias"] not in entry.aliases:
            entries[entry.id] = replace(entry, aliases=(*entry.aliases, row["alias"]))
    return entries


def build_gazetteer(tables: Path = TABLES) -> Gazetteer:
    entries = _with_aliases(read_entities(tables / "entities.csv"), tables / "aliases.csv")
    index: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for entry in entries.values():
        for name in (entry.label, *entry.aliases):
            key = name_key(name)
            if key and entry.id not in index[key]:
                index[key].append(entry.id)
    demonyms: dict[tuple[str, ...], str] = {}
    standalone: set[tuple[str, ...]] = set()
    for line, row in enumerate(_read_simple(tables / "demonyms.csv", ("demonym", "name")), 2):
        if name_key(row["name"]) not in index:
            raise InputError(
                f"{tables / 'demonyms.csv'}:{line}: name {row['name']!r} is not in entities.csv"
            )
        demonyms[name_key(row["demonym"])] = row["name"]
        if row.get("standalone") == "yes":
            standalone.add(name_key(row["demonym"]))
    nouns = frozenset(
        r["noun"] for r in _read_simple(tables / "state_context_nouns.csv", ("noun",))
    )
    facility = frozenset(r["noun"] for r in _read_simple(tables / "facility_nouns.csv", ("noun",)))
    given = frozenset(r["name"] for r in _read_simple(tables / "given_names.csv", ("name",)))
    surnames: dict[str, list[str]] = defaultdict(list)
    for entry in entries.values():
        if entry.kind == "person":
            surnames[name_key(entry.label)[-1]].append(entry.id)
    max_tokens = max((len(k) for k in (*index, *demonyms)), default=1)
    lengths: dict[str, set[int]] = defaultdict(set)
    for key in (*index, *demonyms):
        lengths[key[0]].add(len(key))
    return Gazetteer(
        entries=entries,
        index={k: tuple(v) for k, v in index.items()},
        demonyms=demonyms,
        standalone_demonyms=frozenset(standalone),
        context_nouns=nouns,
        facility_nouns=facility,
        given_names=given,
        surnames={k: tuple(v) for k, v in surnames.items()},
        max_tokens=max_tokens,
        lengths_by_first={k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()},
    )


@lru_cache(maxsize=4)
def load_gazetteer(tables: Path = TABLES) -> Gazetteer:
    """The gazetteer of a tables folder, loaded once per process."""
    return build_gazetteer(tables)
