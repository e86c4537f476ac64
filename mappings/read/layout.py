"""Find the parts of a page: furniture, title, headnote, the document's own text, notes.

The result is a ``Layout``: non-overlapping regions in text order, plus the
spans that later rules read (title lines, signature, salutation, speaker turns,
header lines, field lines such as "From: ..."). The patterns are data in
``mappings/tables/layout.toml``; this module only applies them in order:

1. tail: a citation block ("How to Cite this Source" to the end), bracketed
   source notes, bullet footnotes, rights lines;
2. head: furniture, a header (collection title and editors' names) above a
   strong title ("Document No. 7: Notes of ...", "Memorandum from ..."), a title;
3. between title and text: translator lines, an editors' headnote (paragraphs
   with headnote cues, or everything before the first speaker turn, salutation
   or explicit text marker), a citation line ("X to Y, 6 October 1988, ...");
4. the document's own text, with editorial insertions in square brackets marked.
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from mappings.read.names import looks_like_name
from mappings.records import Region

TABLES = Path(__file__).resolve().parent.parent / "tables"
PARAGRAPH_NUMBER = re.compile(r"^(\d{1,3})(?=[A-Z\[“\"‘'(]|\u2026)")
FOOTNOTE_LINE = re.compile(r"^(?:[•·▪◦*]\s*\d{1,3}|\[\d{1,3}\]|\d{1,3}\s*\))\s+\S")
SOURCE_NOTE_START = re.compile(
    r"^\[(?:Sources?|Translated|Translation|Published|Original|Archive|Document|From)\b"
)
SPEAKER = re.compile(r"^(?P<name>[A-ZÀ-Ž][\w.’'\- ]{0,40}?)\s*:\s+(?=\S)")
CITATION_LINE = re.compile(
    r"^(?P<author>[A-Z][\w.’'\- ]{2,60}?) to (?P<recipient>[A-Z][\w.’'\- ]{2,60}?),\s+"
    r"(?P<date>(?:\d{1,2} [A-Z][a-z]+|[A-Z][a-z]+\.? \d{1,2},?) \d{4}),\s*(?P<rest>.+)$"
)
STRONG_TITLE = re.compile(r"^(?:Document\s+No\.?\s*\d+\s*[:.]|No\.\s*\d+\s*[:.])")
SALUTATION = re.compile(
    r"^(?:(?:Dear|Esteemed|Respected|Deeply respected)\s+(?P<a>[^,!:]{2,60})[,!:]?"
    r"|(?P<b>(?:Comrade\s+)?[A-Z][\w.’'\-]+(?:\s+[A-Z][\w.’'\-]+){0,2})!)\s*$"
)
FIELD_LINE = re.compile(r"^(?P<label>[A-Z][A-Za-z\- ]{1,24}?)\s*:\s*(?P<value>.*)$")
EDITORIAL = re.compile(r"\[[^\[\]\n]{1,300}(?:\n[^\[\]\n]{0,300}){0,2}\]")


@dataclass(frozen=True)
class LayoutRules:
    furniture: tuple[re.Pattern[str], ...]
    body_start: tuple[re.Pattern[str], ...]
    body_start_excerpt: tuple[re.Pattern[str], ...]
    headnote_start: tuple[re.Pattern[str], ...]
    headnote_cues: tuple[re.Pattern[str], ...]
    citation_start: tuple[re.Pattern[str], ...]
    rights: tuple[re.Pattern[str], ...]
    translator_line: tuple[re.Pattern[str], ...]
    closings: tuple[re.Pattern[str], ...]
    title_cues: tuple[re.Pattern[str], ...]
    field_roles: dict[str, str]


@lru_cache(maxsize=1)
def layout_rules() -> LayoutRules:
    data = tomllib.loads((TABLES / "layout.toml").read_text(encoding="utf-8"))
    types = tomllib.loads((TABLES / "document_types.toml").read_text(encoding="utf-8"))

    def compiled(key: str) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in data.get(key, []))

    with (TABLES / "field_labels.csv").open(encoding="utf-8", newline="") as f:
        roles = {row["label"].lower(): row["role"] for row in csv.DictReader(f)}
    return LayoutRules(
        furniture=compiled("furniture"),
        body_start=compiled("body_start"),
        body_start_excerpt=compiled("body_start_excerpt"),
        headnote_start=compiled("headnote_start"),
        headnote_cues=compiled("headnote_cues"),
        citation_start=compiled("citation_start"),
        rights=compiled("rights"),
        translator_line=compiled("translator_line"),
        closings=compiled("closings"),
        title_cues=tuple(
            re.compile(p) for spec in types.values() for p in spec.get("title_cues", [])
        ),
        field_roles=roles,
    )


@dataclass
class Line:
    start: int  # offset of the first character of `core`
    end: int  # offset after the last character of `core`
    core: str  # the line without surrounding spaces and without a glued paragraph number
    number_span: tuple[int, int] | None = None  # a glued paragraph number ("3Gorbachev")
    kind: str = ""  # classification

    @property
    def blank(self) -> bool:
        return not self.core


@dataclass
class Layout:
    regions: tuple[Region, ...]
    lines: list[Line]
    title_lines: list[Line] = field(default_factory=list)
    header_lines: list[Line] = field(default_factory=list)
    translator_lines: list[tuple[Line, re.Match[str]]] = field(default_factory=list)
    citation_lines: list[tuple[Line, re.Match[str]]] = field(default_factory=list)
    field_lines: list[tuple[Line, str, str, int]] = field(default_factory=list)
    speaker_turns: list[tuple[Line, str, int, int]] = field(default_factory=list)
    salutation: tuple[Line, str, int, int] | None = None
    signature: list[Line] = field(default_factory=list)
    rights_lines: list[Line] = field(default_factory=list)
    excerpt_marker: Line | None = None
    body_start: int = 0
    body_end: int = 0

    def region_at(self, offset: int) -> str:
        for region in self.regions:
            if region.start <= offset < region.end:
                return region.kind
        return "furniture"

    def spans(self, kind: str) -> list[tuple[int, int]]:
        return [(r.start, r.end) for r in self.regions if r.kind == kind]


def split_lines(text: str) -> list[Line]:
    lines = []
    offset = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        start = offset + (len(raw) - len(raw.lstrip()))
        line = Line(start=start, end=start + len(stripped), core=stripped)
        number = PARAGRAPH_NUMBER.match(stripped)
        if number:
            line.number_span = (start, start + number.end())
            line.core = stripped[number.end() :]
            line.start = start + number.end()
        lines.append(line)
        offset += len(raw) + 1
    return lines


def _any(patterns: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    for pattern in patterns:
        found = pattern.search(text)
        if found:
            return found
    return None


def _is_speaker(core: str, rules: LayoutRules) -> re.Match[str] | None:
    found = SPEAKER.match(core)
    if not found:
        return None
    name = found.group("name").strip()
    if name.lower() in rules.field_roles:
        return None
    if not looks_like_name(name, max_tokens=4):
        return None
    return found


def _paragraphs(lines: list[Line], first: int, last: int) -> list[tuple[int, int]]:
    """Index ranges [i, j) of consecutive non-blank lines between first and last."""
    out = []
    i = first
    while i < last:
        while i < last and lines[i].blank:
            i += 1
        j = i
        while j < last and not lines[j].blank:
            j += 1
        if i < j:
            out.append((i, j))
        i = j
    return out


def _close_bracket(lines: list[Line], i: int, limit: int) -> int:
    """Index of the line that closes a source note opened on line i (at most 8 lines on)."""
    depth = 0
    for j in range(i, min(limit, i + 8)):
        depth += lines[j].core.count("[") - lines[j].core.count("]")
        if depth <= 0:
            return j
    return i


def segment(text: str) -> Layout:
    rules = layout_rules()
    lines = split_lines(text)
    n = len(lines)
    layout = Layout(regions=(), lines=lines)

    # 1. Tail and notes anywhere: citation blocks, source notes, footnotes, rights, furniture.
    tail_start = n
    i = 0
    while i < n:
        line = lines[i]
        core = line.core
        if line.blank:
            i += 1
            continue
        if _any(rules.citation_start, core):
            for j in range(i, n):
                lines[j].kind = lines[j].kind or "citation"
            tail_start = min(tail_start, i)
            break
        if SOURCE_NOTE_START.match(core):
            j = _close_bracket(lines, i, n)
            for k in range(i, j + 1):
                lines[k].kind = "source_note"
            i = j + 1
            continue
        if FOOTNOTE_LINE.match(core):
            line.kind = "footnote"
        elif _any(rules.rights, core):
            line.kind = "rights"
            layout.rights_lines.append(line)
        elif _any(rules.furniture, core):
            line.kind = "furniture"
        elif _any(rules.body_start_excerpt, core):
            line.kind = "body_marker"
            layout.excerpt_marker = line
        elif _any(rules.body_start, core):
            line.kind = "body_marker"
        elif _any(rules.headnote_start, core):
            line.kind = "headnote_marker"
        else:
            found = _any(rules.translator_line, core)
            if found:
                line.kind = "translator"
                layout.translator_lines.append((line, found))
        i += 1

    content = [k for k in range(n) if not lines[k].blank and not lines[k].kind]
    # 2. Head: a strong title within the first lines, with a header above it.
    title_index = None
    head_window = [k for k in content if k < tail_start][:15]
    first_break = next(
        (
            k
            for k in range(n)
            if lines[k].kind in ("body_marker",)
            or (
                not lines[k].kind
                and not lines[k].blank
                and (_is_speaker(lines[k].core, rules) or SALUTATION.match(lines[k].core))
            )
        ),
        n,
    )
    for k in head_window:
        if k >= first_break:
            break
        core = lines[k].core
        if STRONG_TITLE.match(core) or (
            len(core) < 200 and _any(rules.title_cues, core) and not core.endswith(".")
        ):
            title_index = k
            break
    if title_index is not None:
        for k in content:
            if k < title_index:
                lines[k].kind = "header"
                layout.header_lines.append(lines[k])
    else:
        # A weak title: a short first line without final punctuation, before any text marker.
        candidates = [k for k in content if k < min(first_break, tail_start)]
        if candidates:
            k = candidates[0]
            core = lines[k].core
            words = re.findall(r"[A-Za-z]{4,}", core)
            capitalised = sum(w[0].isupper() for w in words)
            if (
                len(core) <= 150
                and not re.search(r"[.!?:;,]$", core)
                and words
                and capitalised / len(words) >= 0.5
                and not _is_speaker(core, rules)
                and not FIELD_LINE.match(core)
            ):
                title_index = k
    if title_index is not None:
        lines[title_index].kind = "title"
        layout.title_lines.append(lines[title_index])
        # Wrapped title: continue while the next line goes on in lower case or the title
        # has not reached its date yet.
        k = title_index + 1
        while k < n and len(layout.title_lines) < 4:
            while k < n and lines[k].blank:
                k += 1
            if k >= n or lines[k].kind:
                break
            core = lines[k].core
            if core[:1].islower() or (
                core[:1].isupper()
                and len(core) < 90
                and re.search(r"\d{4}$", core)
                and not re.search(r"\d{4}$", layout.title_lines[-1].core)
                and not re.search(r"[.!?]$", layout.title_lines[-1].core)
            ):
                lines[k].kind = "title"
                layout.title_lines.append(lines[k])
                k += 1
            else:
                break

    # 3. Between the title (or the top) and the text: headnote, citation lines, field lines.
    after_title = (
        max(lines.index(line) for line in layout.title_lines) + 1 if layout.title_lines else 0
    )
    marker = next((k for k in range(after_title, n) if lines[k].kind == "body_marker"), None)
    pending = [
        k for k in range(after_title, tail_start) if not lines[k].blank and not lines[k].kind
    ]
    body_first = None
    if marker is not None:
        body_first = next((k for k in pending if k > marker), None)
        for i, j in _paragraphs(lines, after_title, marker):
            block = [k for k in range(i, j) if not lines[k].kind]
            joined = " ".join(lines[k].core for k in block)
            cited = CITATION_LINE.match(joined) if block else None
            for k in block:
                lines[k].kind = "citation" if cited else "headnote"
            if cited:
                layout.citation_lines.append((lines[block[0]], cited))
    else:
        turn = next(
            (
                k
                for k in pending
                if _is_speaker(lines[k].core, rules)
                or SALUTATION.match(lines[k].core)
                or FIELD_LINE.match(lines[k].core)
                and lines[k].core.split(":")[0].strip().lower() in rules.field_roles
            ),
            None,
        )
        headnote_mode = any(lines[k].kind == "headnote_marker" for k in range(after_title, n))
        for i, j in _paragraphs(lines, after_title, tail_start):
            block = [k for k in range(i, j) if not lines[k].kind]
            if not block:
                continue
            if turn is not None and block[0] >= turn:
                body_first = block[0]
                break
            joined = " ".join(lines[k].core for k in block)
            cited = CITATION_LINE.match(joined)
            if cited and layout.title_lines:
                for k in block:
                    lines[k].kind = "citation"
                layout.citation_lines.append((lines[block[0]], cited))
                continue
            if (
                headnote_mode
                or _any(rules.headnote_cues, joined)
                or (turn is not None and layout.title_lines)
            ):
                for k in block:
                    lines[k].kind = "headnote"
                continue
            body_first = block[0]
            break
    # 4. The document's own text: from its first line to the start of the tail.
    if body_first is None:
        body_first = next(
            (k for k in range(after_title, tail_start) if not lines[k].blank and not lines[k].kind),
            tail_start,
        )
    body_lines = [
        k for k in range(body_first, tail_start) if not lines[k].blank and not lines[k].kind
    ]
    for k in body_lines:
        lines[k].kind = "body"
    if body_lines:
        layout.body_start = lines[body_lines[0]].start
        layout.body_end = lines[body_lines[-1]].end
    for k in range(n):
        line = lines[k]
        if line.kind != "body":
            continue
        turn = _is_speaker(line.core, rules)
        if turn:
            name = turn.group("name").strip()
            layout.speaker_turns.append(
                (line, name, line.start, line.start + len(turn.group("name").rstrip()))
            )
        field_match = FIELD_LINE.match(line.core)
        if field_match and field_match.group("label").strip().lower() in rules.field_roles:
            role = rules.field_roles[field_match.group("label").strip().lower()]
            layout.field_lines.append(
                (line, role, field_match.group("value"), line.start + field_match.start("value"))
            )
    if body_lines:
        first = lines[body_lines[0]]
        salutation = SALUTATION.match(first.core)
        if salutation:
            group = "a" if salutation.group("a") else "b"
            layout.salutation = (
                first,
                salutation.group(group).strip(),
                first.start + salutation.start(group),
                first.start + salutation.end(group),
            )
        layout.signature = _signature([lines[k] for k in body_lines], rules)
    # Anything left unclassified before the text is header/furniture; after it, body.
    for k in range(n):
        if not lines[k].blank and not lines[k].kind:
            lines[k].kind = "furniture" if k < body_first else "body"
    layout.regions = tuple(_regions(text, lines))
    return layout


def _signature(body: list[Line], rules: LayoutRules) -> list[Line]:
    """The closing lines that sign the document: a name, or a name and a date."""
    if len(body) < 2:
        return []
    last = body[-1].core
    signed = []
    name_part = re.split(r",\s*|\s+/\s+|\s{2,}", last, maxsplit=1)[0].strip()
    if looks_like_name(name_part) and len(last) < 120:
        signed.append(body[-1])
        if len(body) > 2 and _any(rules.closings, body[-2].core):
            signed.insert(0, body[-2])
    elif (
        re.fullmatch(r"[\w .,\-/\[\]]{4,40}", last)
        and re.search(r"\d{4}\]?$", last)
        and looks_like_name(body[-2].core)
    ):
        signed = [body[-2], body[-1]]  # a name line, then a date line
    return signed


KIND_TO_REGION = {
    "title": "title",
    "header": "furniture",
    "furniture": "furniture",
    "rights": "furniture",
    "body_marker": "furniture",
    "headnote_marker": "furniture",
    "translator": "source_note",
    "headnote": "headnote",
    "citation": "citation",
    "source_note": "source_note",
    "footnote": "footnote",
    "body": "body",
}


def _regions(text: str, lines: list[Line]) -> list[Region]:
    """Regions cover every non-blank line; editorial brackets inside the text are their own."""
    raw: list[Region] = []
    for line in lines:
        if line.number_span:
            raw.append(Region("furniture", *line.number_span))
        if line.blank:
            continue
        kind = KIND_TO_REGION.get(line.kind, "body")
        if raw and raw[-1].kind == kind and not text[raw[-1].end : line.start].strip():
            raw[-1] = Region(kind, raw[-1].start, line.end)
        else:
            raw.append(Region(kind, line.start, line.end))
    out: list[Region] = []
    for region in raw:
        if region.kind != "body":
            out.append(region)
            continue
        cursor = region.start
        for match in EDITORIAL.finditer(text, region.start, region.end):
            if match.start() > cursor:
                out.append(Region("body", cursor, match.start()))
            out.append(Region("editorial", match.start(), match.end()))
            cursor = match.end()
        if cursor < region.end:
            out.append(Region("body", cursor, region.end))
    return out
