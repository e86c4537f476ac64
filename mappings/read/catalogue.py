"""Catalogue records: what a curator states about a document, in TOML beside its text.

``corpus/letters/1988-10-06.txt`` may have ``corpus/letters/1988-10-06.toml``.
Every field is optional; a field given here replaces what extraction found
(a curator's word always wins) and is marked ``origin = catalogue`` in the graph.
An unknown field is an error, so that a typo never silently drops a fact.
See the README section "Catalogue records" for the full list.
"""

from __future__ import annotations

import re
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from mappings.errors import InputError
from mappings.read.dates import parse_date
from mappings.read.fields import document_types
from mappings.read.language import language_table
from mappings.read.names import parse_name
from mappings.read.text import check_value
from mappings.records import Agent, ArchivalReference, Evidence, Fact, PublishedSource

MAX_BYTES = 1024 * 1024  # a catalogue record is a few lines; anything bigger is not one

ROLE_FIELDS = {
    "authors": "author",
    "recipients": "recipient",
    "participants": "participant",
    "speakers": "speaker",
    "note_takers": "note_taker",
    "translators": "translator",
    "editors": "editor",
}
SCALAR_FIELDS = {"id", "work", "title", "type", "date", "language", "excerpt", "rights", "note"}
TABLE_FIELDS = {"sources", "archives", "curator", "suppress"}
ALLOWED = SCALAR_FIELDS | set(ROLE_FIELDS) | TABLE_FIELDS
SOURCE_FIELDS = {
    "relation", "title", "creators", "alternative_title", "series", "item_number", "publisher",
    "place", "year", "pages", "url", "accessed",
}  # fmt: skip
ARCHIVE_FIELDS = {"archive", "fond", "opis", "papka", "delo", "box", "folder"}
ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_\-]|\.(?!\.)){0,120}$")
YEAR = re.compile(r"^[12][0-9]{3}$")
# An absolute http(s) IRI, by the grammar of RFC 3987 (a registered host name, no IP
# literal): what the map stage can publish as an IRI without escaping anything.
_UCS = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd"
_PRIVATE = "\ue000-\uf8ff"
_PCT = "%[0-9A-Fa-f]{2}"
_IPCHAR = rf"(?:[A-Za-z0-9\-._~{_UCS}!$&'()*+,;=:@]|{_PCT})"
URL = re.compile(
    rf"^https?://(?:[A-Za-z0-9\-._~{_UCS}!$&'()*+,;=]|{_PCT})+(?::[0-9]{{1,5}})?"
    rf"(?:/{_IPCHAR}*)*(?:\?(?:{_IPCHAR}|[/?{_PRIVATE}])*)?(?:#(?:{_IPCHAR}|[/?])*)?$"
)


def _curated(rule: str, note: str | None = None) -> Evidence:
    return Evidence("catalogue", rule, 1.0, note=note)


# The record being read, for line numbers in messages.
_SOURCE: ContextVar[str] = ContextVar("catalogue_source", default="")


def _line(field: str) -> str:
    """'line N: ' where ``field = ...`` first appears in the record being read ('' if not)."""
    source = _SOURCE.get()
    pattern = re.compile(rf"^[ \t]*(?:{re.escape(field)}|\"{re.escape(field)}\")[ \t]*=", re.M)
    found = pattern.search(source)
    return f"line {source.count(chr(10), 0, found.start()) + 1}: " if found else ""


def _check_keys(found: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(found) - allowed)
    if unknown:
        raise InputError(
            f"{where}: {_line(unknown[0])}unknown field(s) {', '.join(unknown)};"
            f" allowed: {', '.join(sorted(allowed))};"
            " check the spelling (README, Catalogue records)"
        )


def _text(value: Any, where: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(
            f"{where}: {_line(field)}{field} must be a non-empty string, got {value!r}"
        )
    try:
        return check_value(value.strip(), field)
    except ValueError as error:
        raise InputError(f"{where}: {_line(field)}{error}") from None


def _scalar(value: Any, where: str, field: str) -> str:
    """A short value that may be written as a number (year = 2010, delo = 190)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(value, where, field)


def _names(values: Any, where: str, field: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise InputError(
            f"{where}: {_line(field)}{field} must be a list of names,"
            f' e.g. {field} = ["Anatoly Chernyaev"]'
        )
    names = [_text(v, where, field) for v in values]
    for name in names:
        if not re.search(r"\w", name):
            raise InputError(f"{where}: {_line(field)}{field}: {name!r} is not a name")
    return names


def _read_record(path: Path, where: str) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(
                f"{where}: the catalogue record is {size:,} bytes, over the {MAX_BYTES:,} limit;"
                " a record holds a few fields"
            )
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as error:
        raise InputError(f"{where}: cannot be read: {error.strerror or error}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(
            f"{where}: line {line}: byte 0x{data[error.start]:02x} is not UTF-8;"
            " save the catalogue record as UTF-8"
        ) from None


def read_catalogue(path: Path, shown: str | None = None) -> dict[str, Any]:
    """Parse and check a catalogue record; returns the fields as Fond records.

    ``shown`` is the name used in messages (default: the path). Every message names the
    record, the line where the field is, and what is expected.
    """
    where = shown or str(path)
    source = _read_record(path, where)
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise InputError(
            f"{where}: not valid TOML: {error}; see the README, Catalogue records"
        ) from None
    token = _SOURCE.set(source)
    try:
        return _record(data, where)
    finally:
        _SOURCE.reset(token)


def _record(data: dict[str, Any], where: str) -> dict[str, Any]:
    _check_keys(data, ALLOWED, where)
    note = None
    if "curator" in data:
        if not isinstance(data["curator"], dict):
            raise InputError(f"{where}: [curator] must be a table with name and note")
        _check_keys(data["curator"], {"name", "note", "date"}, f"{where} [curator]")
        note = "; ".join(
            _scalar(v, f"{where} [curator]", k) if not hasattr(v, "isoformat") else v.isoformat()
            for k, v in data["curator"].items()
        )
    out: dict[str, Any] = {}
    for key in ("id", "work"):
        if key in data:
            value = _text(data[key], where, key)
            if not ID.fullmatch(value):
                raise InputError(
                    f"{where}: {_line(key)}{key} {value!r} may use only letters, digits,"
                    " '.', '_', '-' (starting with a letter or digit, no '..', at most 121)"
                )
            out[key] = value
    if "title" in data:
        out["title"] = Fact(_text(data["title"], where, "title"), _curated("catalogue-title", note))
    if "type" in data:
        value = _text(data["type"], where, "type")
        if value not in document_types():
            raise InputError(
                f"{where}: {_line('type')}type {value!r} is not in document_types.toml"
                f" ({', '.join(document_types())})"
            )
        out["document_type"] = Fact(value, _curated("catalogue-type", note))
    if "date" in data:
        raw = data["date"]
        parsed = (
            parse_date(_scalar(raw, where, "date"))
            if isinstance(raw, str | int)
            else parse_date(getattr(raw, "isoformat", lambda: "")())
        )
        if parsed is None:
            raise InputError(
                f"{where}: {_line('date')}date {raw!r} is not a date Fond can read"
                " (e.g. 1986-06-26, 'October 1988', 'late December 1988')"
            )
        out["date"] = Fact(parsed, _curated("catalogue-date", note))
    if "language" in data:
        value = _text(data["language"], where, "language")
        if value not in language_table():
            raise InputError(
                f"{where}: {_line('language')}language {value!r} is not in languages.csv"
                f" ({', '.join(language_table())})"
            )
        out["language"] = Fact(value, _curated("catalogue-language", note))
    if "excerpt" in data:
        if not isinstance(data["excerpt"], bool):
            raise InputError(f"{where}: {_line('excerpt')}excerpt must be true or false")
        out["is_excerpt"] = Fact(data["excerpt"], _curated("catalogue-excerpt", note))
    if "rights" in data:
        out["rights"] = Fact(
            _text(data["rights"], where, "rights"), _curated("catalogue-rights", note)
        )
    agents: list[Agent] = []
    for field, role in ROLE_FIELDS.items():
        if field not in data:
            continue
        for value in _names(data[field], where, field):
            parsed = parse_name(value)
            kind = "organization" if _looks_organization(value) else "person"
            agents.append(
                Agent(
                    role,
                    (parsed.name or value) if kind == "person" else value,
                    value,
                    kind,
                    _curated(f"catalogue-{role}", note),
                )
            )  # type: ignore[arg-type]
    if any(field in data for field in ROLE_FIELDS):
        out["agents"] = agents
        out["agent_roles"] = {ROLE_FIELDS[f] for f in ROLE_FIELDS if f in data}
    if "sources" in data:
        out["sources"] = [
            _source(item, f"{where} [[sources]] #{i + 1}", note)
            for i, item in enumerate(_tables(data["sources"], where, "sources"))
        ]
    if "archives" in data:
        out["archival_references"] = [
            _archive(item, f"{where} [[archives]] #{i + 1}", note)
            for i, item in enumerate(_tables(data["archives"], where, "archives"))
        ]
    if "suppress" in data:
        values = data["suppress"]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InputError(
                f"{where}: {_line('suppress')}suppress must be a list of entity ids or names"
            )
        out["suppress"] = tuple(_text(v, where, "suppress") for v in values)
    return out


def _looks_organization(name: str) -> bool:
    from mappings.read.fields import organization_words

    return bool(set(re.findall(r"[A-Za-z]+", name)) & organization_words())


def _tables(value: Any, where: str, field: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError(f"{where}: {_line(field)}{field} must be an array of tables ([[{field}]])")
    return value


def _source(item: dict[str, Any], where: str, note: str | None) -> PublishedSource:
    _check_keys(item, SOURCE_FIELDS, where)
    relation = item.get("relation", "published_in")
    if relation not in ("published_in", "translated_from", "cited_from"):
        raise InputError(
            f"{where}: {_line('relation')}relation {relation!r} must be published_in,"
            " translated_from or cited_from"
        )
    creators = _names(item.get("creators", []), where, "creators")
    values = {
        k: _scalar(item[k], where, k)
        for k in sorted(SOURCE_FIELDS - {"relation", "title", "creators"})
        if k in item
    }
    if "year" in values and not YEAR.fullmatch(values["year"]):
        raise InputError(
            f"{where}: {_line('year')}year {values['year']!r} is not a year; write e.g. year = 2010"
        )
    if "url" in values and not URL.fullmatch(values["url"]):
        raise InputError(
            f"{where}: {_line('url')}url {values['url']!r} is not an absolute http(s) address;"
            ' percent-encode spaces and the characters < > " { } | \\ ^ `'
        )
    if "accessed" in values:
        accessed = parse_date(values["accessed"])
        if accessed is None:
            raise InputError(
                f"{where}: {_line('accessed')}accessed {values['accessed']!r} is not a date"
                " Fond can read (e.g. 2024-05-01)"
            )
        values["accessed"] = accessed.edtf
    return PublishedSource(
        relation,
        _text(item.get("title"), where, "title"),
        _curated("catalogue-source", note),
        creators=tuple(creators),
        **values,
    )


def _archive(item: dict[str, Any], where: str, note: str | None) -> ArchivalReference:
    _check_keys(item, ARCHIVE_FIELDS, where)
    values = {
        k: _scalar(item[k], where, k) for k in sorted(ARCHIVE_FIELDS - {"archive"}) if k in item
    }
    return ArchivalReference(
        _text(item.get("archive"), where, "archive"), _curated("catalogue-archive", note), **values
    )
