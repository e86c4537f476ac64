"""Plain records passed between the stages: corpus -> read -> link -> align -> map.

They are frozen dataclasses of strings, numbers and tuples, so that they print
readably, compare by value, pickle to worker processes and serialise to JSON
lines without any RDF library. Offsets are character offsets into
``TextRecord.text`` (the normalised text of the corpus file).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any, Literal

Origin = Literal["catalogue", "extraction", "work"]
RegionKind = Literal[
    "title",  # the document's title line(s), as printed by the publication
    "headnote",  # editors' introduction before the text
    "body",  # the document's own text
    "editorial",  # an editor's insertion inside the body: [East German leader]
    "footnote",
    "source_note",  # [Source: ...] and similar notes on provenance/translation
    "citation",  # "How to Cite this Source" blocks
    "furniture",  # page furniture: site names, copyright lines, navigation
]
APPARATUS: frozenset[str] = frozenset(
    {"title", "headnote", "editorial", "footnote", "source_note", "citation", "furniture"}
)


@dataclass(frozen=True)
class Evidence:
    """Why Fond believes a statement: who said it, by which rule, on which text span."""

    origin: Origin
    rule: str
    confidence: float
    start: int | None = None
    end: int | None = None
    quote: str | None = None
    text_id: str | None = None  # the text whose span supports it (set for work-level facts)
    note: str | None = None


@dataclass(frozen=True)
class Region:
    kind: RegionKind
    start: int
    end: int


@dataclass(frozen=True)
class DateValue:
    """A date as known: an EDTF string plus the earliest/latest days it can mean."""

    edtf: str
    earliest: dt.date
    latest: dt.date
    as_written: str
    qualifier: Literal["exact", "partial", "approximate", "inferred", "interval"] = "exact"


@dataclass(frozen=True)
class Fact:
    """A single-valued field with its evidence."""

    value: Any
    evidence: Evidence


@dataclass(frozen=True)
class Agent:
    """A person or body in a role towards the document, with the name as written."""

    role: Literal[
        "author", "recipient", "participant", "speaker", "note_taker", "translator", "editor"
    ]
    name: str  # normalised name ("Erich Honecker")
    as_written: str  # as printed ("E[rich] Honecker")
    kind: Literal["person", "organization"]
    evidence: Evidence
    description: str | None = None  # editorial description ("East German leader")


@dataclass(frozen=True)
class PublishedSource:
    """A publication in which the text appears or from which it was taken."""

    relation: Literal["published_in", "translated_from", "cited_from"]
    title: str
    evidence: Evidence
    creators: tuple[str, ...] = ()
    alternative_title: str | None = None
    series: str | None = None
    item_number: str | None = None
    publisher: str | None = None
    place: str | None = None
    year: str | None = None
    pages: str | None = None
    url: str | None = None
    accessed: str | None = None


@dataclass(frozen=True)
class ArchivalReference:
    archive: str
    evidence: Evidence
    fond: str | None = None
    opis: str | None = None
    delo: str | None = None
    box: str | None = None
    folder: str | None = None
    papka: str | None = None  # Russian archives: fond / opis / papka / delo


@dataclass(frozen=True)
class TextRecord:
    """What the read stage knows about one corpus file (one published version of a document)."""

    text_id: str
    source_file: str  # path relative to the corpus folder, with forward slashes
    sha256: str
    text: str
    regions: tuple[Region, ...]
    title: Fact | None = None
    document_type: Fact | None = None  # value: key into mappings/tables/document_types.csv
    date: Fact | None = None  # value: DateValue
    language: Fact | None = None  # value: BCP 47 tag
    agents: tuple[Agent, ...] = ()
    sources: tuple[PublishedSource, ...] = ()
    archival_references: tuple[ArchivalReference, ...] = ()
    rights: Fact | None = None
    is_excerpt: Fact | None = None
    work_id: str | None = None  # a curator may pin the underlying document
    warnings: tuple[str, ...] = ()
    catalogue_file: str | None = None


@dataclass(frozen=True)
class Mention:
    """A span of text that names an entity, and what it was resolved to."""

    start: int
    end: int
    quote: str
    region: RegionKind
    resolution: Resolution


@dataclass(frozen=True)
class WorkLink:
    """Texts that are versions of one underlying document."""

    work_id: str
    text_ids: tuple[str, ...]
    overlap: tuple[tuple[str, str, float], ...] = ()  # (text a, text b, containment of a in b)


@dataclass(frozen=True)
class Resolution:
    """What a name was resolved to: a gazetteer entry, or a local entity minted for it."""

    entity_id: str
    kind: str
    label: str
    status: Literal["aligned", "unaligned", "ambiguous"]
    method: str
    confidence: float
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgentLink:
    agent: Agent
    resolution: Resolution


@dataclass(frozen=True)
class AlignedText:
    """A text with its names resolved, and the document-level facts of its work."""

    record: TextRecord
    mentions: tuple[Mention, ...]
    agents: tuple[AgentLink, ...]
    work: WorkFacts
    work_agents: tuple[AgentLink, ...] = ()
    is_primary: bool = True  # the text that carries its work's description in the dumps


@dataclass(frozen=True)
class WorkFacts:
    """Facts about the underlying document, merged over its versions (curator first)."""

    work_id: str
    text_ids: tuple[str, ...]
    title: Fact | None = None
    document_type: Fact | None = None
    date: Fact | None = None
    language: Fact | None = None
    agents: tuple[Agent, ...] = ()
    archival_references: tuple[ArchivalReference, ...] = ()
    overlap: tuple[tuple[str, str, float], ...] = field(default=())


def to_plain(value: Any) -> Any:
    """Record -> JSON-ready structure (dates as ISO strings), for reports and spill files."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


__all__ = [
    "APPARATUS",
    "Agent",
    "AgentLink",
    "AlignedText",
    "ArchivalReference",
    "DateValue",
    "Evidence",
    "Fact",
    "Mention",
    "PublishedSource",
    "Region",
    "Resolution",
    "TextRecord",
    "WorkFacts",
    "WorkLink",
    "asdict",
    "to_plain",
]
