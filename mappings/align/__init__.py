"""Align stage: names in a text -> gazetteer entities, time-aware for states.

``resolve_name`` decides what a name refers to; ``find_mentions`` scans a text
for names, bracketed editorial names, and demonyms that clearly refer to a state
("the Polish leadership"); ``align_text`` does both for one text. A name that
matches nothing, or matches several entities that the date cannot separate,
gets a local entity and goes to the alignment report: never a guessed Q-id.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import unicodedata
from dataclasses import replace

from mappings.align.gazetteer import Entry, Gazetteer, name_key, slugify, stable_slug
from mappings.records import Agent, AgentLink, DateValue, Mention, Region, Resolution

# A token is a word (editorial brackets inside it are part of it: "E[rich]") or a number.
TOKEN = re.compile(r"\[?[^\W\d_]+(?:\[[^\W\d_]+\]?|\][^\W\d_]*|[^\W\d_]+)*\]?|\d+")
GAP = re.compile(r"^[\s\-.’'‘]{0,4}$")
DEMONYM_GAP = re.compile(r"^(?:[ \t]{1,3}|[ \t]*\n[ \t]*|-)$")
METHOD_CONFIDENCE = {
    "exact-label": 0.95,
    "alias": 0.9,
    "as-of-date": 0.9,
    "narrowest-period": 0.85,
    "undated-generic": 0.6,
    "surname": 0.75,
    "demonym-context": 0.8,
}


def _token_value(token: str) -> str:
    return token.replace("[", "").replace("]", "")


def _status(entry: Entry) -> str:
    return "aligned" if entry.qid else "unaligned"


def _resolution(entry: Entry, method: str, confidence: float | None = None) -> Resolution:
    if entry.confidence == "single-source" and entry.qid:
        method = f"{method}+single-source"
    return Resolution(
        entity_id=entry.id,
        kind=entry.kind,
        label=entry.label,
        status=_status(entry),  # type: ignore[arg-type]
        method=method,
        confidence=confidence if confidence is not None else METHOD_CONFIDENCE.get(method, 0.9),
    )


def choose_state(entries: tuple[Entry, ...], date: DateValue | None) -> tuple[Entry | None, str]:
    """Among states sharing a name, the one that existed at the document's date.

    A historical state whose period covers the date wins over the present-day
    country of the same name ("Poland" in 1986 is the Polish People's Republic);
    of several, the narrowest period wins (Czechoslovak Socialist Republic over
    Czechoslovakia 1918-1992). Without a date, the present-day country stands in,
    with lower confidence. Periods of present-day countries are Wikidata
    inception dates, not sovereignty, so they never rule a country out.
    """
    generic = [e for e in entries if e.is_generic_state]
    if date is not None:
        first, last = date.earliest.year, date.latest.year
        valid = [e for e in entries if not e.is_generic_state and e.valid_during(first, last)]
        # A state whose period lies strictly around the date beats one that began or ended in
        # the date's year: in early 1987 Afghanistan is the DRA (1978-1992), not the Republic
        # of Afghanistan (1987-1992), whose year is all the table knows of its start.
        interior = [e for e in valid if (e.valid_from or 0) < first and (e.valid_to or 0) > last]
        valid = interior or valid
        if valid:
            valid.sort(key=lambda e: ((e.valid_to or 0) - (e.valid_from or 0), e.id))
            if len(valid) == 1 or (
                (valid[0].valid_to or 0) - (valid[0].valid_from or 0)
                < (valid[1].valid_to or 0) - (valid[1].valid_from or 0)
            ):
                return valid[0], "as-of-date" if len(valid) == 1 else "narrowest-period"
            return None, "ambiguous"
        if len(generic) == 1:
            return generic[0], "as-of-date"
        return None, "ambiguous"
    if len(generic) == 1:
        return generic[0], "undated-generic"
    return None, "ambiguous"


def resolve_entries(
    entries: tuple[Entry, ...], date: DateValue | None, exact: bool
) -> Resolution | None:
    if not entries:
        return None
    if len(entries) == 1:
        return _resolution(entries[0], "exact-label" if exact else "alias")
    if all(e.kind == "state" for e in entries):
        chosen, method = choose_state(entries, date)
        if chosen is not None:
            return _resolution(chosen, method)
    first = entries[0]
    return Resolution(
        entity_id=f"ambiguous-{slugify(first.label)}",
        kind=first.kind if all(e.kind == first.kind for e in entries) else "concept",
        label=first.label,
        status="ambiguous",
        method="ambiguous",
        confidence=0.0,
        candidates=tuple(sorted(e.id for e in entries)),
    )


def mint_local(name: str, kind: str, gazetteer: Gazetteer) -> Resolution:
    """A stable local entity for a name the gazetteer does not know."""
    ident = stable_slug(name)
    if ident in gazetteer.entries:
        ident = f"{ident}-{kind}"
    return Resolution(ident, kind, name, "unaligned", "unmatched", 0.0)


def resolve_name(name: str, kind: str, gazetteer: Gazetteer, date: DateValue | None) -> Resolution:
    """A person's or body's name (from a role, not from running text) -> an entity."""
    key = name_key(name)
    entries = tuple(e for e in gazetteer.lookup(key) if kind == "organization" or e.kind == kind)
    exact = any(name_key(e.label) == key for e in entries)
    found = resolve_entries(entries, date, exact)
    if found is not None:
        return found
    if kind == "person" and len(key) > 1:
        # "Kaysone Phomvihan": the surname alone is an alias of one known person.
        by_surname = tuple(e for e in gazetteer.lookup(key[-1:]) if e.kind == "person")
        if len(by_surname) == 1:
            return _resolution(by_surname[0], "surname")
    return mint_local(name, kind, gazetteer)


def align_agents(
    agents: tuple[Agent, ...], gazetteer: Gazetteer, date: DateValue | None
) -> tuple[AgentLink, ...]:
    return tuple(AgentLink(a, resolve_name(a.name, a.kind, gazetteer, date)) for a in agents)


class _Tokens:
    def __init__(self, text: str) -> None:
        found = list(TOKEN.finditer(text))
        self.spans: list[tuple[int, int]] = [m.span() for m in found]
        self.values: list[str] = [_token_value(m.group()) for m in found]
        self.text = text

    def joinable(self, i: int) -> bool:
        """Whether token i+1 can continue a name that token i is part of."""
        gap = self.text[self.spans[i][1] : self.spans[i + 1][0]]
        return bool(GAP.match(gap)) and gap.count("\n") <= 2


def _region_index(regions: tuple[Region, ...]) -> tuple[list[int], tuple[Region, ...]]:
    return [r.start for r in regions], regions


def region_of(offset: int, starts: list[int], regions: tuple[Region, ...]) -> str:
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and regions[i].start <= offset < regions[i].end:
        return regions[i].kind
    return "furniture"


def _span_region(start: int, end: int, starts: list[int], regions: tuple[Region, ...]) -> str:
    """A name printed in the document's text keeps that region even if an editor's bracket
    completes it ("M.S. [Gorbachev]", "[former Polish Leader Eduard] Gierek")."""
    i = max(0, bisect.bisect_right(starts, start) - 1)
    kinds = []
    while i < len(regions) and regions[i].start < end:
        if regions[i].end > start:
            kinds.append(regions[i].kind)
        i += 1
    if "body" in kinds:
        return "body"
    return next((k for k in kinds if k != "furniture"), "furniture")


def _demonym_context(tokens: _Tokens, i: int, length: int, gazetteer: Gazetteer) -> bool:
    """A demonym followed by a noun that makes it a state: 'the Polish leadership',
    'Soviet-led', 'West German armed forces', 'West German and American services'."""
    values, text, n = tokens.values, tokens.text, len(tokens.values)
    k = i + length
    skipped = 0
    while k < n and skipped <= 3:
        gap = text[tokens.spans[k - 1][1] : tokens.spans[k][0]]
        if not DEMONYM_GAP.match(gap):
            return False
        word = values[k]
        if word.lower() in gazetteer.context_nouns:
            return True
        if word in ("and", "or"):
            k += 1
            for size in (2, 1):
                if tuple(values[k : k + size]) in gazetteer.demonyms:
                    k += size
                    break
            else:
                return False
            skipped += 1
            continue
        if word.islower() and skipped == 0:
            k += 1  # one adjective: "armed"
            skipped += 1
            continue
        return False
    return False


THE_DEMONYM_FOLLOWERS = {
    "and", "or", "have", "has", "had", "are", "were", "will", "would", "said", "say", "told",
    "want", "do", "did", "may", "can", "could", "should", "must", "know", "think",
}  # fmt: skip


def _the_demonym(tokens: _Tokens, i: int, length: int) -> bool:
    """'the British and the French', 'the Chinese have told us': a people standing for its
    state; 'the Chinese revolution' is left to the context-noun rule."""
    if i == 0 or tokens.values[i - 1] not in ("the", "The"):
        return False
    k = i + length
    if k >= len(tokens.values):
        return True
    gap = tokens.text[tokens.spans[k - 1][1] : tokens.spans[k][0]]
    return bool(re.search(r"[,.;:!?)]", gap)) or tokens.values[k] in THE_DEMONYM_FOLLOWERS


def _initials_match(key: tuple[str, ...], gazetteer: Gazetteer) -> tuple[Entry, ...]:
    """'V. Medvedev' -> Vadim Medvedev when he is the only known Medvedev with that initial."""
    if len(key) < 2 or not all(len(k) <= 2 for k in key[:-1]):
        return ()
    from mappings.read.names import same_person

    name = " ".join(f"{k}." for k in key[:-1]) + " " + key[-1]
    found = tuple(
        gazetteer.entries[i]
        for i in gazetteer.surnames.get(key[-1], ())
        if same_person(name, gazetteer.entries[i].label)
    )
    return found if len(found) == 1 else ()


NAME_WORD = r"[A-ZÀ-ŽА-ЯЁ][a-zà-žа-яё’']+(?:-[A-Za-zА-Яа-я][a-zà-žа-яё’']+)*"
SURNAME = rf"(?:{NAME_WORD}|[A-ZÀ-ŽА-ЯЁ]{{3,}}(?![a-z]))"
INITIALS_NAME = re.compile(
    rf"(?<![\w.])(?P<name>(?P<initials>(?:[A-ZА-ЯЁ][a-zа-яё]?\.\s?){{1,3}})(?P<surname>{SURNAME}))(?![\w])"
)
NOT_INITIALS = {"No.", "Nr.", "Vol.", "St.", "Mt.", "Dr.", "Mr.", "Ms.", "Op.", "Ed.", "Pp."}
HONORIFIC_NAME = re.compile(
    r"\b(?:Comrade|Comrades|President|Chancellor|Ambassador|Premier|Prime Minister|Foreign Minister"
    r"|General Secretary|Marshal|Cardinal|Pope|Mr\.|Mrs\.|Ms\.|Dr\.|Monsieur|M\.|Herr|Genosse"
    r"|Genossen)"
    rf"\s+(?P<name>{NAME_WORD}(?:\s+(?:{NAME_WORD}|[IVX]{{1,4}})){{0,2}})"
)
NOT_SURNAMES = {"Army", "Navy", "Government", "Department", "Party", "Committee", "State", "Union"}


def find_person_names(
    text: str,
    regions: tuple[Region, ...],
    gazetteer: Gazetteer,
    taken: list[tuple[int, int]],
    known: dict[str, Resolution],
) -> list[Mention]:
    """People the gazetteer does not know: 'N. I. Ryzhkov', 'Helmut Kohl', 'Comrade Kim Il Sung'.

    They get a local entity (minted from the name) and go to the alignment report. The
    patterns are conservative: initials before a surname, a given name from
    given_names.csv before a capitalised word, or a title before a name.
    """
    from mappings.read.names import parse_name, same_person

    starts, ordered = _region_index(regions)
    found: list[Mention] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    candidates: list[tuple[int, int, str]] = []
    for match in INITIALS_NAME.finditer(text):
        initials = re.sub(r"\s", "", match.group("initials"))
        surname = match.group("surname")
        if (
            initials in ("U.S.", "U.N.", "U.K.")
            or initials in NOT_INITIALS
            or surname in NOT_SURNAMES
        ):
            continue
        if surname in gazetteer.given_names and re.match(
            r"\s[A-ZÀ-Ž]", text[match.end() : match.end() + 2]
        ):
            continue  # "M. Claude Cheysson": M. is Monsieur; the given-name rule takes it
        candidates.append((match.start("name"), match.end("name"), match.group("name")))
    for match in HONORIFIC_NAME.finditer(text):
        name = match.group("name")
        if name.split()[0] in gazetteer.given_names or len(name.split()) == 1:
            candidates.append((match.start("name"), match.end("name"), name))
    words = list(re.finditer(NAME_WORD, text))
    for i, word in enumerate(words[:-1]):
        if word.group() not in gazetteer.given_names:
            continue
        nxt = words[i + 1]
        if text[word.end() : nxt.start()] in (" ", "\n") and nxt.group() not in NOT_SURNAMES:
            end = nxt.end()
            if (
                i + 2 < len(words)
                and text[nxt.end() : words[i + 2].start()] == " "
                and (
                    words[i + 1].group() in gazetteer.given_names or len(words[i + 1].group()) <= 3
                )
            ):
                end = words[i + 2].end()  # "Kim Il Sung", "Nguyen Van Linh", "John Paul II"
            roman = re.match(r" [IVX]{1,4}\b", text[end : end + 6])
            if roman:
                end += roman.end()
            candidates.append((word.start(), end, text[word.start() : end]))
    for start, end, written in sorted(candidates, key=lambda c: (c[0], -c[1])):
        if not free(start, end):
            continue
        region = _span_region(start, end, starts, ordered)
        if region == "furniture":
            continue
        written = re.sub(r"[’']s$", "", written)
        end = start + len(written)
        name = parse_name(written).name
        resolution = resolve_name(name, "person", gazetteer, None)
        if resolution.status == "unaligned" and resolution.method == "unmatched":
            same = next((r for n, r in known.items() if same_person(n, name)), None)
            resolution = same or replace(resolution, method="name-pattern", confidence=0.5)
            known.setdefault(name, resolution)
        found.append(Mention(start, end, text[start:end], region, resolution))  # type: ignore[arg-type]
        taken.append((start, end))
    return found


def find_mentions(
    text: str,
    regions: tuple[Region, ...],
    gazetteer: Gazetteer,
    date: DateValue | None,
    suppress: frozenset[str] = frozenset(),
    people: dict[str, Resolution] | None = None,
) -> tuple[Mention, ...]:
    """Names in a text, resolved; ``people`` maps names already resolved for this document
    (its authors, recipients...) so that 'W. Jaruzelski' in the text is the same local
    entity as the participant 'Wojciech Jaruzelski'."""
    tokens = _Tokens(unicodedata.normalize("NFC", text))
    starts, ordered = _region_index(regions)
    values = tokens.values
    n = len(values)
    mentions: list[Mention] = []

    def add(start: int, end: int, resolution: Resolution) -> None:
        start, end = _trim(text, start, end)
        if resolution.entity_id in suppress or text[start:end] in suppress:
            return
        region = _span_region(start, end, starts, ordered)
        if region != "furniture":
            mentions.append(Mention(start, end, text[start:end], region, resolution))  # type: ignore[arg-type]

    def run(i: int, cap: int) -> int:
        """How many tokens from i on (at most cap) can still belong to one name: a name
        never crosses a comma. Asked only where a name may start."""
        k = i
        while k - i + 1 < cap and k + 1 < n and tokens.joinable(k):
            k += 1
        return k - i + 1

    lengths_by_first = gazetteer.lengths_by_first
    i = 0
    while i < n:
        first = values[i]
        lengths = lengths_by_first.get(first, ())
        if not lengths and first.isupper() and len(first) > 3:
            lengths = lengths_by_first.get(first.capitalize(), ())
        initial = len(first) <= 2 and first[:1].isupper()
        if not lengths and not initial:
            i += 1
            continue
        if region_of(tokens.spans[i][0], starts, ordered) == "furniture" and not any(
            region_of(tokens.spans[k][0], starts, ordered) == "body"
            for k in range(i, min(n, i + 4))
        ):
            i += 1
            continue
        if not values[i][:1].isupper() and not values[i].isdigit():
            i += 1
            continue
        matched = False
        candidates = sorted({*lengths, *((4, 3, 2) if initial else ())}, reverse=True)
        longest = run(i, candidates[0])
        for length in candidates:
            if length > longest or i + length > n:
                continue
            key = tuple(values[i : i + length])
            entries = gazetteer.lookup(key)
            method = None
            if not entries and length == 1 and key[0].isupper() and len(key[0]) > 3:
                entries = gazetteer.lookup((key[0].capitalize(),))  # "GORBACHEV:" in a transcript
            if not entries and length >= 2:
                entries = _initials_match(key, gazetteer)
                method = "initials" if entries else None
            if entries:
                follower = values[i + length] if i + length < n else ""
                if (
                    all(e.kind == "person" for e in entries)
                    and follower in gazetteer.facility_nouns
                ):
                    i += length + 1  # "Lenin Shipyard" names a shipyard, not Lenin
                    matched = True
                    break
                resolution = resolve_entries(
                    entries, date, any(name_key(e.label) == key for e in entries)
                )
                assert resolution is not None
                if method:
                    resolution = replace(
                        resolution, method=method, confidence=METHOD_CONFIDENCE["surname"]
                    )
                add(tokens.spans[i][0], tokens.spans[i + length - 1][1], resolution)
                i += length
                matched = True
                break
            demonym = gazetteer.demonyms.get(key)
            if demonym and (
                key in gazetteer.standalone_demonyms
                or _demonym_context(tokens, i, length, gazetteer)
                or _the_demonym(tokens, i, length)
            ):
                found = resolve_entries(gazetteer.find_by_name(demonym), date, False)
                if found is not None and found.status != "ambiguous":
                    found = replace(
                        found,
                        method="demonym-context",
                        confidence=METHOD_CONFIDENCE["demonym-context"],
                    )
                    add(tokens.spans[i][0], tokens.spans[i + length - 1][1], found)
                    i += length
                    matched = True
                    break
        if not matched:
            i += 1
    taken = [(m.start, m.end) for m in mentions]
    known = dict(people or {})
    mentions.extend(find_person_names(text, regions, gazetteer, taken, known))
    mentions.sort(key=lambda m: (m.start, m.end, m.resolution.entity_id))
    return tuple(mentions)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop an editorial bracket that opens before or closes after the name; keep 'U.S.'."""
    quote = text[start:end]
    if quote.startswith("[") and "]" not in quote:
        start += 1
    if quote.endswith("]") and "[" not in quote:
        end -= 1
    if end < len(text) and text[end] == "." and re.fullmatch(r"(?:[A-Z]\.)+[A-Z]", text[start:end]):
        end += 1
    return start, end


def date_year_range(date: DateValue | None) -> tuple[dt.date, dt.date] | None:
    return (date.earliest, date.latest) if date else None
