"""A synthetic corpus for scale tests: ``python publish.py synth N --out DIR [--seed S]``.

Real collections cannot be shipped, yet a build must be measured on 10^5 documents. The
generator writes documents in the layouts of the seed corpus and the test fixtures
(memoranda with a title line, letters with an address block, FRUS telegram pages, records
of conversation, Politburo notes, reports, book pages with page furniture, web pages with
a headnote, diary entries, undated theses, and a few in German, French and Russian), with
dates, people, organizations and states taken from ``mappings/tables``, source notes with
archival references, catalogue records beside a few texts, versions of earlier documents
(excerpts and reprints, which the link stage must join) and a few bad files (empty, UTF-16,
Latin-1, binary, mojibake) that a build must skip with a message.

Every document is a pure function of (seed, index): the same N and seed give byte-identical
files, and the first 1,000 documents of a corpus of 100,000 are the corpus of 1,000.
Lengths follow a log-normal law (median about 3 KB) cut to 1-20 KB, as archival texts do:
many short notes and telegrams, a few long reports.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
import re
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fond import synth_text as W
from mappings.errors import InputError

DEFINITE = re.compile(r"\b(?:Republic|Kingdom|Union|Federation|Empire|Emirate|Sultanate)\b")
TABLES = Path(__file__).resolve().parent.parent / "mappings" / "tables"
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
MONATE = [
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
    "Oktober", "November", "Dezember",
]  # fmt: skip
LAYOUTS = {  # layout -> weight (per 1,000 documents)
    "memo": 120,
    "letter": 110,
    "telegram": 110,
    "conversation": 100,
    "politburo": 80,
    "report": 120,
    "book_page": 60,
    "web_headnote": 50,
    "diary": 50,
    "theses": 40,
    "signed_note": 60,
    "salutation_letter": 40,
    "german_letter": 20,
    "french_note": 20,
    "russian_note": 20,
}
FOREIGN = {"german_letter", "french_note", "russian_note"}
VERSION_SHARE = 0.04  # an excerpt or reprint of an earlier document
BAD_SHARE = 0.003  # a file a build must skip
CATALOGUE_SHARE = 0.02  # a curator's record beside the text
MIN_BYTES, MAX_BYTES, MEDIAN_BYTES = 1_000, 20_000, 3_000


@dataclass(frozen=True)
class Tables:
    """Names the aligner knows, read once from mappings/tables."""

    states: tuple[tuple[str, str], ...]  # (demonym, state name)
    core: tuple[tuple[str, str], ...]  # the states a Cold War collection names most
    historical: tuple[tuple[str, int, int], ...]  # (label, valid from, valid to)
    people: tuple[tuple[str, ...], ...]  # (label, aliases...)
    organizations: tuple[str, ...]


@lru_cache(maxsize=1)
def tables() -> Tables:
    """The names the aligner knows, so that generated texts exercise real alignment."""
    with (TABLES / "demonyms.csv").open(encoding="utf-8", newline="") as f:
        states = tuple((r["demonym"], r["name"]) for r in csv.DictReader(f))
    historical, people, organizations = [], [], []
    with (TABLES / "entities.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            aliases = tuple(a for a in row["aliases"].split(";") if a)
            if row["kind"] == "person":
                people.append((row["label"], *aliases))
            elif row["kind"] == "organization":
                organizations.append(row["label"])
            elif row["subkind"] == "historical_state" and row["valid_from"] and row["valid_to"]:
                historical.append((row["label"], int(row["valid_from"]), int(row["valid_to"])))
    core = tuple(s for s in states if s[1] in W.CORE_STATES)
    return Tables(states, core, tuple(historical), tuple(people), tuple(organizations))


@dataclass
class Person:
    """A person as a text names them: in full, with initials, by surname."""

    full: str  # "Pavel Volkov"
    short: str  # "P. Volkov"
    surname: str


@dataclass
class Spec:
    """What one synthetic document says, before it is laid out."""

    index: int
    layout: str
    date: dt.date
    author: Person
    recipient: Person
    topic: str
    paragraphs: list[str]
    archive: str
    publication: tuple[str, str, str, str]
    translator: str
    version_of: int | None = None
    bad: str | None = None
    catalogue: bool = False
    extra: dict = field(default_factory=dict)


def _rng(seed: int, index: int, salt: str = "") -> random.Random:
    return random.Random(f"fond-synth:{seed}:{index}:{salt}")


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    total = sum(weights.values())
    pick = rng.randrange(total)
    for key, weight in weights.items():
        pick -= weight
        if pick < 0:
            return key
    raise AssertionError("unreachable")


def _date(rng: random.Random) -> dt.date:
    # Most collections of this kind centre on the late 1980s, with a tail back to 1945.
    year = 1991 - int(min(46, rng.expovariate(1 / 8)))
    return dt.date(year, rng.randint(1, 12), rng.randint(1, 28))


def _person(rng: random.Random, t: Tables) -> Person:
    if rng.random() < 0.3:
        names = rng.choice(t.people)
        full = names[0]
        surname = full.split()[-1]
        short = next((a for a in names[1:] if "." in a), f"{full[0]}. {surname}")
        return Person(full, short, surname)
    first, surname = rng.choice(W.FIRST_NAMES), rng.choice(W.SURNAMES)
    return Person(f"{first} {surname}", f"{first[0]}. {surname}", surname)


def _state(rng: random.Random, t: Tables, year: int) -> tuple[str, str]:
    """(demonym, name) of a state; now and then the full name of a regime of that year."""
    if rng.random() < 0.15:
        valid = [h for h in t.historical if h[1] <= year <= h[2]]
        if valid:
            label = rng.choice(valid)[0]
            return "", ("the " + label if DEFINITE.search(label) else label)
    if rng.random() < 0.7 and t.core:
        return rng.choice(t.core)
    return rng.choice(t.states)


def _fill(template: str, rng: random.Random, t: Tables, year: int) -> str:
    demonym, state = _state(rng, t, year)
    person = _person(rng, t)
    values = {
        "state": state,
        "demonym": demonym or rng.choice(t.states)[0],
        "person": person.full if rng.random() < 0.6 else person.short,
        "surname": person.surname,
        "org": rng.choice(t.organizations),
        "capital": W.CAPITALS.get(state, "Moscow"),
        "year": str(year + rng.randint(0, 2)),
        "early_year": str(year - rng.randint(1, 12)),
        "pct": str(rng.randint(12, 98)),
        "n": str(rng.randint(20, 900)),
        "m": str(rng.randint(2, 19)),
        "thing": rng.choice(W.THINGS),
        "state_ru": rng.choice(W.RUSSIAN_STATES),
    }
    return template.format(**values)


def _np(rng: random.Random) -> str:
    words = [rng.choice(W.ADJECTIVES), rng.choice(W.MODIFIERS), rng.choice(W.HEADS)]
    if rng.random() < 0.2:
        words.pop(0)
    return " ".join(words)


def _sentence(rng: random.Random, t: Tables, year: int) -> str:
    if rng.random() < 0.1:
        return _fill(rng.choice(W.NUMBER_SENTENCES), rng, t, year)
    subject = rng.choice(W.NAMED_SUBJECTS) if rng.random() < 0.5 else "the " + _np(rng)
    verb = rng.choice(W.LINKS).format(verb=rng.choice(W.VERBS))
    tail = rng.choice(W.TAILS).replace("{np}", _np(rng))
    text = _fill(f"{subject} {verb} the {_np(rng)}{tail}", rng, t, year)
    opener = rng.choice(W.OPENERS)
    text = opener + text if opener else text[:1].upper() + text[1:]
    return text + "."


def _foreign(rng: random.Random, t: Tables, year: int, lang: str, grammar: tuple) -> str:
    subject, adverb, verb, obj, tail = (rng.choice(chunks) for chunks in grammar)
    if lang == "ru":
        words = [subject, adverb, verb]
    else:  # the adverb after the finite verb: "verlangt erneut Klarheit über"
        first, _, rest = verb.partition(" ")
        words = [subject, first, adverb, rest] if rest else [subject, verb, adverb]
    return _fill(" ".join(words + [obj]) + tail, rng, t, year) + "."


def _paragraphs(rng: random.Random, t: Tables, year: int, size: int, lang: str) -> list[str]:
    grammar = W.FOREIGN.get(lang)
    out: list[str] = []
    total = 0
    while total < size:
        count = rng.randint(2, 6)
        if grammar:
            para = " ".join(_foreign(rng, t, year, lang, grammar) for _ in range(count))
        else:
            para = " ".join(_sentence(rng, t, year) for _ in range(count))
        out.append(para)
        total += len(para.encode("utf-8")) + 2
    return out


def _archive(rng: random.Random) -> str:
    name, short, pattern = rng.choice(W.ARCHIVES)
    first = rng.randint(10, 200)
    ref = pattern.format(
        f=rng.randint(1, 9000),
        o=rng.randint(1, 120),
        d=rng.randint(1, 2000),
        l=f"{first}-{first + rng.randint(1, 12)}",
    )
    return f"{name} ({short}), {ref}" if short else f"{name}, {ref}"


def _head(rng: random.Random) -> tuple[float, str]:
    """The first draws of a document: its kind (normal, version, bad) and its layout."""
    return rng.random(), _weighted(rng, LAYOUTS)


def spec(seed: int, index: int) -> Spec:
    """The document at ``index``: a pure function of the seed and the index."""
    t = tables()
    rng = _rng(seed, index)
    roll, layout = _head(rng)
    date = _date(rng)
    size = int(min(MAX_BYTES, max(MIN_BYTES, rng.lognormvariate(math.log(MEDIAN_BYTES), 0.6))))
    lang = {"german_letter": "de", "french_note": "fr", "russian_note": "ru"}.get(layout, "en")
    author, recipient = _person(rng, t), _person(rng, t)
    topic = _fill(rng.choice(W.TOPICS), rng, t, date.year)
    body = _paragraphs(rng, t, date.year, int(size * 0.8), lang)
    out = Spec(
        index,
        layout,
        date,
        author,
        recipient,
        topic,
        body,
        _archive(rng),
        rng.choice(W.PUBLICATIONS),
        rng.choice(W.TRANSLATORS),
    )
    if roll < BAD_SHARE:
        out.bad = rng.choice(["empty", "utf16", "latin1", "binary", "mojibake"])
    elif roll < BAD_SHARE + VERSION_SHARE and index >= 10:
        original = index - rng.randint(1, min(index, 60))
        base, base_layout = _head(_rng(seed, original))
        if base >= BAD_SHARE + VERSION_SHARE and base_layout not in FOREIGN:
            out.version_of = original
    out.catalogue = rng.random() < CATALOGUE_SHARE and out.bad is None
    return out


# ----------------------------------------------------------------------------- layouts


def _human(date: dt.date, style: int) -> str:
    month = MONTHS[date.month - 1]
    return [
        f"{month} {date.day}, {date.year}",
        f"{date.day} {month} {date.year}",
        f"{date.day:02d}.{date.month:02d}.{date.year}",
    ][style % 3]


def _wrap(paragraphs: list[str], rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:  # one line per paragraph (web pages)
        return "\n\n".join(paragraphs)
    if style == 1:  # hard wrap (typescripts)
        return "\n\n".join(textwrap.fill(p, 88) for p in paragraphs)
    if style == 2:  # PDF text: a blank line after every line, trailing spaces
        lines = [line + " " for p in paragraphs for line in textwrap.wrap(p, 92)]
        return "\n\n".join(lines)
    return "\n".join("\t" + textwrap.fill(p, 80) for p in paragraphs)  # tab indents


def _source_note(s: Spec) -> str:
    return f"[Source: {s.archive}. Translated by {s.translator}.]"


def _memo(s: Spec, rng: random.Random) -> str:
    word = rng.choice(["Memorandum", "Note", "Information"])
    title = (
        f"{word} from {s.author.full} to the CC CPSU Politburo on {s.topic}, {_human(s.date, 0)}"
    )
    return f"\n{title}\n\n{_wrap(s.paragraphs, rng)}\n\n{s.author.short}\n\n{_source_note(s)}\n"


def _letter(s: Spec, rng: random.Random) -> str:
    place = rng.choice(["Moscow", "Berlin", "Warsaw", "Prague", "Sofia"])
    head = " " * 56 + f"{place}, {_human(s.date, 1)}"
    address = f"To the General Secretary\nComrade {s.recipient.short.upper()}"
    body = _wrap(s.paragraphs, rng)
    close = rng.choice(["With comradely greetings,", "Sincerely yours,", "Respectfully,"])
    return (
        f"{head}\n\n{address}\n\nDear Comrade {s.recipient.surname},\n\n{body}\n\n{close}\n\n"
        f"{s.author.short}\n\n{_source_note(s)}\n"
    )


def _telegram(s: Spec, rng: random.Random) -> str:
    number = 10 + s.index % 380
    city = rng.choice(["Moscow", "Warsaw", "Budapest", "Prague", "Bonn"])
    paras = "\n\n".join(f"{i}. {p}" for i, p in enumerate(s.paragraphs, start=2))
    text = (
        "Office of the Historian › Historical Documents › Foreign Relations of the United"
        f" States, 1981–1988 › Document {number}\n\n‹ Previous   Next ›\n\n"
        f"{number}. Telegram From the Embassy in {city} to the Department of State1\n\n"
        f"{city}, {_human(s.date, 0)}, {rng.randint(10, 23)}{rng.randint(0, 59):02d}Z.\n\n"
        f"{rng.randint(1000, 9999)}. Subject: {s.topic}.\n\n1. Confidential—Entire text.\n\n"
        f"{paras}\n\n{s.author.surname}\n\n1 Source: Department of State, Central Foreign"
        f" Policy File, D{rng.randint(800000, 899999)}. Confidential. Drafted by"
        f" {s.recipient.full}.\n"
    )
    return text.replace("\n", "\r\n") if rng.random() < 0.3 else text


def _conversation(s: Spec, rng: random.Random) -> str:
    speakers = [s.author, s.recipient]
    turns = []
    for i, p in enumerate(s.paragraphs):
        who = speakers[i % 2]
        label = who.surname.upper() if rng.random() < 0.5 else who.surname
        turns.append(f"{label}: {p}")
    note_taker = _person(rng, tables())
    return (
        f"RECORD OF CONVERSATION\nbetween {s.author.short} and {s.recipient.short}\n\n"
        f"Moscow, the Kremlin, {_human(s.date, 1)}\n\n"
        f"Participants: {s.author.short}, {s.recipient.short}, {note_taker.short}.\n\n"
        + "\n\n".join(turns)
        + f"\n\nRecorded by {note_taker.short}\n\n{_source_note(s)}\n"
    )


def _politburo(s: Spec, rng: random.Random) -> str:
    people = [_person(rng, tables()) for _ in range(4)] + [s.author]
    turns = [
        f"{people[i % len(people)].surname.upper()}. {p}" if i % 3 else f"{p}"
        for i, p in enumerate(s.paragraphs)
    ]
    return (
        f"Notes of a Meeting of the CC CPSU Politburo\n\n{_human(s.date, 2)}\n\n"
        f"Working notes of {s.author.full}\n\n"
        f"Present: {', '.join(p.short for p in people)}.\n\n1. On {s.topic}\n\n"
        + "\n\n".join(turns)
        + f"\n\n{_source_note(s)}\n"
    )


def _report(s: Spec, rng: random.Random) -> str:
    paras = "\n\n".join(f"{i}. {p}" for i, p in enumerate(s.paragraphs, start=1))
    return (
        f"REPORT\non {s.topic},\n{MONTHS[s.date.month - 1]} {s.date.year}\n\n"
        f"To the {rng.choice(tables().organizations)}\nComrade {s.recipient.short.upper()}\n\n"
        f"{paras}\n\nHead of Department{' ' * 30}{s.author.short.upper()}\n\n"
        f"{_source_note(s)}\n"
    )


def _book_page(s: Spec, rng: random.Random) -> str:
    title, publisher, _, year = s.publication
    paras = "\n\n".join(f"{i}{p}" for i, p in enumerate(s.paragraphs, start=2))
    editors = "\n".join(p.full for p in (_person(rng, tables()), _person(rng, tables())))
    return (
        f"OpenArchive Books\nAccueil › Catalogue › {title}\n\n{title}\n\nEdited by\n{editors}\n\n\n"
        f"Document No. {1 + s.index % 90}: {rng.choice(list(W.DOCUMENT_WORDS.values()))} of"
        f" {s.author.full} on {s.topic}, {_human(s.date, 0)}\n\n"
        f"Traduction de {s.translator}\n\nTexte intégral\n\n{paras}\n\nNotes\n\n"
        f"  • 1 {_source_note(s)[1:-1]}.\n\nPlan\nCiter ce document\n"
        f"‹ Document précédent | Document suivant ›\n\n© {publisher}, {year}\n"
    )


def _web_headnote(s: Spec, rng: random.Random) -> str:
    kind = rng.choice(["letter", "memorandum", "report"])
    return (
        f"Primary Sources\n\nSoviets Discuss {s.topic}\n\n\n"
        f"In this {kind} to {s.recipient.full} dated {_human(s.date, 0)}, {s.author.full}"
        " revealed his views about the questions of the day. This document serves as an"
        " example of the discussions of the period.\n\n\n"
        f"{s.author.full} to {s.recipient.full}, {_human(s.date, 1)}, Cold War International"
        " History Project, Documents and Papers, CWIHP.\n\nPrimary Source—Excerpt\n\n"
        + "\n\n".join(s.paragraphs)
        + "\n\nHow to Cite this Source\n\n"
        f'"{s.author.surname} to {s.recipient.surname}," Making the History of 1989,'
        f" Item #{s.index % 400}.\n"
    )


def _diary(s: Spec, rng: random.Random) -> str:
    return (
        f"Diary of {s.author.full}\n\n{_human(s.date, 1)}\n\n{_wrap(s.paragraphs, rng)}\n\n"
        f"[Translated by {s.translator}.]\n"
    )


def _theses(s: Spec, rng: random.Random) -> str:
    items = "\n\n".join(
        f" {i}.  " + textwrap.fill(p, 86, subsequent_indent="     ")
        for i, p in enumerate(s.paragraphs, start=1)
    )
    return f"THESES\non {s.topic}\n\n{items}\n\n* * *\n"


def _signed_note(s: Spec, rng: random.Random) -> str:
    pad = " " * 60
    return f"{_wrap(s.paragraphs, rng)}\n\n{pad}{s.author.short}\n{pad}{_human(s.date, 2)}\n"


def _salutation_letter(s: Spec, rng: random.Random) -> str:
    first = s.recipient.full.split()[0]
    body = "\n".join(
        " " + line + " " for line in textwrap.fill(" ".join(s.paragraphs), 88).split("\n")
    )
    return (
        f" {first} {rng.choice(['Sergeevich', 'Andreevich', 'Ivanovich'])}! \n \n{body}\n \n"
        f" {s.author.short} \n {s.date.day}.{ROMAN[s.date.month - 1]}.{s.date.year} \n"
        f"\n{_source_note(s)}\n"
    )


def _german_letter(s: Spec, rng: random.Random) -> str:
    return (
        f"Brief an {s.recipient.full}\n\nLieber Genosse {s.recipient.surname}!\n\n"
        + "\n\n".join(s.paragraphs)
        + f"\n\nMit kommunistischem Gruß\n\n{s.author.short}\n\n"
        f"Berlin, den {s.date.day}. {MONATE[s.date.month - 1]} {s.date.year}\n"
    )


def _french_note(s: Spec, rng: random.Random) -> str:
    mois = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
            "septembre", "octobre", "novembre", "décembre"]  # fmt: skip
    return (
        "MINISTÈRE DES RELATIONS EXTÉRIEURES\nDirection d'Europe\n\n"
        f"Paris, le {s.date.day} {mois[s.date.month - 1]} {s.date.year}\n\nN O T E\n\n"
        f"Objet : {s.topic}\n\n" + "\n\n".join(s.paragraphs) + "\n"
    )


def _russian_note(s: Spec, rng: random.Random) -> str:
    mesyats = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
               "сентября", "октября", "ноября", "декабря"]  # fmt: skip
    return (
        "Секретно\n\nЦК КПСС\n\nО положении в социалистических странах\n\n"
        + "\n\n".join(s.paragraphs)
        + f"\n\n{s.author.short}\n\n{s.date.day} {mesyats[s.date.month - 1]} {s.date.year} г.\n"
    )


RENDER = {
    "memo": _memo,
    "letter": _letter,
    "telegram": _telegram,
    "conversation": _conversation,
    "politburo": _politburo,
    "report": _report,
    "book_page": _book_page,
    "web_headnote": _web_headnote,
    "diary": _diary,
    "theses": _theses,
    "signed_note": _signed_note,
    "salutation_letter": _salutation_letter,
    "german_letter": _german_letter,
    "french_note": _french_note,
    "russian_note": _russian_note,
}
COLLECTIONS = {
    "telegram": "frus",
    "book_page": "books",
    "web_headnote": "web",
    "german_letter": "sapmo",
    "french_note": "mae",
    "russian_note": "rgani",
}


def _bad(kind: str, text: str) -> bytes:
    if kind == "empty":
        return b"  \n"
    if kind == "utf16":
        return text.encode("utf-16")
    if kind == "latin1":
        return ("Note de la Direction d'Europe, Paris, le 3 février\n\n" + text).encode(
            "cp1252", "replace"
        )
    if kind == "binary":
        return b"%PDF-1.4\n\x00\x00\x01" + text.encode("utf-8")[:200]
    return ("Minister’s note\n\n" + text).encode("utf-8").decode("cp1252", "replace").encode()


def render(seed: int, index: int) -> tuple[str, bytes, str | None]:
    """(relative path, file bytes, catalogue record or None) of document ``index``."""
    s = spec(seed, index)
    rng = _rng(seed, index, "layout")
    if s.version_of is not None:
        original = spec(seed, s.version_of)
        start = rng.randrange(max(1, len(original.paragraphs) - 1))
        excerpt = replace_paragraphs(original, original.paragraphs[start : start + 4])
        layout = rng.choice(["web_headnote", "book_page"])
        text = RENDER[layout](excerpt, rng)
    else:
        layout = s.layout
        text = RENDER[layout](s, rng)
    collection = COLLECTIONS.get(layout, "nsa")
    path = f"{collection}/{s.date.year}/{index:07d}.txt"
    data = _bad(s.bad, text) if s.bad else text.encode("utf-8")
    return path, data, _catalogue(s, rng) if s.catalogue else None


def replace_paragraphs(s: Spec, paragraphs: list[str]) -> Spec:
    """The same document with other paragraphs: an excerpt keeps its original's words."""
    return Spec(**{**s.__dict__, "paragraphs": paragraphs})


def _catalogue(s: Spec, rng: random.Random) -> str:
    archive, _, ref = s.archive.partition(", ")
    name = archive.split(" (")[0]
    kind = rng.choice(["memorandum", "report", "letter", "telegram"])
    return (
        f'type = "{kind}"\ndate = "{s.date.isoformat()}"\nauthors = ["{s.author.full}"]\n'
        f'[[archives]]\narchive = "{name}"\nfond = "{s.index % 900 + 1}"\n'
        f'delo = "{s.index % 77 + 1}"\n[curator]\nname = "Synthetic Curator"\n'
        'note = "generated by publish.py synth"\n'
    )


def generate(count: int, out: Path, seed: int = 0) -> dict[str, int]:
    """Write ``count`` documents under ``out`` (which must be empty or absent)."""
    if count < 0:
        raise InputError(f"synth: the number of documents must be positive, got {count}")
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out}: not empty; synth writes into an empty or new folder")
    stats = {"documents": 0, "bytes": 0, "bad": 0, "versions": 0, "catalogue": 0}
    for index in range(count):
        path, data, catalogue = render(seed, index)
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if catalogue is not None:
            target.with_suffix(".toml").write_text(catalogue, encoding="utf-8")
            stats["catalogue"] += 1
        s = spec(seed, index)
        stats["documents"] += 1
        stats["bytes"] += len(data)
        stats["bad"] += s.bad is not None
        stats["versions"] += s.version_of is not None
    (out / "collection.toml").write_text(
        f'title = "Synthetic Cold War documents (seed {seed})"\n'
        f'description = "{count} documents generated by publish.py synth for scale tests."\n'
        'publisher = "Fond"\nlicence = "https://creativecommons.org/publicdomain/zero/1.0/"\n'
        'text_rights = "Invented texts; CC0."\nkeywords = ["synthetic"]\nlanguage = "en"\n',
        encoding="utf-8",
    )
    return stats


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    """``publish.py synth N --out DIR [--seed S]``."""
    parser = sub.add_parser(
        "synth",
        help="write N synthetic documents (realistic layouts, a few bad files) for scale tests",
        description="Write N synthetic documents into an empty folder. The same N and seed"
        " always give byte-identical files; the first documents of a larger corpus are the"
        " smaller corpus.",
    )
    parser.add_argument("count", type=int, help="number of documents")
    parser.add_argument("--out", type=Path, required=True, help="an empty or new folder")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    stats = generate(args.count, args.out, args.seed)
    print(
        f"{args.out}: {stats['documents']:,} documents ({stats['bytes'] / 1e6:,.1f} MB),"
        f" {stats['versions']} versions of earlier ones, {stats['catalogue']} catalogue"
        f" records, {stats['bad']} bad files (seed {args.seed})"
    )
    return 0
