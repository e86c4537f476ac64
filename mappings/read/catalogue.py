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
from pathlib import Path
from typing import Any

from mappings.errors import InputError
from mappings.read.dates import parse_date
from mappings.read.fields import document_types
from mappings.read.language import language_table
from mappings.read.names import parse_name
from mappings.records import Agent, ArchivalReference, Evidence, Fact, PublishedSource

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
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,120}$")


def _curated(rule: str, note: str | None = None) -> Evidence:
    return Evidence("catalogue", rule, 1.0, note=note)


def _check_keys(found: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(found) - allowed)
    if unknown:
        raise InputError(
            f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _text(value: Any, where: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: {field} must be a non-empty string, got {value!r}")
    return value.strip()


def read_catalogue(path: Path) -> dict[str, Any]:
    """Parse and check a catalogue record; returns the fields as Fond records."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{where}: not UTF-8; save the catalogue record as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{where}: not valid TOML: {error}") from None
    _check_keys(data, ALLOWED, where)
    note = None
    if "curator" in data:
        if not isinstance(data["curator"], dict):
            raise InputError(f"{where}: [curator] must be a table with name and note")
        _check_keys(data["curator"], {"name", "note", "date"}, f"{where} [curator]")
        note = "; ".join(str(v) for v in data["curator"].values())
    out: dict[str, Any] = {}
    for key in ("id", "work"):
        if key in data:
            value = _text(data[key], where, key)
            if not ID.match(value):
                raise InputError(
                    f"{where}: {key} {value!r} may use only letters, digits, '.', '_', '-'"
                )
            out[key] = value
    if "title" in data:
        out["title"] = Fact(_text(data["title"], where, "title"), _curated("catalogue-title", note))
    if "type" in data:
        value = _text(data["type"], where, "type")
        if value not in document_types():
            raise InputError(
                f"{where}: type {value!r} is not in document_types.toml"
                f" ({', '.join(document_types())})"
            )
        out["document_type"] = Fact(value, _curated("catalogue-type", note))
    if "date" in data:
        raw = data["date"]
        parsed = (
            parse_date(str(raw))
            if isinstance(raw, str)
            else parse_date(getattr(raw, "isoformat", lambda: "")())
        )
        if parsed is None:
            raise InputError(
                f"{where}: date {raw!r} is not a date Fond can read"
                " (e.g. 1986-06-26, 'October 1988', 'late December 1988')"
            )
        out["date"] = Fact(parsed, _curated("catalogue-date", note))
    if "language" in data:
        value = _text(data["language"], where, "language")
        if value not in language_table():
            raise InputError(
                f"{where}: language {value!r} is not in languages.csv"
                f" ({', '.join(language_table())})"
            )
        out["language"] = Fact(value, _curated("catalogue-language", note))
    if "excerpt" in data:
        if not isinstance(data["excerpt"], bool):
            raise InputError(f"{where}: excerpt must be true or false")
        out["is_excerpt"] = Fact(data["excerpt"], _curated("catalogue-excerpt", note))
    if "rights" in data:
        out["rights"] = Fact(
            _text(data["rights"], where, "rights"), _curated("catalogue-rights", note)
        )
    agents: list[Agent] = []
    for field, role in ROLE_FIELDS.items():
        if field not in data:
            continue
        values = data[field]
        if not isinstance(values, list) or not all(
            isinstance(v, str) and v.strip() for v in values
        ):
            raise InputError(
                f'{where}: {field} must be a list of names, e.g. {field} = ["Anatoly Chernyaev"]'
            )
        for value in values:
            parsed = parse_name(value)
            kind = "organization" if _looks_organization(value) else "person"
            agents.append(
                Agent(
                    role,
                    parsed.name if kind == "person" else value.strip(),
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
            raise InputError(f"{where}: suppress must be a list of entity ids or names")
        out["suppress"] = tuple(values)
    return out


def _looks_organization(name: str) -> bool:
    from mappings.read.fields import organization_words

    return bool(set(re.findall(r"[A-Za-z]+", name)) & organization_words())


def _tables(value: Any, where: str, field: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError(f"{where}: {field} must be an array of tables ([[{field}]])")
    return value


def _source(item: dict[str, Any], where: str, note: str | None) -> PublishedSource:
    _check_keys(item, SOURCE_FIELDS, where)
    relation = item.get("relation", "published_in")
    if relation not in ("published_in", "translated_from", "cited_from"):
        raise InputError(
            f"{where}: relation {relation!r} must be published_in, translated_from or cited_from"
        )
    creators = item.get("creators", [])
    if not isinstance(creators, list) or not all(isinstance(c, str) for c in creators):
        raise InputError(f"{where}: creators must be a list of names")
    values = {
        k: str(item[k]).strip()
        for k in SOURCE_FIELDS - {"relation", "title", "creators"}
        if k in item
    }
    return PublishedSource(
        relation,
        _text(item.get("title"), where, "title"),
        _curated("catalogue-source", note),
        creators=tuple(creators),
        **values,
    )


def _archive(item: dict[str, Any], where: str, note: str | None) -> ArchivalReference:
    _check_keys(item, ARCHIVE_FIELDS, where)
    values = {k: str(item[k]).strip() for k in ARCHIVE_FIELDS - {"archive"} if k in item}
    return ArchivalReference(
        _text(item.get("archive"), where, "archive"), _curated("catalogue-archive", note), **values
    )
