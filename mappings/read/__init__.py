"""Read stage: one corpus file (and its optional catalogue record) -> a TextRecord.

This stage knows nothing of RDF: it turns text into plain records that say
what the document is, with the evidence for each field.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from mappings.errors import DocumentError, InputError
from mappings.read.catalogue import read_catalogue
from mappings.read.fields import (
    Reading,
    merge_patronymics,
    read_closing,
    read_excerpt,
    read_heading,
    read_headnote,
    read_sources,
    read_title,
    read_type,
)
from mappings.read.language import detect_language
from mappings.read.layout import segment
from mappings.read.names import same_person
from mappings.read.text import check_id_segments, decode_text, display_name, read_corpus_bytes
from mappings.records import Agent, ArchivalReference, Evidence, Fact, PublishedSource, TextRecord

SEGMENT = re.compile(r"[^A-Za-z0-9._\-]+")


def text_id_for(relative: Path) -> str:
    """Corpus path -> text id: 'letters/Brief an Honecker.txt' -> 'letters/Brief-an-Honecker'."""
    parts = []
    for part in relative.with_suffix("").parts:
        folded = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode("ascii")
        slug = re.sub(r"\.{2,}", ".", SEGMENT.sub("-", folded).strip("-."))
        if not slug:
            raise DocumentError(
                str(relative),
                f"cannot make an identifier from the name {part!r}",
                "rename the file with Latin letters or digits, or set id in its catalogue record",
            )
        parts.append(slug)
    return "/".join(parts)


def merge_agents(agents: list[Agent]) -> tuple[Agent, ...]:
    """One agent per role and person: the fullest name, the strongest evidence."""
    merged: list[Agent] = []
    for agent in agents:
        for i, other in enumerate(merged):
            if other.role != agent.role or other.kind != agent.kind:
                continue
            if other.name == agent.name or (
                agent.kind == "person" and same_person(other.name, agent.name)
            ):
                fuller = agent if len(agent.name) > len(other.name) else other
                stronger = agent if agent.evidence.confidence > other.evidence.confidence else other
                merged[i] = replace(
                    stronger,
                    name=fuller.name,
                    as_written=stronger.as_written,
                    description=other.description or agent.description,
                )
                break
        else:
            merged.append(agent)
    return tuple(merged)


def read_text(path: Path, corpus: Path) -> TextRecord:
    """Read one corpus file; raises DocumentError (naming the file) if it cannot be read."""
    relative = path.relative_to(corpus)
    shown = display_name(relative)
    data = read_corpus_bytes(path, corpus, shown)  # checks the size before reading
    text, warnings = decode_text(data, shown)
    catalogue = path.with_suffix(".toml")
    curated, catalogue_shown = None, catalogue.relative_to(corpus).as_posix()
    if catalogue.exists():
        curated = _read_catalogue(catalogue, corpus, catalogue_shown)
    layout = segment(text)
    reading = Reading()
    agents: list[Agent] = []
    sources: list[PublishedSource] = []
    archives: list[ArchivalReference] = []
    read_title(text, layout, reading, agents, sources)
    read_type(text, layout, reading)
    read_heading(text, layout, reading, agents)
    read_headnote(text, layout, reading, agents)
    doc_type = reading.document_type.value if reading.document_type else None
    read_closing(text, layout, reading, agents, doc_type)
    read_sources(text, layout, reading, agents, sources, archives)
    read_excerpt(text, layout, reading)
    agents = merge_patronymics(agents)
    body = " ".join(text[r.start : r.end] for r in layout.regions if r.kind == "body")
    detected = detect_language(body or text)
    language = (
        Fact(detected[0], Evidence("extraction", "stopwords", detected[1])) if detected else None
    )
    text_id = curated["id"] if curated and "id" in curated else text_id_for(relative)
    record = TextRecord(
        text_id=check_id_segments(text_id, shown),
        source_file=shown,
        sha256=hashlib.sha256(data).hexdigest(),
        text=text,
        regions=layout.regions,
        title=reading.title,
        document_type=reading.document_type,
        date=reading.date,
        language=language,
        agents=merge_agents(agents),
        sources=tuple(sources),
        archival_references=tuple(archives),
        rights=reading.rights,
        is_excerpt=reading.is_excerpt,
        warnings=tuple(warnings),
    )
    if curated is not None:
        record = apply_catalogue(record, curated, catalogue_shown)
    return record


def _read_catalogue(path: Path, corpus: Path, shown: str) -> dict:
    if not path.resolve().is_relative_to(corpus.resolve()):
        raise DocumentError(
            shown,
            "the catalogue record is a link to a file outside the corpus",
            "copy the file into the corpus instead of linking to it",
        )
    try:
        return read_catalogue(path, shown)
    except InputError as error:
        message = str(error)
        problem = message[len(shown) :].lstrip(": ") if message.startswith(shown) else message
        raise DocumentError(shown, problem) from None


def apply_catalogue(record: TextRecord, curated: dict, catalogue_file: str) -> TextRecord:
    """A curator's record replaces the extracted value of every field it names."""
    changes: dict = {"catalogue_file": catalogue_file}
    for key in (
        "title",
        "document_type",
        "date",
        "language",
        "rights",
        "is_excerpt",
        "sources",
        "archival_references",
    ):
        if key in curated:
            value = curated[key]
            changes[key] = tuple(value) if isinstance(value, list) else value
    if "id" in curated:
        changes["text_id"] = curated["id"]
    if "work" in curated:
        changes["work_id"] = curated["work"]
    if "agents" in curated:
        roles = curated["agent_roles"]
        kept = [a for a in record.agents if a.role not in roles]
        changes["agents"] = tuple(curated["agents"]) + tuple(kept)
    if "suppress" in curated:
        changes["warnings"] = record.warnings + tuple(f"suppress:{s}" for s in curated["suppress"])
    return replace(record, **changes)
