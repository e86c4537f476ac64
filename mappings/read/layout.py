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

from mappings.read.dates import parse_date
from mappings.read.names import looks_like_name, parse_name
from mappings.records import Region

TABLES = Path(__file__).resolve().parent.parent / "tables"
PARAGRAPH_NUMBER = re.compile(r"^(\d{1,3})(?=[A-Z\[“\"‘'(]|\u2026)")
FOOTNOTE_LINE = re.compile(r"^(?:[•·▪◦*]\s*\d{1,3}|\[\d{1,3}\]|[¹²³⁴⁵⁶⁷⁸⁹]+)\s+\S")
FOOTNOTE_SOURCE = re.compile(r"^\d{1,3}\s+(?:Source|Sources|See|Not printed|Printed|Drafted)\b")
BREADCRUMB = re.compile(r"\s[›»>]\s.*\s[›»>]\s|^[‹«]\s|\s[›»]$")
SOURCE_NOTE_START = re.compile(
    r"^\[(?:Sources?|Translated|Translation|Published|Original|Archive|Document|From)\b"
)
SPEAKER = re.compile(r"^(?P<name>[A-ZÀ-Ž][\w.’'\- ]{0,40}?)\s*:\s+(?=\S)")
CITATION_LINE = re.compile(
    r"^(?P<author>[A-Z][\w.’'\- ]{2,60}?) to (?P<recipient>[A-Z][\w.’'\- ]{2,60}?),\s+"
    r"(?P<date>(?:\d{1,2} )?[A-Z][a-z]+\.?(?: \d{1,2},?)? \d{4}),\s*(?P<rest>.+)$"
)
STRONG_TITLE = re.compile(r"^(?:Document\s+No\.?\s*\d+\s*[:.]|No\.\s*\d+\s*[:.])")
SALUTATION = re.compile(
    r"^(?:(?:Dear|Esteemed|Respected|Deeply respected)\s+(?P<a>[^,!:]{2,60})[,!:]?"
    r"|(?P<b>(?:Comrade\s+)?[A-Z][\w.’'\-]+(?:\s+[A-Z][\w.’'\-]+){0,2})!)\s*$"
)
BLOCK_LABELS = {
    "source": "source_note",
    "sources": "source_note",
    "summary": "headnote",
    "abstract": "headnote",
    "description": "headnote",
    "original language": "furniture",
    "contents": "furniture",
    "subjects discussed": "furniture",
    "related documents": "furniture",
    "keywords": "furniture",
    "record id": "furniture",
    "rights": "furniture",
}
CABLE_LINE = re.compile(
    r"^(?:FM|TO|INFO)\s+[A-Z][A-Z0-9 .\-]+$|^(?:[OPRZ]{1,2}\s+)?\d{6}Z\s+[A-Z]{3}\s+\d{2,4}$"
)
FIELD_ONLY = re.compile(r"^(?P<label>[A-Z][A-Za-z\- ]{1,24}?)\s*:$")
FIELD_LINE = re.compile(r"^(?P<label>[A-Z][A-Za-z\- ]{1,24}?)\s*:\s*(?P<value>.*)$")
BACKREFERENCE = re.compile(r"\\\d|\(\?P=")
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
    sentence_case_titles: tuple[re.Pattern[str], ...]
    field_roles: dict[str, str]
    organization_words: frozenset[str]


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
        sentence_case_titles=compiled("sentence_case_titles"),
        field_roles=roles,
        organization_words=frozenset(data.get("organization_words", [])),
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
    heading_lines: list[Line] = field(default_factory=list)
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


@lru_cache(maxsize=128)
def _either(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str] | None:
    """One alternation of a rule list, to rule out a line in one search (most lines match
    none); None where joining could change a pattern's meaning (back-references, flags)."""
    if len(patterns) < 2 or any(BACKREFERENCE.search(p.pattern) for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))
    except re.error:
        return None


def _any(patterns: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    """The match of the first pattern that matches the text."""
    either = _either(patterns)
    if either is not None and either.search(text) is None:
        return None
    for pattern in patterns:
        found = pattern.search(text)
        if found:
            return found
    return None


SPEAKER_VERB = re.compile(
    r"^(?P<name>[A-ZÀ-Ž][A-ZÀ-Ž’'\-]{2,}(?: [A-ZÀ-Ž][A-ZÀ-Ž’'\-]{2,})?)\s+"
    r"(?:said|says|noted|stated|proposed|remarked|replied|answered|added|objected|asked)\b"
)
SPEAKER_DOT = re.compile(
    r"^(?P<name>(?:[A-ZÀ-Ž][\w’'\-]*\.?\s+){0,3}[A-ZÀ-Ž][\w’'\-]{2,})(?:\.|\s+[—–-])\s+(?=\S)"
)
ADDRESS = re.compile(
    r"^(?:To|An|À|A|à)\s+(?:l['’]attention de\s+|den\s+|die\s+|the\s+)?(?P<rest>.+)$"
)
NOTE_TAKER_LINE = re.compile(
    r"^(?:(?:Working\s+)?(?:[Nn]otes|[Rr]ecord|[Mm]inutes)\s+(?:of|by|taken by|made by)"
    r"|[Rr]ecorded by|[Nn]otes taken by|[Ww]ritten down by)\s+(?P<name>[A-ZÀ-Ž][\w.’'\- ]{1,60})$"
)
PLACE_PREFIX = re.compile(
    r"^(?:[A-ZÀ-Ž][\w\-’']+(?: [A-ZÀ-Ž][\w\-’']+)?(?:, (?:the )?[A-ZÀ-Ž][\w\-’']+){0,2},\s+)"
)
BARE_ADDRESS = re.compile(r"^(?:[A-ZА-ЯЁ]{2,5})(?: [A-ZА-ЯЁ]{2,5}){0,2}$")
ITEM_NUMBER = re.compile(r"^(?P<num>\d{1,4})\.\s+(?=\S)")
SPACED_CAPS = re.compile(r"\b(?:[A-ZÀ-ŽА-Я] ){2,}[A-ZÀ-ŽА-Я]\b")
SMALL_WORDS = {
    "a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "the", "to", "with",
    "between", "regarding", "concerning", "about", "des", "du", "de", "la", "le", "der", "die",
    "und", "von", "über",
}  # fmt: skip


def heading_case(text: str) -> str:
    """'SPEECH BY MIKHAIL GORBACHEV' -> 'Speech by Mikhail Gorbachev', for the rules to read.

    Upper-case headings are common in archival typescripts; the rules are written for
    mixed case. Short all-capital words (CPSU, USSR, GDR) stay as they are.
    """
    text = SPACED_CAPS.sub(lambda m: m.group().replace(" ", ""), text)
    letters = [c for c in text if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) / len(letters) < 0.6:
        # A mixed line: only long all-capital words ("INFORMATION on ...") are recased.
        return re.sub(
            r"\b[^\W\d_]{5,}\b",
            lambda m: m.group()[0] + m.group()[1:].lower() if m.group().isupper() else m.group(),
            text,
        )
    words = []
    for i, word in enumerate(text.split(" ")):
        bare = word.strip(".,:;()[]\"'«»")
        if i and bare.lower() in SMALL_WORDS:
            words.append(word.lower())
        elif len(bare) <= 4 and bare.isupper() and not re.search(r"[AEIOUY]{2}", bare):
            words.append(word)
        else:
            words.append(word[:1] + word[1:].lower())
    return " ".join(words)


def _is_speaker(core: str, rules: LayoutRules) -> re.Match[str] | None:
    found = SPEAKER.match(core)
    if not found:
        return None
    name = found.group("name").strip()
    if name.lower() in rules.field_roles:
        return None
    if not looks_like_name(parse_name(name).name, max_tokens=4):
        return None  # "Dr. Brzezinski:" is a speaker once the title is set aside
    return found


def is_dateline(core: str) -> tuple[int, int] | None:
    """'Moscow, the Kremlin, 21 April 1987' -> the span of the date within the line."""
    core = core.strip()
    if len(core) > 90:
        return None
    offset = 0
    gap = re.search(r"\s{3,}(?=\S[^\n]*$)", core)
    if gap and not parse_date(core):
        offset = gap.end()  # "II A 5-82.00 geheim        4. September 1968"
        core = core[gap.end() :]
    core = re.sub(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+$", "", core)
    inner = core
    if inner.startswith("[") and "]" in inner and not inner.endswith("]"):
        # "[Viet Bac,] 20 February 1950": an editor's place; the date is the text's own.
        closing = inner.index("]") + 1
        rest = inner[closing:].lstrip()
        if parse_date(rest.strip(" ,")) is not None:
            start = offset + len(inner) - len(rest)
            return start, start + len(rest.rstrip(" .").rstrip())
    if inner.startswith("(") and inner.endswith(")") and inner.count("(") == 1:
        inner, offset = inner[1:-1], 1
    prefix = PLACE_PREFIX.match(inner)
    if prefix and re.search(r"[’']\s|[’'],", prefix.group()):
        return None  # "Workers' Party, November 18, 1988": a wrapped title, not a place
    if prefix:
        offset += prefix.end()
        inner = inner[prefix.end() :]
    undated = re.match(r"^Undated\.?\s*(?=\[)", inner)
    if undated:
        offset += undated.end()
        inner = inner[undated.end() :]
    inner_stripped = re.sub(r",?\s*\d{3,4}Z\.?$", "", inner).rstrip(".")
    if parse_date(inner_stripped) is None:
        return None
    return offset, offset + len(inner_stripped)


def _heading_like(block: list[Line], rules: LayoutRules) -> bool:
    """Short lines of the document's own heading: dateline, address, note-taker, fields."""
    if block and _field_label(block[0].core, rules) and len(block) <= 25:
        return all(len(line.core) <= 100 for line in block[1:])  # "PARTICIPANTS:" and its list
    if len(block) > 6:
        return False
    for line in block:
        core = line.core
        if (
            is_dateline(core)
            or NOTE_TAKER_LINE.match(core)
            or ADDRESS.match(core)
            or _field(core, rules)
        ):
            continue
        if len(core) > 100 or re.search(r"[.!?]$", core) and not re.search(r"\b[A-Z]\.$", core):
            return False
        if len(core.split()) > 12:
            return False
    return True


def _field_label(core: str, rules: LayoutRules) -> bool:
    found = FIELD_LINE.match(core)
    return bool(found and _label(found.group("label")) in rules.field_roles)


def _label(raw: str) -> str:
    """'Present on the Cuban side' -> 'present'; 'On the Soviet side' -> 'participants'."""
    label = raw.strip().lower()
    if re.fullmatch(r"on the [\w\- ]+ side", label):
        return "participants"
    return re.sub(r"\s+on the [\w\- ]+ side$", "", label)


def _field(core: str, rules: LayoutRules) -> tuple[str, str, int] | None:
    found = FIELD_LINE.match(core)
    if found and _label(found.group("label")) in rules.field_roles:
        label = _label(found.group("label"))
        return rules.field_roles[label], found.group("value"), found.start("value")
    return None


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


def _classify_notes(lines: list[Line], layout: Layout, rules: LayoutRules) -> int:
    """Mark citation blocks, source notes, footnotes, rights, furniture; return the tail start."""
    n = len(lines)
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
        label = FIELD_ONLY.match(core) or FIELD_LINE.match(core)
        block_kind = BLOCK_LABELS.get(label.group("label").strip().lower()) if label else None
        if block_kind:
            # "Source:" / "Summary:" / "Original Language:" on a catalogue page: the label and
            # the paragraph under it are apparatus, not the document.
            line.kind = block_kind
            j = i + 1
            while j < n and not lines[j].blank and not FIELD_ONLY.match(lines[j].core):
                lines[j].kind = block_kind
                j += 1
            i = j
            continue
        if FOOTNOTE_LINE.match(core) or FOOTNOTE_SOURCE.match(core):
            line.kind = "footnote"
            j = i + 1
            while (
                j < n
                and not lines[j].blank
                and not (
                    FOOTNOTE_LINE.match(lines[j].core)
                    or FOOTNOTE_SOURCE.match(lines[j].core)
                    or re.match(r"^(?:\d{1,3}|[¹²³⁴⁵⁶⁷⁸⁹])\s", lines[j].core)
                )
            ):
                lines[j].kind = "footnote"  # a footnote wrapped over several lines
                j += 1
            i = j
            continue
        elif _any(rules.rights, core):
            line.kind = "rights"
            layout.rights_lines.append(line)
        elif _any(rules.furniture, core) or BREADCRUMB.search(core):
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
    return tail_start


def _is_turn(core: str, rules: LayoutRules) -> bool:
    return bool(_is_speaker(core, rules) or SALUTATION.match(core))


def _title_candidate(core: str, rules: LayoutRules) -> bool:
    """A strong title: 'Document No. 7: ...', '112. Telegram From ...', 'Memorandum from ...'."""
    if STRONG_TITLE.match(core):
        return True
    if len(core) >= 200 or core.endswith(".") and not re.search(r"\d{4}\]?\.$", core):
        return False
    plain = heading_case(ITEM_NUMBER.sub("", core))
    return bool(_any(rules.title_cues, plain))


def _weak_title(core: str, rules: LayoutRules) -> bool:
    words = re.findall(r"[^\W\d_]{4,}", heading_case(core))
    capitalised = sum(w[0].isupper() for w in words)
    return bool(
        len(core) <= 150
        and not re.search(r"[.!?:;,]$", core)
        and words
        and (capitalised / len(words) >= 0.5 or _any(rules.sentence_case_titles, core))
        and not _is_speaker(core, rules)
        and not FIELD_LINE.match(core)
        and not is_dateline(core)
        and not ADDRESS.match(core)
        and not (looks_like_name(core) and len(core.split()) > 1)
        and not _letterhead(core, rules)
    )


def _letterhead(core: str, rules: LayoutRules) -> bool:
    """'MINISTRY OF FOREIGN AFFAIRS OF THE USSR': the sender's letterhead, not a title."""
    words = re.findall(r"[^\W\d_]+", heading_case(core))
    return core.isupper() and bool(set(words) & rules.organization_words) and len(words) <= 8


def _continues_title(previous: str, core: str) -> bool:
    """Whether a line goes on with the title above it (a wrapped heading)."""
    if is_dateline(core) or re.fullmatch(r"[\[(].*[\])]", core) or ADDRESS.match(core):
        return False
    if FIELD_LINE.match(core) or FIELD_ONLY.match(core):
        return False
    if core[:1].islower():
        return True
    if re.search(
        r"\b(?:of|of the|to|to the|and|for|in|on|at|with|by|the|a|an|des|der|du|de)$", previous
    ):
        return (
            True  # "...to the Ministry of Foreign Affairs of the" / "People's Socialist Republic"
        )
    if re.search(r"\d{4}\]?$", previous) or re.search(r"[.!?]$", previous):
        return False
    if len(previous.split()) <= 2 and previous.isupper():
        return True  # "REPORT" / "of the Soviet Military Administration ..."
    return bool(core[:1].isupper() and len(core) < 90 and re.search(r"\d{4}$", core))


def segment(text: str) -> Layout:
    rules = layout_rules()
    lines = split_lines(text)
    n = len(lines)
    layout = Layout(regions=(), lines=lines)
    tail_start = _classify_notes(lines, layout, rules)
    content = [k for k in range(n) if not lines[k].blank and not lines[k].kind]

    # 2. Head: a strong title within the first lines, with a header above it.
    first_break = next(
        (
            k
            for k in range(n)
            if lines[k].kind == "body_marker"
            or (not lines[k].kind and not lines[k].blank and _is_turn(lines[k].core, rules))
        ),
        n,
    )
    head_window = [k for k in content if k < min(tail_start, first_break)][:15]
    title_index = next((k for k in head_window if _title_candidate(lines[k].core, rules)), None)
    if title_index is not None:
        for k in content:
            if k < title_index:
                if (
                    is_dateline(lines[k].core)
                    or ADDRESS.match(lines[k].core)
                    or CABLE_LINE.match(lines[k].core)
                ):
                    lines[k].kind = "heading"
                else:
                    lines[k].kind = "header"
                    layout.header_lines.append(lines[k])
    else:
        candidates = [
            k
            for k in head_window
            if not is_dateline(lines[k].core) and not CABLE_LINE.match(lines[k].core)
        ]
        # An addressee line may stand above a topic title ("ЦК КПСС" / "О германском вопросе").
        addressed = []
        while (
            candidates
            and (
                BARE_ADDRESS.match(lines[candidates[0]].core)
                or ADDRESS.match(lines[candidates[0]].core)
            )
            and len(addressed) < 2
        ):
            addressed.append(candidates.pop(0))
        if candidates and _weak_title(lines[candidates[0]].core, rules):
            title_index = candidates[0]
            for k in content:
                if k < title_index:
                    own = (
                        k in addressed
                        or is_dateline(lines[k].core)
                        or CABLE_LINE.match(lines[k].core)
                    )
                    lines[k].kind = "heading" if own else "header"
                    if not own:
                        layout.header_lines.append(lines[k])
    if title_index is not None:
        lines[title_index].kind = "title"
        layout.title_lines.append(lines[title_index])
        k = title_index + 1
        while k < n and len(layout.title_lines) < 4:
            while k < n and lines[k].blank:
                k += 1
            if k >= n or lines[k].kind:
                break
            if not _continues_title(layout.title_lines[-1].core, lines[k].core):
                break
            lines[k].kind = "title"
            layout.title_lines.append(lines[k])
            k += 1

    # 3. Between the title (or the top) and the text: the document's own heading lines,
    #    an editors' headnote, citation lines.
    after_title = lines.index(layout.title_lines[-1]) + 1 if layout.title_lines else 0
    marker = next((k for k in range(after_title, n) if lines[k].kind == "body_marker"), None)
    headnote_marker = any(lines[k].kind == "headnote_marker" for k in range(after_title, n))
    turn = next(
        (
            k
            for k in range(after_title, tail_start)
            if not lines[k].kind and not lines[k].blank and _is_turn(lines[k].core, rules)
        ),
        None,
    )
    body_first = None
    limit = marker if marker is not None else tail_start
    for i, j in _paragraphs(lines, after_title, limit):
        block = [k for k in range(i, j) if not lines[k].kind]
        if not block:
            continue
        if turn is not None and block[0] >= turn and marker is None:
            body_first = block[0]
            break
        joined = " ".join(lines[k].core for k in block)
        cited = CITATION_LINE.match(joined)
        if cited and (layout.title_lines or marker is not None):
            for k in block:
                lines[k].kind = "citation"
            layout.citation_lines.append((lines[block[0]], cited))
            continue
        words = len(joined.split())
        if _any(rules.headnote_cues, joined) or (headnote_marker and words > 12):
            for k in block:
                lines[k].kind = "headnote"
            headnote_marker = False
            continue
        if _heading_like([lines[k] for k in block], rules):
            for k in block:
                lines[k].kind = "heading"
            continue
        if marker is not None or (turn is not None and layout.title_lines and words >= 25):
            for k in block:
                lines[k].kind = "headnote"
            continue
        body_first = block[0]
        break
    if marker is not None:
        body_first = next(
            (k for k in range(marker + 1, tail_start) if not lines[k].blank and not lines[k].kind),
            None,
        )

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
    own = [k for k in range(n) if lines[k].kind in ("heading", "body")]
    if own:
        layout.body_start = lines[own[0]].start
        layout.body_end = lines[own[-1]].end
    participants = _participant_surnames(lines, rules)
    repeated = _repeated_turn_names(lines)
    previous = ""
    for line in lines:
        if line.kind not in ("body", "heading"):
            if not line.blank:
                previous = "."
            continue
        starts_paragraph = not previous or re.search(r"[.!?:\"”»)\]]\d{0,2}$", previous)
        previous = line.core
        near_top = line.kind == "heading" or line.start < layout.body_start + 600
        heading = (
            ADDRESS.match(line.core) or is_dateline(line.core) or BARE_ADDRESS.match(line.core)
        )
        if NOTE_TAKER_LINE.match(line.core) or (near_top and heading):
            layout.heading_lines.append(line)
        field = _field(line.core, rules)
        if field:
            role, value, at = field
            start = line.start + at
            if not value.strip():
                # "Date:" / "PARTICIPANTS:" with the value on the lines below.
                following = []
                for nxt in lines[lines.index(line) + 1 :]:
                    if (
                        nxt.blank
                        or nxt.kind not in ("body", "heading")
                        or _field_label(nxt.core, rules)
                    ):
                        break
                    following.append(nxt)
                if following:
                    value = "; ".join(f.core for f in following)
                    start = following[0].start
            layout.field_lines.append((line, role, value, start))
            continue
        turn_match = (
            _speaker_turn(line.core, rules, participants, repeated) if starts_paragraph else None
        )
        if turn_match:
            name, length = turn_match
            layout.speaker_turns.append((line, name, line.start, line.start + length))
    if body_lines:
        first = next(
            (lines[k] for k in body_lines if not ADDRESS.match(lines[k].core)), lines[body_lines[0]]
        )
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
    for k in range(n):
        if not lines[k].blank and not lines[k].kind:
            lines[k].kind = "furniture" if k < body_first else "body"
    layout.regions = tuple(_regions(text, lines))
    return layout


def _repeated_turn_names(lines: list[Line]) -> set[str]:
    """Names that open two or more paragraphs as 'NAME.' or 'Name —': speakers, not headings."""
    counts: dict[str, int] = {}
    for line in lines:
        found = SPEAKER_DOT.match(line.core) if line.kind in ("body", "heading") else None
        if found:
            key = found.group("name").split()[-1].lower()
            counts[key] = counts.get(key, 0) + 1
    return {k for k, v in counts.items() if v >= 2}


def _participant_surnames(lines: list[Line], rules: LayoutRules) -> set[str]:
    names: set[str] = set()
    for line in lines:
        field = _field(line.core, rules)
        if field and field[0] == "participant":
            for word in re.findall(r"[^\W\d_]{3,}", field[1]):
                names.add(word.lower())
    return names


def _speaker_turn(
    core: str, rules: LayoutRules, participants: set[str], repeated: set[str] = frozenset()
) -> tuple[str, int] | None:
    """A speaker's turn: 'Gorbachev: ...', 'GORBACHEV. ...', 'Ryzhkov — ...', 'YAKOVLEV said'."""
    found = _is_speaker(core, rules)
    if found:
        return found.group("name").strip(), len(found.group("name").rstrip())
    found = SPEAKER_VERB.match(core)
    if found:
        return found.group("name"), len(found.group("name"))
    found = SPEAKER_DOT.match(core)
    if found:
        name = found.group("name").strip()
        surname = name.split()[-1].lower()
        known = surname in participants or (name.isupper() and surname in repeated)
        if known and looks_like_name(name, max_tokens=3) and name.lower() not in rules.field_roles:
            return name, len(name)
    return None


def _signature(body: list[Line], rules: LayoutRules) -> list[Line]:
    """The closing lines that sign the document: a name, or a name and a date."""
    if len(body) < 2:
        return []
    last = body[-1].core
    signed = []
    name_part = signature_name(last)
    if name_part and len(last) < 120:
        signed.append(body[-1])
        if len(body) > 2 and _any(rules.closings, body[-2].core):
            signed.insert(0, body[-2])
    elif (
        len(last) <= 60
        and (is_dateline(last) or parse_date(last.strip("[]() .")))
        and signature_name(body[-2].core)
    ):
        signed = [body[-2], body[-1]]  # a name line, then a date or dateline line
    return signed


def signature_name(core: str) -> str | None:
    """The signer's name in a closing line: 'Gorbachev, June 26, 1986', 'General   P. KOLES'."""
    if is_dateline(core):
        return None
    core = re.sub(r"(?<=\w)\[(\w+)\]", r"\1", core).replace("[", "").replace("]", "")
    parts = re.split(r"\s{3,}", core.strip())
    candidate = (
        parts[-1] if len(parts) > 1 else re.split(r",\s*|\s+/\s+", core.strip(), maxsplit=1)[0]
    )
    candidate = candidate.strip()
    if looks_like_name(candidate) and not is_dateline(candidate):
        return candidate
    return None


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
    "heading": "body",
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
