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

from mappings.align.gazetteer import Entry, Gazetteer, name_key, slugify, stable_slug
from mappings.records import Agent, AgentLink, DateValue, Mention, Region, Resolution

# A token is a word (editorial brackets inside it are part of it: "E[rich]") or a number.
TOKEN = re.compile(r"\[?[^\W\d_]+(?:\[[^\W\d_]+\]?|\][^\W\d_]*|[^\W\d_]+)*\]?|\d+")
GAP = re.compile(r"^[\s\-.’'‘]{0,4}$")
DEMONYM_GAP = re.compile(r"^(?:\s{1,3}|-)$")
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
        self.spans: list[tuple[int, int]] = []
        self.values: list[str] = []
        for match in TOKEN.finditer(text):
            self.spans.append(match.span())
            self.values.append(_token_value(match.group()))
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


def find_mentions(
    text: str,
    regions: tuple[Region, ...],
    gazetteer: Gazetteer,
    date: DateValue | None,
    suppress: frozenset[str] = frozenset(),
) -> tuple[Mention, ...]:
    tokens = _Tokens(unicodedata.normalize("NFC", text))
    starts, ordered = _region_index(regions)
    values = tokens.values
    n = len(values)
    mentions: list[Mention] = []
    i = 0
    while i < n:
        region = region_of(tokens.spans[i][0], starts, ordered)
        if region == "furniture" or not values[i][:1].isupper() and not values[i].isdigit():
            i += 1
            continue
        matched = False
        for length in range(min(gazetteer.max_tokens, n - i), 0, -1):
            if length > 1 and not all(tokens.joinable(k) for k in range(i, i + length - 1)):
                continue
            key = tuple(values[i : i + length])
            entries = gazetteer.lookup(key)
            if not entries and length == 1 and key[0].isupper() and len(key[0]) > 3:
                entries = gazetteer.lookup((key[0].capitalize(),))  # "GORBACHEV:" in a transcript
            if entries:
                resolution = resolve_entries(
                    entries, date, any(name_key(e.label) == key for e in entries)
                )
                assert resolution is not None
                start, end = _trim(text, tokens.spans[i][0], tokens.spans[i + length - 1][1])
                if resolution.entity_id not in suppress and text[start:end] not in suppress:
                    last_region = region_of(end - 1, starts, ordered)
                    where = last_region if last_region != "furniture" else region
                    mentions.append(Mention(start, end, text[start:end], where, resolution))  # type: ignore[arg-type]
                    state = _state_in_name(key, entries, gazetteer, date)
                    if state is not None:
                        mentions.append(Mention(start, end, text[start:end], where, state))  # type: ignore[arg-type]
                i += length
                matched = True
                break
            demonym = gazetteer.demonyms.get(key)
            if (
                demonym
                and i + length < n
                and DEMONYM_GAP.match(
                    text[tokens.spans[i + length - 1][1] : tokens.spans[i + length][0]]
                )
                and values[i + length].lower() in gazetteer.context_nouns
            ):
                found = resolve_entries(gazetteer.find_by_name(demonym), date, False)
                if found is not None and found.status != "ambiguous":
                    found = Resolution(
                        found.entity_id,
                        found.kind,
                        found.label,
                        found.status,
                        "demonym-context",
                        METHOD_CONFIDENCE["demonym-context"],
                    )
                    start, end = _trim(text, tokens.spans[i][0], tokens.spans[i + length - 1][1])
                    if found.entity_id not in suppress:
                        mentions.append(Mention(start, end, text[start:end], region, found))  # type: ignore[arg-type]
                    i += length
                    matched = True
                    break
        if not matched:
            i += 1
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


def _state_in_name(
    key: tuple[str, ...], entries: tuple[Entry, ...], gazetteer: Gazetteer, date: DateValue | None
) -> Resolution | None:
    """'Mongolian People's Revolutionary Party' also refers to Mongolia, as of the date."""
    if any(e.kind == "state" for e in entries) or len(key) < 2:
        return None
    for length in (2, 1):
        name = gazetteer.demonyms.get(key[:length])
        if name:
            found = resolve_entries(gazetteer.find_by_name(name), date, False)
            if found is not None and found.status != "ambiguous":
                return Resolution(
                    found.entity_id, found.kind, found.label, found.status, "demonym-in-name", 0.7
                )
    return None


def date_year_range(date: DateValue | None) -> tuple[dt.date, dt.date] | None:
    return (date.earliest, date.latest) if date else None
