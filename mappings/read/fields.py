"""Rules that read the document's facts off its layout, each leaving its evidence.

Every rule returns candidates with a confidence; the strongest per field wins
(``merge_agents`` and ``best`` in the callers). Rule names are stable
identifiers: they appear in the graph (``fond:rule``) and in the curation
report, so a curator can see why Fond believes what it says.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from mappings.read.dates import find_dates, parse_date
from mappings.read.layout import (
    ADDRESS,
    BARE_ADDRESS,
    BREADCRUMB,
    ITEM_NUMBER,
    NOTE_TAKER_LINE,
    Layout,
    Line,
    heading_case,
    is_dateline,
    signature_name,
)
from mappings.read.names import looks_like_name, parse_name, split_name_list
from mappings.records import Agent, ArchivalReference, Evidence, Fact, PublishedSource

TABLES = Path(__file__).resolve().parent.parent / "tables"
NAME = r"(?:[Tt]he\s+)?[A-ZÀ-Ž\[][\w.’'\-\[\] ]{1,80}?"
DOC_NUMBER = re.compile(r"^(?:Document\s+)?No\.?\s*(?P<num>\d+[A-Za-z]?)\s*[:.]\s*")
FROM_TO = re.compile(
    rf"\b(?i:from|by)\s+(?P<a>{NAME})\s+(?i:to)\s+(?P<r>{NAME})"
    r"(?=\s+(?:on|about|regarding|concerning|re|in|with)\b|,|\s*$)"
)
FROM_ON = re.compile(
    r"\b(?:Memorandum|Report|Information|Letter|Note|Telegram|Message|Paper|Cable|Appeal|Assessment)"
    rf"\s+(?:from|of|by)\s+(?P<a>{NAME})(?=\s+(?:on|about|regarding|concerning|to)\b|,|\s*$)"
)
PREPARED_IN = re.compile(rf"\b(?:[Pp]repared|[Dd]rafted|[Ww]ritten)\s+(?:in|by)\s+(?P<a>{NAME})$")
X_TO_Y = re.compile(rf"^(?P<a>{NAME})\s+to\s+(?P<r>{NAME})(?:,|$)")
BY_X = re.compile(
    r"^(?:[\w ]+?\s+by|(?:[\w ]+?\s+)?(?:Speech|Address|Remarks|Statement|Diary|Journal) of)"
    rf"\s+(?P<a>{NAME})(?=\s+(?:on|at|to|before|in|about)\b|,|$)"
)
BETWEEN = re.compile(rf"\bbetween\s+(?P<a>{NAME})\s+and\s+(?P<b>{NAME})(?=\s+(?:on|in|at)\b|,|$)")
DIARY_OF = re.compile(rf"\b(?:Diary|Journal) of\s+(?P<a>{NAME})(?=,|\s+\(|$|\s+for\b)")
POSSESSIVE_NOTES = re.compile(
    r"\b(?P<a>[A-Z][\w.’'\- ]{1,40}?)[’']s (?:[Dd]iary|[Jj]ournal|(?:working )?[Nn]otes)\b"
)
HEADNOTE_LETTER = re.compile(
    r"\b[Ii]n (?:this|his|her) (?P<type>letter|memorandum|memo|note|telegram|cable|report|message)"
    r" to (?P<r>[^,.;]{3,80}?),?\s+(?:dated|of|written on|sent on)\s+"
    r"(?P<d>[^,;]{3,30}?\d{4}),\s+(?P<a>[^.;]{3,160}?)"
    r"(?=\s+(?:wrote|writes|argued|argues|revealed|reveals|explained|explains|told|tells|describes"
    r"|described|reports|reported|informs|informed|warns|warned|advises|advised|asks|asked)\b)"
)
HEADNOTE_SENT_BY = re.compile(
    r"\b(?:was|is) (?:sent|written|addressed)\s+by\s+(?P<a>[^,;.]{3,60}?)(?:,[^;.]{0,120}?)?,?"
    r"\s+to\s+(?P<r>[^,;.]{3,80}?)"
    r"(?:\s+(?:in|on)\s+(?P<d>[A-Z][a-z]+(?: \d{1,2},)? \d{4}|\d{1,2} [A-Z][a-z]+ \d{4}))?"
    r"(?=[,;.]|\s+(?:and|in|on|after|before|when)\b)"
)
HEADNOTE_TYPE = re.compile(
    r"\b(?:[Ii]n this|[Tt]his|[Tt]he following)"
    r" (?P<type>letter|memorandum|memo|report|telegram|cable"
    r"|speech|address|diary entry|record of conversation|transcript|note)\b"
)
TRANSLATED_BY = re.compile(
    r"(?:\b(?:[Tt]ranslated|[Tt]ranslation)(?: from (?:the )?[A-Z][a-z]+)?(?: and annotated)?"
    r"(?: into [A-Z][a-z]+)? by|\b[Tt]ranslators?:|[Ee]nglish translation by)\s+"
    r"(?P<name>[A-ZÀ-Ž][\w.’'\- ]{2,80}?)"
    r"(?:\s+(?:for|of)\s+(?:the\s+)?(?P<org>[A-Z][^.\]\n]{2,80})|\s*\((?P<org2>[^)]{2,80})\))?"
    r"(?=[.\]\n,;]|\s+from\b|\s+after\b|$)"
)
EDITED_BY = re.compile(r"\b(?:[Ee]dited|[Cc]ompiled) by\s+(?P<names>[A-Z][^.\]\n(]{2,120})")
PUBLISHED_IN = re.compile(
    r"\bPublished in\s+(?:(?P<creator>[A-Z][\w.’'\- ]{2,60}?),\s+)?(?P<title>[^.\[]{2,200}?)"
    r"(?:\s*\[(?P<alt>[^\]]{2,200})\])?\s*(?:\((?P<imprint>[^)]*)\))?"
    r"(?:,\s*(?:pp?\.)\s*(?P<pages>[\d\-–]+))?\.(?=\s|\]|$)"
)
TRANSLATED_FROM = re.compile(
    r"\bTranslated from\s+(?P<title>[A-Z][^,.\[\]]{1,80}?),\s+(?P<date>[^,]{4,30}?\d{4})"
    r"(?:,\s*(?:pp?\.)\s*(?P<pages>[\d\-–]+))?(?=[.,\]])"
)
BOOK_CITATION = re.compile(
    r"(?P<title>[^\[\]]{3,250}?)\s*\((?P<place>[A-Z][\w .\-]{1,40}):"
    r"\s*(?P<publisher>[^,()]{2,80}),\s*(?P<year>\d{4})\)"
    r"(?:,\s*(?:pp?\.)\s*(?P<pages>[\d\-–, ]+\d))?"
)
ARCHIVE_UNIT = (
    r"(?:(?P<archive>[A-Z][^.\[\]\n;]{2,120}?)[.,]\s*)?"
    r"\b(?i:fond|f\.)\s*(?P<fond>[\w\-/]+),?\s*"
    r"(?:(?i:opis|op\.)\s*(?P<opis>[\w\-]+),?\s*(?:(?i:papka|p\.)\s*(?P<papka>[\w\-]+),?\s*)?)?"
    r"(?:(?i:delo|d\.|a\.\s?e\.|dosja|dossier)\s*(?P<delo>[\w\-]+))?"
)
FOND = re.compile(ARCHIVE_UNIT)
BOX = re.compile(
    r"(?:(?P<archive>[A-Z][^.\[\]\n;]{2,120}?)[.,]\s*)?(?:[^.\[\]\n]{0,80}?,\s*)?Box\s+(?P<box>[\w\-]+)"
    r"(?:,?\s*Folder\s+(?P<folder>\"[^\"]+\"|“[^”]+”|[\w\-/]+))?"
)
ARCHIVE_ONLY = re.compile(
    r"^\s*(?:\[?\s*Sources?:\s*|\d{1,3}\s+Source:\s*)(?P<archive>[A-Z][^.;\]]{5,120}?)"
    r"(?:,\s*[A-Z]{1,3}\d[\w\-–]*)?[.;]"
)
URL = re.compile(r"https?://[^\s\]\)>\"]+[^\s\]\)>\".,;]")
HOW_TO_CITE = re.compile(
    r"^(?P<creator>[A-Z][\w.’'\- ]{2,60}?),\s*[\"“](?P<title>[^\"”]{3,200}?)\.?[\"”]\s*"
    r"(?P<series>[^#,]{3,120}?),?\s*(?:#|No\.\s*)(?P<num>\d+)(?:,?\s+(?P<url>https?://\S+?))?\.?$"
)
ACCESSED = re.compile(r"\(accessed (?P<date>[^)]{4,40})\)")
PATRONYMIC = re.compile(
    r"^(?P<first>[A-ZÀ-Ž][\w’']+) [A-ZÀ-Ž][\w’']+"
    r"(?:ovich|evich|yevich|ich|ovna|evna|ichna|owitsch|ewitsch|jewitsch)$"
)


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
    rights: Fact | None = None
    is_excerpt: Fact | None = None


class Squeezed:
    """A span of text with runs of white space collapsed, and a map back to text offsets.

    Notes and headnotes are wrapped at arbitrary places; the rules read them as one
    line and report offsets in the original text.
    """

    def __init__(self, text: str, start: int, end: int) -> None:
        chars, offsets = [], []
        previous_space = False
        for i in range(start, end):
            ch = text[i]
            if ch.isspace():
                if previous_space:
                    continue
                ch, previous_space = " ", True
            else:
                previous_space = False
            chars.append(ch)
            offsets.append(i)
        self.value = "".join(chars)
        self.offsets = offsets
        self.end = end

    def at(self, i: int) -> int:
        return self.offsets[i] if i < len(self.offsets) else self.end


def _ev(rule: str, confidence: float, text: str, start: int, end: int) -> Evidence:
    return Evidence("extraction", rule, confidence, start, end, text[start:end])


def looks_like_organization(name: str) -> bool:
    """'the Embassy in the Soviet Union', 'International Department of the CC CPSU'."""
    words = re.findall(r"[^\W\d_][\w’'\-]*", name)
    if not words or not set(words) & organization_words():
        return False
    small = {"of", "the", "for", "and", "in", "on", "at", "de", "du", "des", "der", "für", "und"}
    return all(w[0].isupper() or w.lower() in small for w in words)


def _agent(role: str, raw: str, evidence: Evidence, description: str | None = None) -> Agent | None:
    raw = re.sub(r"\s+", " ", raw).strip(" ,.;:")
    raw = re.sub(r"^(?:the|The)\s+", "", raw)
    if not raw or len(raw) > 120:
        return None
    if (
        looks_like_organization(raw)
        or raw.isupper()
        and len(raw.split()) <= 3
        and not looks_like_name(raw)
    ):
        return Agent(role, heading_case(raw), raw, "organization", evidence, description)  # type: ignore[arg-type]
    parsed = parse_name(raw)
    if not parsed.name or not looks_like_name(parsed.name.replace("’", "'"), max_tokens=6):
        return None
    return Agent(role, parsed.name, raw, "person", evidence, description or parsed.description)  # type: ignore[arg-type]


def _person_in(chunk: str) -> tuple[str, int] | None:
    """The name in 'the Soviet ambassador in Budapest, Boris Stukalin' and its offset."""
    parts = [p for p in re.split(r",\s*", chunk)]
    position = 0
    found = None
    for part in parts:
        at = chunk.find(part, position)
        position = at + len(part)
        candidate = parse_name(part).name
        if looks_like_name(candidate) and len(candidate.split()) >= 2:
            found = (part, at)
    if found is None and looks_like_name(parse_name(chunk).name):
        return chunk, 0
    return found


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
    number = DOC_NUMBER.match(joined) or ITEM_NUMBER.match(joined)
    above = layout.lines[: layout.lines.index(layout.title_lines[0])]
    lone = next(
        (line for line in reversed(above) if re.fullmatch(r"(?:Document\s+)?\d{1,4}", line.core)),
        None,
    )
    if number is None and lone is not None:
        number = re.search(r"(?P<num>\d{1,4})$", lone.core)
        start = 0
    if number:
        start = number.end() if number.string == joined else 0
        header = [
            line
            for line in layout.header_lines
            if not looks_like_name(line.core)
            and not re.match(r"^(?:Edited|Compiled) by$", line.core)
        ]
        crumbs = [
            line
            for line in layout.lines
            if line.kind == "furniture" and BREADCRUMB.search(line.core)
        ]
        if not header and crumbs:
            line = crumbs[0]
            segments = [p.strip() for p in re.split(r"\s[›»>]\s", line.core)]
            segment = next((p for p in reversed(segments) if len(p.split()) >= 3), "")
            if segment:
                at = line.start + line.core.rfind(segment)
                sources.append(
                    PublishedSource(
                        "published_in",
                        segment,
                        _ev("breadcrumb-collection", 0.65, text, at, at + len(segment)),
                        item_number=number.group("num"),
                    )
                )
        if header:
            # The collection's title: the longest header line that is not a site or
            # publisher name, a number or an editors' line.
            titled = [
                h
                for h in header
                if not re.search(r"\b(?:Books|Press|Publishers|Archive|ARCHIVE)$", h.core)
                and not re.fullmatch(r"[\d\s]+", h.core)
                and not EDITED_BY.search(h.core)
                and not re.search(r"\bNo\.\s*\d+$", h.core)
            ] or header
            line = max(titled, key=lambda h: len(h.core))
            sources.append(
                PublishedSource(
                    "published_in",
                    line.core,
                    _ev("collection-header", 0.7, text, line.start, line.end),
                    item_number=number.group("num"),
                )
            )
    end = len(joined)
    trailing = [d for d in find_dates(joined) if d[0] >= start and not joined[d[1] :].strip(" .])")]
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
    glued = re.search(r"(?<=[^\W\d_])\d{1,2}$", title)  # a footnote marker: "...State1"
    if glued:
        title = title[: glued.start()]
        end = start + len(title)
    if not title:
        return
    cased = heading_case(title)
    strong = bool(number) or any(
        re.search(p, cased)
        for spec in document_types().values()
        for p in spec.get("title_cues", [])
    )
    a, b = _to_text(start, spans), _to_text(start + len(title), spans)
    reading.title = Fact(
        title,
        _ev("title-line" if strong else "title-line-weak", 0.9 if strong else 0.7, text, a, b),
    )
    same_length = len(cased) == len(title)

    def span(found: re.Match[str], group: str) -> tuple[int, int]:
        if not same_length:
            return a, b
        return _to_text(start + found.start(group), spans), _to_text(
            start + found.end(group), spans
        )

    def take(found: re.Match[str], group: str, role: str, rule: str, confidence: float) -> None:
        s, e = span(found, group)
        agent = _agent(role, found.group(group), _ev(rule, confidence, text, s, e))
        if agent:
            agents.append(agent)

    found = FROM_TO.search(cased) or X_TO_Y.search(cased)
    if found:
        take(found, "a", "author", "title-author", 0.9)
        take(found, "r", "recipient", "title-recipient", 0.9)
    else:
        for pattern, rule in (
            (DIARY_OF, "title-diarist"),
            (BY_X, "title-by"),
            (PREPARED_IN, "title-prepared-in"),
        ):
            found = pattern.search(cased)
            if found:
                take(found, "a", "author", rule, 0.85)
                break
        else:
            found = FROM_ON.search(cased)
            if found and looks_like_organization(found.group("a")):
                take(found, "a", "author", "title-from-body", 0.8)
    if not any(a.role == "author" for a in agents):
        for line in layout.header_lines:
            if looks_like_organization(heading_case(line.core)) and line.core.isupper():
                agent = _agent(
                    "author", line.core, _ev("letterhead", 0.6, text, line.start, line.end)
                )
                if agent:
                    agents.append(agent)
                break
    found = BETWEEN.search(cased)
    if found:
        take(found, "a", "participant", "title-between", 0.85)
        take(found, "b", "participant", "title-between", 0.85)


def read_type(text: str, layout: Layout, reading: Reading) -> None:
    types = document_types()
    if reading.title is not None:
        cased = heading_case(reading.title.value)
        for key, spec in types.items():
            if any(re.search(p, cased) for p in spec.get("title_cues", [])):
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
                "note": "memorandum",
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
    if (
        layout.signature
        and signature_name(layout.signature[-1].core or "")
        or (len(layout.signature) == 2 and signature_name(layout.signature[0].core))
    ):
        line = layout.signature[0]
        reading.document_type = Fact(
            "memorandum", _ev("signed-note", 0.5, text, line.start, line.end)
        )
        return
    reading.document_type = Fact("document", Evidence("extraction", "fallback", 0.5))


def _consider_date(reading: Reading, fact: Fact) -> None:
    if reading.date is None or fact.evidence.confidence > reading.date.evidence.confidence:
        reading.date = fact


def _participants(value: str) -> list[str]:
    """'on the Soviet side - E. A. Shevardnadze, A. N. Yakovlev; on the Polish side - J. Czyrek'."""
    value = re.sub(r"\b(?:on|from) the [\w\- ]+? side\s*[-–—:]\s*", "", value)
    value = re.sub(r"(?:^|(?<=;))\s*[A-Z][\w ]{1,12}:\s+", " ", value)  # "State:  Secretary Vance"
    value = re.sub(r"\s*\((?:[^)]*)\)", "", value)
    return [n for n in split_name_list(value) if n]


def read_heading(text: str, layout: Layout, reading: Reading, agents: list[Agent]) -> None:
    """The document's own heading: field lines, datelines, address blocks, note-taker lines."""
    for _line, role, value, offset in layout.field_lines:
        if role == "date":
            parsed = parse_date(value)
            if parsed:
                _consider_date(
                    reading,
                    Fact(parsed, _ev("field-date", 0.95, text, offset, offset + len(value))),
                )
        elif role in ("author", "recipient", "participant", "note_taker", "translator", "editor"):
            names = _participants(value) if role == "participant" else split_name_list(value)
            for name in names:
                where = text.find(name, offset)
                agent = _agent(
                    role, name, _ev(f"field-{role}", 0.9, text, where, where + len(name))
                )
                if agent:
                    agents.append(agent)
    _cable(text, layout, reading, agents)
    lines = layout.heading_lines
    for i, line in enumerate(lines):
        core = line.core
        date_span = is_dateline(core)
        if date_span:
            parsed = parse_date(
                re.sub(r",?\s*\d{3,4}Z\.?$", "", core[date_span[0] : date_span[1]]).rstrip(".")
            )
            if parsed:
                s, e = line.start + date_span[0], line.start + date_span[1]
                _consider_date(reading, Fact(parsed, _ev("dateline", 0.85, text, s, e)))
            continue
        taker = NOTE_TAKER_LINE.match(core)
        if taker:
            s = line.start + taker.start("name")
            agent = _agent(
                "note_taker",
                taker.group("name"),
                _ev("note-taker-line", 0.85, text, s, s + len(taker.group("name"))),
            )
            if agent:
                agents.append(agent)
            continue
        if BARE_ADDRESS.match(core) and (i == 0 or line.kind == "heading"):
            agent = _agent("recipient", core, _ev("address-bare", 0.6, text, line.start, line.end))
            if agent:
                agent = replace(agent, kind="organization", name=core)
                agents.append(agent)
            continue
        address = ADDRESS.match(core)
        if address:
            block = [line]
            for following in layout.lines[layout.lines.index(line) + 1 :]:
                if (
                    following.blank
                    or following.kind not in ("heading", "body", "furniture")
                    or len(block) >= 6
                ):
                    break
                if is_dateline(following.core):
                    break
                block.append(following)
            _address(text, block, address.group("rest"), agents)
    _ = lines


@lru_cache(maxsize=1)
def cable_abbreviations() -> dict[str, str]:
    data = tomllib.loads((TABLES / "layout.toml").read_text(encoding="utf-8"))
    return dict(data.get("cable_abbreviations", {}))


def _expand_cable_address(raw: str) -> str:
    """'SECSTATE WASHDC IMMEDIATE 6512' -> 'Secretary of State'."""
    words = [
        w for w in raw.split() if not re.fullmatch(r"\d+|IMMEDIATE|PRIORITY|ROUTINE|FLASH|NIACT", w)
    ]
    table = cable_abbreviations()
    joined = " ".join(words)
    if joined in table:
        return table[joined]
    return " ".join(table.get(w, w.capitalize()) for w in words)


def _cable(text: str, layout: Layout, reading: Reading, agents: list[Agent]) -> None:
    """A telegram's routing: 'FM AMEMBASSY NEW DELHI', 'TO SECSTATE WASHDC', 'O 061320Z DEC 71'."""
    found_from = found_to = None
    for line in layout.lines[:80]:
        if line.blank:
            continue
        if found_from is None and (m := re.match(r"^FM\s+(.+)$", line.core)):
            found_from = (line, m)
        elif (
            found_to is None
            and found_from is not None
            and (m := re.match(r"^TO\s+(.+)$", line.core))
        ):
            found_to = (line, m)
        elif (value := parse_date(line.core)) is not None and re.search(r"\d{6}Z", line.core):
            _consider_date(
                reading, Fact(value, _ev("cable-date-time-group", 0.95, text, line.start, line.end))
            )
    if found_from is None or found_to is None:
        return
    for (line, match), role in ((found_from, "author"), (found_to, "recipient")):
        name = _expand_cable_address(match.group(1))
        s = line.start + match.start(1)
        agents.append(
            Agent(
                role,
                name,
                match.group(1),
                "organization",
                _ev(f"cable-{role}", 0.85, text, s, line.end),
            )
        )  # type: ignore[arg-type]
    if reading.title is None:
        for _line, role, value, offset in layout.field_lines:
            if role == "subject" and value.strip():
                reading.title = Fact(
                    value.strip(),
                    _ev("cable-subject", 0.85, text, offset, offset + len(value.strip())),
                )
                break
    reading.document_type = Fact(
        "telegram", _ev("cable-routing", 0.85, text, found_from[0].start, found_to[0].end)
    )


def _address(text: str, block: list[Line], first: str, agents: list[Agent]) -> None:
    """An address block: the person named in it, else the body it is addressed to."""
    for line in reversed(block):
        core = line.core.rstrip(",")
        name = parse_name(core).name
        if looks_like_name(name) and not looks_like_organization(core) and len(name.split()) >= 2:
            agent = _agent(
                "recipient", core, _ev("address-block", 0.85, text, line.start, line.end)
            )
            if agent and agent.kind == "person":
                agents.append(agent)
                return
    line = block[0]
    body = first.rstrip(",")
    at = line.end - len(line.core) + line.core.find(body)
    agent = _agent("recipient", body, _ev("address-line", 0.75, text, at, at + len(body)))
    if agent:
        agents.append(agent)


def read_closing(
    text: str, layout: Layout, reading: Reading, agents: list[Agent], doc_type: str | None
) -> None:
    """Signature (name, date), salutation, speakers."""
    if layout.signature:
        last = layout.signature[-1]
        name_line = last if signature_name(last.core) else layout.signature[0]
        name = signature_name(name_line.core)
        if name:
            at = name_line.start + name_line.core.rfind(name)
            agent = _agent("author", name, _ev("signature-name", 0.85, text, at, at + len(name)))
            if agent:
                agents.append(agent)
        for s, e, value in find_dates(last.core):
            _consider_date(
                reading,
                Fact(value, _ev("signature-date", 0.9, text, last.start + s, last.start + e)),
            )
    elif layout.body_end:
        last = next(
            (line for line in reversed(layout.lines) if line.kind == "body" and not line.blank),
            None,
        )
        if last is not None and looks_like_organization(last.core) and not last.core.endswith("."):
            agent = _agent(
                "author", last.core, _ev("signature-organization", 0.75, text, last.start, last.end)
            )
            if agent:
                agents.append(agent)
    if layout.salutation is not None and doc_type in (None, "letter", "document", "memorandum"):
        _, name, s, e = layout.salutation
        name = re.sub(
            r"^(?:Dear|Esteemed|Respected|Deeply respected|Lieber|Liebe|Cher|Chère)\s+", "", name
        )
        agent = _agent("recipient", name, _ev("salutation", 0.8, text, s, e))
        if agent:
            agents.append(agent)
    seen: set[str] = set()
    for _, name, s, e in layout.speaker_turns:
        if name in seen:
            continue
        seen.add(name)
        for role in ("speaker", "participant"):
            agent = _agent(role, name, _ev("speaker-turn", 0.8, text, s, e))
            if agent:
                agents.append(agent)
    if doc_type == "speech":
        for agent in list(agents):
            if agent.role == "author" and agent.kind == "person":
                agents.append(replace(agent, role="speaker"))


def read_headnote(text: str, layout: Layout, reading: Reading, agents: list[Agent]) -> None:
    """What the editors' headnote and citation lines say about the document."""
    for start, end in layout.spans("headnote"):
        note = Squeezed(text, start, end)
        for pattern, rule in (
            (HEADNOTE_LETTER, "headnote"),
            (HEADNOTE_SENT_BY, "headnote-sent-by"),
        ):
            found = pattern.search(note.value)
            if not found:
                continue
            for group, role in (("r", "recipient"), ("a", "author")):
                chunk = found.group(group)
                person = _person_in(chunk)
                if person is None:
                    continue
                name, offset = person
                s = note.at(found.start(group) + offset)
                e = note.at(found.start(group) + offset + len(name) - 1) + 1
                agent = _agent(role, name, _ev(f"{rule}-{role}", 0.75, text, s, e))
                if agent:
                    agents.append(agent)
            if found.groupdict().get("d"):
                parsed = parse_date(found.group("d"))
                if parsed:
                    s, e = note.at(found.start("d")), note.at(found.end("d") - 1) + 1
                    _consider_date(reading, Fact(parsed, _ev(f"{rule}-dated", 0.8, text, s, e)))
            break
        for found in POSSESSIVE_NOTES.finditer(note.value):
            noun = note.value[found.end("a") : found.end()].lower()
            role = "note_taker" if "notes" in noun else "author"
            if looks_like_name(found.group("a")):
                s, e = note.at(found.start("a")), note.at(found.end("a") - 1) + 1
                agent = _agent(role, found.group("a"), _ev(f"headnote-{role}", 0.7, text, s, e))
                if agent:
                    agents.append(agent)
    for line, found in layout.citation_lines:
        for group in ("author", "recipient"):
            s, e = line.start + found.start(group), line.start + found.end(group)
            agent = _agent(group, found.group(group), _ev(f"citation-{group}", 0.8, text, s, e))
            if agent:
                agents.append(agent)
        parsed = parse_date(found.group("date"))
        if parsed:
            s, e = line.start + found.start("date"), line.start + found.end("date")
            _consider_date(reading, Fact(parsed, _ev("citation-date", 0.8, text, s, e)))


def _notes(layout: Layout) -> Iterable[tuple[int, int]]:
    yield from layout.spans("source_note")
    yield from layout.spans("citation")
    yield from layout.spans("footnote")


def _translator(text: str, note: Squeezed, found: re.Match[str], rule: str) -> Agent | None:
    name = found.group("name")
    words = name.split()
    while words and not looks_like_name(" ".join(words)):
        words.pop()  # "Martin Doyle from the Russian text" -> "Martin Doyle"
    if not words:
        return None
    name = " ".join(words)
    s = note.at(found.start("name"))
    e = note.at(found.start("name") + len(name) - 1) + 1
    org = found.groupdict().get("org") or found.groupdict().get("org2")
    description = f"for {org.strip()}" if org and looks_like_organization(org.strip()) else None
    return _agent("translator", name, _ev(rule, 0.9, text, s, e), description)


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
    for line in layout.header_lines:
        found = EDITED_BY.search(line.core)
        if found:
            for name in split_name_list(found.group("names")):
                where = text.find(name, line.start)
                agent = _agent(
                    "editor", name, _ev("edited-by", 0.8, text, where, where + len(name))
                )
                if agent:
                    agents.append(agent)
    header_names = [
        line
        for line in layout.header_lines
        if looks_like_name(line.core) and len(line.core.split()) > 1
    ]
    if header_names and any(not looks_like_name(line.core) for line in layout.header_lines):
        for line in header_names:
            agent = _agent(
                "editor", line.core, _ev("header-name-list", 0.7, text, line.start, line.end)
            )
            if agent:
                agents.append(agent)
    unbracketed = [
        (line.start, line.end)
        for line in layout.lines
        if line.kind == "body" and re.match(r"^(?:Translated|Translation) by\b", line.core)
    ]
    for start, end in [*_notes(layout), *unbracketed]:
        note = Squeezed(text, start, end)
        value = note.value
        translated = False
        for found in TRANSLATED_BY.finditer(value):
            agent = _translator(text, note, found, "source-note-translator")
            if agent:
                translated = True
                agents.append(agent)
        for found in EDITED_BY.finditer(value):
            for name in split_name_list(found.group("names")):
                where = text.find(name, note.at(found.start("names")))
                agent = _agent(
                    "editor", name, _ev("edited-by", 0.8, text, where, where + len(name))
                )
                if agent:
                    agents.append(agent)
        relation = "translated_from" if translated else "published_in"
        _note_sources(text, note, relation, sources)
        _note_archives(text, note, archives)
        url = URL.search(value)
        if url and sources and not sources[-1].url:
            last = sources[-1]
            sources[-1] = replace(last, url=url.group())
    _citation_blocks(text, layout, agents, sources)
    for line in layout.rights_lines:
        reading.rights = Fact(line.core, _ev("rights-line", 0.9, text, line.start, line.end))
        year = re.search(r"\b(1[89]\d\d|20\d\d)\b", line.core)
        holder = re.sub(r"^(?:©|Copyright|\(c\))\s*", "", line.core)
        holder = re.sub(r",?\s*(?:1[89]\d\d|20\d\d)\.?$", "", holder).strip(" ,.")
        for i, source in enumerate(sources):
            if source.relation == "published_in" and source.evidence.rule == "collection-header":
                sources[i] = replace(
                    source, publisher=holder or None, year=year.group(1) if year else None
                )


def _note_sources(text: str, note: Squeezed, relation: str, sources: list[PublishedSource]) -> None:
    value = note.value
    if re.match(r"^\[?\s*(?:\d{1,3}\s+)?(?:Translated|Translation) from\b", value):
        relation = "translated_from"
    published = PUBLISHED_IN.search(value)
    if published:
        creators = (
            (parse_name(published.group("creator")).name,) if published.group("creator") else ()
        )
        year = re.search(r"\b(1[89]\d\d|20\d\d)\b", published.group("imprint") or "")
        s, e = note.at(published.start()), note.at(published.end() - 1) + 1
        sources.append(
            PublishedSource(
                relation,
                published.group("title").strip(),
                _ev("source-note-published-in", 0.85, text, s, e),
                creators=creators,
                alternative_title=published.group("alt").strip()
                if published.group("alt")
                else None,
                year=year.group(1) if year else None,
                pages=published.group("pages"),
            )
        )
        return
    found = TRANSLATED_FROM.search(value)
    if found:
        s, e = note.at(found.start()), note.at(found.end() - 1) + 1
        parsed = parse_date(found.group("date"))
        sources.append(
            PublishedSource(
                "translated_from",
                found.group("title").strip(),
                _ev("source-note-translated-from", 0.8, text, s, e),
                year=str(parsed.earliest.year) if parsed else None,
                pages=found.group("pages"),
            )
        )
        return
    book = BOOK_CITATION.search(value)
    if book:
        title = re.sub(
            r"^\[?\s*(?:\d{1,3}\s+)?"
            r"(?:Sources?:|(?:Translated|Translation) from:?|Published in:?)\s*",
            "",
            book.group("title"),
        ).strip(" ,.")
        creators: tuple[str, ...] = ()
        author = re.match(r"^(?P<name>[^,]{3,60}),\s+(?P<rest>.+)$", title)
        if author and looks_like_name(parse_name(author.group("name")).name):
            creators = (parse_name(author.group("name")).name,)
            title = author.group("rest")
        s, e = note.at(book.start()), note.at(book.end() - 1) + 1
        sources.append(
            PublishedSource(
                relation,
                title,
                _ev("source-note-book", 0.8, text, s, e),
                creators=creators,
                publisher=book.group("publisher").strip(),
                place=book.group("place").strip(),
                year=book.group("year"),
                pages=(book.group("pages") or "").strip() or None,
            )
        )


def _archive_name(raw: str | None) -> str:
    archive = re.sub(r"^\[?\s*(?:\d{1,3}\s+)?Sources?:\s*", "", raw or "").strip()
    archive = re.sub(r"^(?:Translated by [^.]+\.\s*|.*\bheld in (?:the )?)", "", archive)
    archive = re.sub(r"^(?:the|The)\s+", "", archive)
    archive = re.sub(r"\s*\([^)]*\)$", "", archive)  # "(GARF)", "(AVP RF)"
    return archive.strip(" ,.")


def _note_archives(text: str, note: Squeezed, archives: list[ArchivalReference]) -> None:
    value = note.value
    found_any = False
    for pattern, rule in ((FOND, "archive-fond-opis-delo"), (BOX, "archive-box-folder")):
        for found in pattern.finditer(value):
            groups = found.groupdict()
            if pattern is FOND and not (groups.get("opis") or groups.get("delo")):
                continue  # "f. 3" alone is a folio, not a fond
            found_any = True
            s, e = note.at(found.start()), note.at(found.end() - 1) + 1
            archive = _archive_name(groups.get("archive"))
            if not archive:
                # "1 Source: Kennedy Library, National Security Files, Box 209": the first part.
                lead = re.sub(r"^\[?\s*(?:\d{1,3}\s+)?(?:Sources?:|Source note:)?\s*", "", value)
                box_at = lead.find("Box ")
                archive = lead.split(",")[0].strip(" .") if "," in lead[: max(0, box_at)] else ""
            folder = (groups.get("folder") or "").strip('"“”.') or None
            archives.append(
                ArchivalReference(
                    archive or "unnamed archive",
                    _ev(rule, 0.85, text, s, e),
                    fond=groups.get("fond"),
                    opis=groups.get("opis"),
                    delo=groups.get("delo"),
                    box=groups.get("box"),
                    folder=folder,
                    papka=groups.get("papka"),
                )
            )
    if not found_any:
        found = ARCHIVE_ONLY.match(value)
        if found and re.search(
            r"\b(?:Archive|Archives|Library|File|Files|Records|Bundesarchiv|Fond)\b",
            found.group("archive"),
        ):
            s, e = note.at(found.start("archive")), note.at(found.end("archive") - 1) + 1
            archives.append(
                ArchivalReference(
                    _archive_name(found.group("archive")), _ev("archive-name", 0.7, text, s, e)
                )
            )


def _citation_blocks(
    text: str, layout: Layout, agents: list[Agent], sources: list[PublishedSource]
) -> None:
    for start, end in layout.spans("citation"):
        note = Squeezed(text, start, end)
        block = re.sub(r"^How to Cite(?: this (?:Source|Document))?:?\s*", "", note.value)
        skipped = len(note.value) - len(block)
        found = HOW_TO_CITE.match(block)
        if not found:
            continue
        sources.append(
            PublishedSource(
                "published_in",
                found.group("series").strip(" ."),
                _ev("how-to-cite", 0.85, text, start, end),
                item_number=found.group("num"),
                url=found.group("url"),
            )
        )
        s = note.at(skipped + found.start("creator"))
        e = note.at(skipped + found.end("creator") - 1) + 1
        agent = _agent(
            "author", found.group("creator"), _ev("how-to-cite-creator", 0.6, text, s, e)
        )
        if agent:
            agents.append(agent)
    for line, found in layout.citation_lines:
        rest = found.group("rest")
        accessed = ACCESSED.search(rest)
        title = ACCESSED.sub("", rest).strip(" .,")
        title = _drop_repeated_acronym(title)
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


def _drop_repeated_acronym(title: str) -> str:
    """'Cold War International History Project, Documents, CWIHP' -> without ', CWIHP'."""
    found = re.search(r",\s*([A-Z]{3,8})$", title)
    if not found:
        return title
    initials = "".join(w[0] for w in re.findall(r"\b[A-Z][a-z]+", title[: found.start()]))
    return title[: found.start()] if found.group(1) in initials else title


def read_excerpt(text: str, layout: Layout, reading: Reading) -> None:
    if layout.excerpt_marker is not None:
        line = layout.excerpt_marker
        reading.is_excerpt = Fact(True, _ev("excerpt-marker", 0.9, text, line.start, line.end))
        return
    if reading.title is not None and re.search(
        r"\bExcerpts?\b", reading.title.value, re.IGNORECASE
    ):
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


def merge_patronymics(agents: list[Agent]) -> list[Agent]:
    """'Eduard Amvrosievich' (a salutation) is 'Eduard Shevardnadze' if the same role names him."""
    out = []
    for agent in agents:
        match = PATRONYMIC.match(agent.name)
        if match and agent.kind == "person":
            fuller = [
                a
                for a in agents
                if a is not agent
                and a.role == agent.role
                and a.kind == "person"
                and a.name.split()[0] == match.group("first")
                and not PATRONYMIC.match(a.name)
            ]
            if fuller:
                continue
        out.append(agent)
    return out
