"""Rules that read the document's facts off its layout, each leaving its evidence.

Every rule returns candidates with a confidence; ``best`` keeps the strongest
per field. Rule names are stable identifiers: they appear in the graph
(``fond:rule``) and in the curation report, so a curator can see why Fond
believes what it says.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mappings.read.dates import find_dates, parse_date
from mappings.read.layout import Layout, Line
from mappings.read.names import looks_like_name, parse_name, split_name_list
from mappings.records import Agent, ArchivalReference, Evidence, Fact, PublishedSource

TABLES = Path(__file__).resolve().parent.parent / "tables"
NAME = r"(?:[Tt]he\s+)?[A-Z\[][\w.’'\-\[\] ]{1,80}?"
DOC_NUMBER = re.compile(r"^(?:Document\s+)?No\.?\s*(?P<num>\d+[A-Za-z]?)\s*[:.]\s*")
FROM_TO = re.compile(
    rf"\b(?:from|by)\s+(?P<a>{NAME})\s+to\s+(?P<r>{NAME})"
    r"(?=\s+(?:on|about|regarding|concerning|re|in|with)\b|,|\s*$)"
)
X_TO_Y = re.compile(rf"^(?P<a>{NAME})\s+to\s+(?P<r>{NAME})(?:,|$)")
BY_X = re.compile(
    r"^(?:[\w ]+?\s+by|(?:[\w ]+?\s+)?(?:Speech|Address|Remarks|Statement|Diary|Journal) of)"
    rf"\s+(?P<a>{NAME})(?=\s+(?:on|at|to|before|in|about)\b|,|$)"
)
BETWEEN = re.compile(rf"\bbetween\s+(?P<a>{NAME})\s+and\s+(?P<b>{NAME})(?=\s+(?:on|in|at)\b|,|$)")
DIARY_OF = re.compile(rf"\b(?:Diary|Journal) of\s+(?P<a>{NAME})(?=,|\s+\(|$|\s+for\b)")
POSSESSIVE_DIARY = re.compile(
    r"\b(?P<a>[A-Z][\w.’'\- ]{1,40}?)[’']s (?:[Dd]iary|[Jj]ournal|[Nn]otes)\b"
)
HEADNOTE_LETTER = re.compile(
    r"\b[Ii]n this (?P<type>letter|memorandum|memo|note|telegram|cable|report|message)"
    rf" to (?P<r>{NAME})(?:,)?\s+(?:dated|of|written on|sent on)\s+"
    r"(?P<d>[A-Z]?[\w ]{3,20}?\d{1,2},?\s+\d{4}|\d{1,2} [A-Z][a-z]+ \d{4}),\s+"
    rf"(?P<a>{NAME})"
    r"(?=,|\s+(?:wrote|writes|argued|argues|revealed|reveals|explained|explains|told|tells)\b)"
)
HEADNOTE_TYPE = re.compile(
    r"\b(?:[Ii]n this|[Tt]his) (?P<type>letter|memorandum|memo|report|telegram|cable|speech"
    r"|address|diary entry|record of conversation|transcript)\b"
)
TRANSLATED_BY = re.compile(
    r"\b(?:[Tt]ranslated|[Tt]ranslation)(?: from (?:the )?[A-Z][a-z]+)?(?: and annotated)? by\s+"
    r"(?P<name>[A-Z][\w.’'\- ]{2,80}?)"
    r"(?P<rest>\s+(?:for|of)\s+(?:the\s+)?(?P<org>[A-Z][^.\]\n]{2,80})|\s*\((?P<org2>[^)]{2,80})\))?"
    r"(?=[.\]\n,;]|$)"
)
EDITED_BY = re.compile(r"\b(?:[Ee]dited|[Cc]ompiled) by\s+(?P<names>[A-Z][^.\]\n(]{2,120})")
PUBLISHED_IN = re.compile(
    r"\bPublished in\s+(?:(?P<creator>[A-Z][\w.’'\- ]{2,60}?),\s+)?(?P<title>[^.\[]{2,200}?)"
    r"(?:\s*\[(?P<alt>[^\]]{2,200})\])?\s*(?:\((?P<imprint>[^)]*)\))?"
    r"(?:,\s*(?:pp?\.)\s*(?P<pages>[\d\-–]+))?\.(?=\s|\]|$)"
)
BOOK_CITATION = re.compile(
    r"(?P<title>[^\[\]]{3,250}?)\s*\((?P<place>[A-Z][\w .\-]{1,40}):"
    r"\s*(?P<publisher>[^,()]{2,80}),\s*(?P<year>\d{4})\)"
    r"(?:,\s*(?:pp?\.)\s*(?P<pages>[\d\-–, ]+\d))?"
)
FOND = re.compile(
    r"(?:(?P<archive>[A-Z][^.\[\]\n]{2,90}?)[.,]\s*)?(?:Fond|F\.|f\.)\s*(?P<fond>[\w\-]+),?\s*"
    r"(?:Opis|Op\.|op\.)\s*(?P<opis>[\w\-]+),?\s*(?:Delo|D\.|d\.)\s*(?P<delo>[\w\-]+)"
)
BOX = re.compile(
    r"(?:(?P<archive>[A-Z][^.\[\]\n]{2,90}?)[.,]\s*)?(?:[^.\[\]\n]{0,80}?,\s*)?Box\s+(?P<box>[\w\-]+)"
    r"(?:,?\s*Folder\s+(?P<folder>[\w\-]+))?"
)
URL = re.compile(r"https?://[^\s\]\)>\"]+[^\s\]\)>\".,;]")
HOW_TO_CITE = re.compile(
    r"^(?P<creator>[A-Z][\w.’'\- ]{2,60}?),\s*[\"“](?P<title>[^\"”]{3,200}?)\.?[\"”]\s*"
    r"(?P<series>[^#,]{3,120}?),?\s*(?:#|No\.\s*)(?P<num>\d+)\.?$"
)
ACCESSED = re.compile(r"\(accessed (?P<date>[^)]{4,40})\)")
SIGNATURE_SPLIT = re.compile(r",\s*|\s+/\s+|\s{2,}")


@lru_cache(maxsize=1)
def document_types() -> dict[str, dict]:
    return tomllib.loads((TABLES / "document_types.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def organization_words() -> frozenset[str]:
    data = tomllib.loads((TABLES / "layout.toml").read_text(encoding="utf-8"))
    return frozenset(data.get("organization_words", []))


@dataclass
class Reading:
    """What the rules found in one text, before the catalogue record is applied."""

    title: Fact | None = None
    document_type: Fact | None = None
    date: Fact | None = None
    agents: list[Agent] | None = None
    sources: list[PublishedSource] | None = None
    archives: list[ArchivalReference] | None = None
    rights: Fact | None = None
    is_excerpt: Fact | None = None


def _ev(rule: str, confidence: float, text: str, start: int, end: int) -> Evidence:
    return Evidence("extraction", rule, confidence, start, end, text[start:end])


def _kind(name: str) -> str:
    words = set(re.findall(r"[A-Za-z]+", name))
    return "organization" if words & organization_words() else "person"


def _agent(role: str, raw: str, evidence: Evidence) -> Agent | None:
    raw = raw.strip(" ,.;:")
    raw = re.sub(r"^(?:the|The)\s+", "", raw)
    if not raw or len(raw) > 120:
        return None
    kind = _kind(raw)
    if kind == "person":
        parsed = parse_name(raw)
        if not parsed.name or not looks_like_name(parsed.name.replace("’", "'"), max_tokens=6):
            return None
        return Agent(role, parsed.name, raw, "person", evidence, parsed.description)  # type: ignore[arg-type]
    return Agent(role, re.sub(r"\s+", " ", raw), raw, "organization", evidence)  # type: ignore[arg-type]


def _span_of(text: str, line: Line, group_start: int, group_end: int) -> tuple[int, int]:
    return line.start + group_start, line.start + group_end


def _joined(lines: list[Line]) -> tuple[str, list[tuple[int, int]]]:
    """Lines joined by single spaces, with a map back to text offsets."""
    parts, spans = [], []
    position = 0
    for line in lines:
        parts.append(line.core)
        spans.append((position, line.start))
        position += len(line.core) + 1
    return " ".join(parts), spans


def _to_text(offset: int, spans: list[tuple[int, int]]) -> int:
    base = spans[0]
    for joined_at, text_at in spans:
        if joined_at <= offset:
            base = (joined_at, text_at)
    return base[1] + offset - base[0]


def read_title(
    text: str, layout: Layout, reading: Reading, agents: list[Agent], sources: list[PublishedSource]
) -> None:
    if not layout.title_lines:
        return
    joined, spans = _joined(layout.title_lines)
    start = 0
    number = DOC_NUMBER.match(joined)
    if number:
        start = number.end()
        header = [line for line in layout.header_lines if not looks_like_name(line.core)]
        if header:
            line = header[0]
            sources.append(
                PublishedSource(
                    "published_in",
                    line.core,
                    _ev("collection-header", 0.7, text, line.start, line.end),
                    item_number=number.group("num"),
                )
            )
    end = len(joined)
    trailing = [d for d in find_dates(joined) if d[0] >= start and not joined[d[1] :].strip(" .]")]
    if trailing:
        s_date, e_date, value = trailing[-1]
        a, b = _to_text(s_date, spans), _to_text(e_date, spans)
        reading.date = Fact(value, _ev("title-date", 0.95, text, a, b))
        end = s_date
        while end > start and joined[end - 1] in " ,[(":
            end -= 1
        if joined[:end].endswith(" dated"):
            end -= len(" dated")
    title = joined[start:end].strip(" ,.;:")
    if not title:
        return
    strong = bool(number) or any(
        re.search(p, title)
        for spec in document_types().values()
        for p in spec.get("title_cues", [])
    )
    a, b = _to_text(start, spans), _to_text(end, spans)
    reading.title = Fact(
        title,
        _ev("title-line" if strong else "title-line-weak", 0.9 if strong else 0.7, text, a, b),
    )
    for pattern, role_a, role_b in (
        (FROM_TO, "author", "recipient"),
        (X_TO_Y, "author", "recipient"),
    ):
        found = pattern.search(title)
        if found:
            for group, role in (("a", role_a), ("r", role_b)):
                s, e = (
                    _to_text(start + found.start(group), spans),
                    _to_text(start + found.end(group), spans),
                )
                agent = _agent(role, found.group(group), _ev(f"title-{role}", 0.9, text, s, e))
                if agent:
                    agents.append(agent)
            break
    else:
        for pattern, role, rule in (
            (DIARY_OF, "author", "title-diarist"),
            (BY_X, "author", "title-by"),
        ):
            found = pattern.search(title)
            if found:
                s, e = (
                    _to_text(start + found.start("a"), spans),
                    _to_text(start + found.end("a"), spans),
                )
                agent = _agent(role, found.group("a"), _ev(rule, 0.85, text, s, e))
                if agent:
                    agents.append(agent)
                break
    found = BETWEEN.search(title)
    if found:
        for group in ("a", "b"):
            s, e = (
                _to_text(start + found.start(group), spans),
                _to_text(start + found.end(group), spans),
            )
            agent = _agent(
                "participant", found.group(group), _ev("title-between", 0.85, text, s, e)
            )
            if agent:
                agents.append(agent)


def read_type(text: str, layout: Layout, reading: Reading) -> None:
    types = document_types()
    if reading.title is not None:
        for key, spec in types.items():
            if any(re.search(p, reading.title.value) for p in spec.get("title_cues", [])):
                ev = reading.title.evidence
                reading.document_type = Fact(
                    key, Evidence("extraction", f"title-cue:{key}", 0.9, ev.start, ev.end, ev.quote)
                )
                return
    for start, end in layout.spans("headnote"):
        found = HEADNOTE_TYPE.search(text, start, end)
        if found:
            word = found.group("type").lower()
            key = {
                "memo": "memorandum",
                "cable": "telegram",
                "address": "speech",
                "transcript": "record_of_conversation",
            }.get(word, word.replace(" ", "_"))
            if key in types:
                reading.document_type = Fact(
                    key, _ev("headnote-cue", 0.8, text, found.start(), found.end())
                )
                return
    if layout.salutation is not None:
        line = layout.salutation[0]
        reading.document_type = Fact("letter", _ev("salutation", 0.7, text, line.start, line.end))
        return
    speakers = {name for _, name, _, _ in layout.speaker_turns}
    if len(speakers) >= 2:
        line = layout.speaker_turns[0][0]
        reading.document_type = Fact(
            "record_of_conversation", _ev("speaker-turns", 0.6, text, line.start, line.end)
        )
        return
    body = text[layout.body_start : layout.body_start + 400]
    for key, spec in types.items():
        for pattern in spec.get("text_cues", []):
            found = re.search(pattern, body, re.MULTILINE)
            if found:
                s = layout.body_start + found.start()
                reading.document_type = Fact(
                    key, _ev("text-cue", 0.6, text, s, layout.body_start + found.end())
                )
                return
    reading.document_type = Fact("document", Evidence("extraction", "fallback", 0.5))


def _consider_date(reading: Reading, fact: Fact) -> None:
    if reading.date is None or fact.evidence.confidence > reading.date.evidence.confidence:
        reading.date = fact


def read_dates_and_people(text: str, layout: Layout, reading: Reading, agents: list[Agent]) -> None:
    # Field lines ("From:", "To:", "Date:", "Participants:") in the document's own header.
    for _line, role, value, offset in layout.field_lines:
        if role == "date":
            parsed = parse_date(value)
            if parsed:
                _consider_date(
                    reading,
                    Fact(parsed, _ev("field-date", 0.95, text, offset, offset + len(value))),
                )
        elif role in ("author", "recipient", "participant", "note_taker", "translator", "editor"):
            for name in split_name_list(value):
                where = text.find(name, offset)
                agent = _agent(
                    role, name, _ev(f"field-{role}", 0.9, text, where, where + len(name))
                )
                if agent:
                    agents.append(agent)
    # A dateline: the first line(s) of the text or header that hold only a place and a date.
    for line in layout.lines:
        if line.kind not in ("body", "header", "furniture") or line.blank:
            continue
        if line.start >= layout.body_start + 200 and line.kind == "body":
            break
        core = re.sub(r"^[A-Z][a-z]+(?: [A-Z][a-z]+)?,\s+(?=\D)", "", line.core).rstrip(".")
        core = re.sub(r",?\s*\d{3,4}Z$", "", core)
        if len(core) <= 40:
            parsed = parse_date(core)
            if parsed:
                s = line.start + line.core.find(core)
                _consider_date(reading, Fact(parsed, _ev("dateline", 0.85, text, s, s + len(core))))
                break
    # The signature: "Gorbachev, June 26, 1986" or a name line then a date line.
    if layout.signature:
        joined = " / ".join(line.core for line in layout.signature)
        last = layout.signature[-1]
        parts = SIGNATURE_SPLIT.split(last.core, maxsplit=1)
        name_line = layout.signature[-1] if looks_like_name(parts[0]) else layout.signature[0]
        name = SIGNATURE_SPLIT.split(name_line.core, maxsplit=1)[0]
        if looks_like_name(name):
            agent = _agent(
                "author",
                name,
                _ev("signature-name", 0.85, text, name_line.start, name_line.start + len(name)),
            )
            if agent:
                agents.append(agent)
        for s, e, value in find_dates(last.core):
            _consider_date(
                reading,
                Fact(value, _ev("signature-date", 0.9, text, last.start + s, last.start + e)),
            )
        del joined
    # The salutation: the addressee of a letter.
    if layout.salutation is not None:
        _, name, s, e = layout.salutation
        agent = _agent("recipient", name, _ev("salutation", 0.8, text, s, e))
        if agent:
            agents.append(agent)
    # Speaker turns: who speaks in a record of conversation or notes of a meeting.
    seen: set[str] = set()
    for _, name, s, e in layout.speaker_turns:
        if name in seen:
            continue
        seen.add(name)
        for role in ("speaker", "participant"):
            agent = _agent(role, name, _ev("speaker-turn", 0.8, text, s, e))
            if agent:
                agents.append(agent)
    # The headnote: "In this letter to X dated D, Y ...", "Chernyaev's notes".
    for start, end in layout.spans("headnote"):
        found = HEADNOTE_LETTER.search(text, start, end)
        if found:
            for group, role in (("r", "recipient"), ("a", "author")):
                agent = _agent(
                    role,
                    found.group(group),
                    _ev(f"headnote-{role}", 0.75, text, found.start(group), found.end(group)),
                )
                if agent:
                    agents.append(agent)
            parsed = parse_date(found.group("d"))
            if parsed:
                _consider_date(
                    reading,
                    Fact(
                        parsed, _ev("headnote-dated", 0.8, text, found.start("d"), found.end("d"))
                    ),
                )
        for found in POSSESSIVE_DIARY.finditer(text, start, end):
            noun = text[found.end("a") : found.end()].lower()
            role = "note_taker" if "notes" in noun else "author"
            if looks_like_name(found.group("a")):
                agent = _agent(
                    role,
                    found.group("a"),
                    _ev(f"headnote-{role}", 0.7, text, found.start("a"), found.end("a")),
                )
                if agent:
                    agents.append(agent)
    # A citation line: "X to Y, 6 October 1988, ..." (above the text, or in a citation block).
    for line, found in layout.citation_lines:
        for group, role in (("author", "author"), ("recipient", "recipient")):
            agent = _agent(
                role,
                found.group(group),
                _ev(
                    f"citation-{role}",
                    0.8,
                    text,
                    line.start + found.start(group),
                    line.start + found.end(group),
                ),
            )
            if agent:
                agents.append(agent)
        parsed = parse_date(found.group("date"))
        if parsed:
            _consider_date(
                reading,
                Fact(
                    parsed,
                    _ev(
                        "citation-date",
                        0.8,
                        text,
                        line.start + found.start("date"),
                        line.start + found.end("date"),
                    ),
                ),
            )


def _notes(layout: Layout, text: str) -> Iterable[tuple[int, int]]:
    yield from layout.spans("source_note")
    yield from layout.spans("citation")
    yield from layout.spans("footnote")


def read_sources(
    text: str,
    layout: Layout,
    reading: Reading,
    agents: list[Agent],
    sources: list[PublishedSource],
    archives: list[ArchivalReference],
) -> None:
    for line, found in layout.translator_lines:
        name = found.group("name")
        s = line.start + found.start("name")
        agent = _agent("translator", name, _ev("translator-line", 0.9, text, s, s + len(name)))
        if agent:
            agents.append(agent)
    header_names = [line for line in layout.header_lines if looks_like_name(line.core)]
    if header_names and any(not looks_like_name(line.core) for line in layout.header_lines):
        for line in header_names:
            agent = _agent(
                "editor", line.core, _ev("header-name-list", 0.7, text, line.start, line.end)
            )
            if agent:
                agents.append(agent)
    for start, end in _notes(layout, text):
        note = text[start:end]
        translated = False
        for found in TRANSLATED_BY.finditer(note):
            translated = True
            org = found.group("org") or found.group("org2")
            agent = _agent(
                "translator",
                found.group("name"),
                _ev(
                    "source-note-translator",
                    0.9,
                    text,
                    start + found.start("name"),
                    start + found.end("name"),
                ),
            )
            if agent:
                if org:
                    agent = Agent(
                        agent.role,
                        agent.name,
                        agent.as_written,
                        agent.kind,
                        agent.evidence,
                        f"for {org.strip()}",
                    )
                agents.append(agent)
        for found in EDITED_BY.finditer(note):
            for name in split_name_list(found.group("names")):
                where = text.find(name, start + found.start("names"))
                agent = _agent(
                    "editor", name, _ev("edited-by", 0.8, text, where, where + len(name))
                )
                if agent:
                    agents.append(agent)
        relation = "translated_from" if translated else "published_in"
        published = PUBLISHED_IN.search(note)
        if published:
            creators = (
                (parse_name(published.group("creator")).name,) if published.group("creator") else ()
            )
            imprint = published.group("imprint") or ""
            year = re.search(r"\b(1[89]\d\d|20\d\d)\b", imprint)
            sources.append(
                PublishedSource(
                    relation,
                    " ".join(published.group("title").split()),
                    _ev(
                        "source-note-published-in",
                        0.85,
                        text,
                        start + published.start(),
                        start + published.end(),
                    ),
                    creators=creators,
                    alternative_title=" ".join(published.group("alt").split())
                    if published.group("alt")
                    else None,
                    year=year.group(1) if year else None,
                    pages=published.group("pages"),
                )
            )
        else:
            book = BOOK_CITATION.search(note)
            if book:
                title = re.sub(r"^\[?\s*(?:Sources?:\s*)", "", book.group("title")).strip(" ,.")
                title = " ".join(title.split())
                sources.append(
                    PublishedSource(
                        relation,
                        title,
                        _ev(
                            "source-note-book", 0.8, text, start + book.start(), start + book.end()
                        ),
                        publisher=book.group("publisher").strip(),
                        place=book.group("place").strip(),
                        year=book.group("year"),
                        pages=(book.group("pages") or "").strip() or None,
                    )
                )
        for pattern, rule in ((FOND, "archive-fond-opis-delo"), (BOX, "archive-box-folder")):
            for found in pattern.finditer(note):
                archive = (found.group("archive") or "").strip()
                archive = re.sub(r"^\[?\s*Sources?:\s*", "", archive).strip()
                groups = found.groupdict()
                archives.append(
                    ArchivalReference(
                        archive or "unnamed archive",
                        _ev(rule, 0.85, text, start + found.start(), start + found.end()),
                        fond=groups.get("fond"),
                        opis=groups.get("opis"),
                        delo=groups.get("delo"),
                        box=groups.get("box"),
                        folder=groups.get("folder"),
                    )
                )
        url = URL.search(note)
        if url and sources:
            last = sources[-1]
            sources[-1] = PublishedSource(**{**last.__dict__, "url": url.group()})
    # "How to Cite": creator, "item title." Series, #number.
    for start, end in layout.spans("citation"):
        block = " ".join(text[start:end].split())
        block = re.sub(r"^How to Cite(?: this (?:Source|Document))?:?\s*", "", block)
        found = HOW_TO_CITE.match(block)
        if found:
            where = text.find(found.group("series").strip(), start)
            sources.append(
                PublishedSource(
                    "published_in",
                    found.group("series").strip(" ."),
                    _ev("how-to-cite", 0.85, text, start, end),
                    item_number=found.group("num"),
                )
            )
            creator = found.group("creator")
            s = text.find(creator, start)
            agent = _agent(
                "author", creator, _ev("how-to-cite-creator", 0.6, text, s, s + len(creator))
            )
            if agent:
                agents.append(agent)
            del where
    for line, found in layout.citation_lines:
        rest = found.group("rest")
        accessed = ACCESSED.search(rest)
        title = ACCESSED.sub("", rest).strip(" .,")
        accessed_date = parse_date(accessed.group("date")) if accessed else None
        s = line.start + found.start("rest")
        sources.append(
            PublishedSource(
                "cited_from",
                title,
                _ev("citation-line-source", 0.75, text, s, line.start + found.end("rest")),
                accessed=accessed_date.edtf if accessed_date else None,
            )
        )
    for line in layout.rights_lines:
        reading.rights = Fact(line.core, _ev("rights-line", 0.9, text, line.start, line.end))
        year = re.search(r"\b(1[89]\d\d|20\d\d)\b", line.core)
        holder = re.sub(r"^(?:©|Copyright|\(c\))\s*", "", line.core)
        holder = re.sub(r",?\s*(?:1[89]\d\d|20\d\d)\.?$", "", holder).strip(" ,.")
        for i, source in enumerate(sources):
            if source.relation == "published_in" and source.evidence.rule == "collection-header":
                sources[i] = PublishedSource(
                    **{
                        **source.__dict__,
                        "publisher": holder or None,
                        "year": year.group(1) if year else None,
                    }
                )


def read_excerpt(text: str, layout: Layout, reading: Reading) -> None:
    if layout.excerpt_marker is not None:
        line = layout.excerpt_marker
        reading.is_excerpt = Fact(True, _ev("excerpt-marker", 0.9, text, line.start, line.end))
        return
    if reading.title is not None and re.search(r"\bExcerpts?\b", reading.title.value):
        ev = reading.title.evidence
        reading.is_excerpt = Fact(
            True, Evidence("extraction", "excerpt-title", 0.85, ev.start, ev.end, ev.quote)
        )
        return
    body = text[layout.body_start : layout.body_end]
    elisions = re.findall(r"(?:^|\n)\s*(?:\.{3,}|…)|(?:\.{4,}|…)\s*(?:\n|$)", body)
    if len(elisions) >= 2:
        found = re.search(r"\.{3,}|…", body)
        s = layout.body_start + (found.start() if found else 0)
        reading.is_excerpt = Fact(True, _ev("excerpt-ellipses", 0.7, text, s, s + 4))
