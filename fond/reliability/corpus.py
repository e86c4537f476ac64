"""What the reliability cases feed Fond: generated documents and corpora, hostile strings,
TOML catalogue records, and the bad and repairable corpus files (BAD_FILES, ACCEPTED_FILES)
with the message each must produce."""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COLLECTION = (
    'title = "Reliability test collection"\n'
    'description = "Generated documents for the reliability cases."\n'
)

PEOPLE = [
    "Mikhail Gorbachev",
    "Erich Honecker",
    "Anatoly Chernyaev",
    "Georgy Shakhnazarov",
    "Wojciech Jaruzelski",
    "Todor Zhivkov",
    "Janos Kadar",
]

STATES = ["Poland", "Hungary", "the GDR", "Bulgaria", "Czechoslovakia", "Romania", "Cuba"]

WORDS = [
    "economic", "cooperation", "plan", "deliveries", "oil", "meeting", "party", "plenum",
    "congress", "reform", "question", "policy", "allies", "friends", "council", "program",
    "treaty", "negotiations", "leadership", "comrades", "trade", "credit", "debt", "industry",
    "agriculture", "workers", "security", "army", "delegation", "visit", "proposal",
]  # fmt: skip

MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip


def document(rng: random.Random, i: int, lines: tuple[str, ...] = ()) -> str:
    """A small letter that reads cleanly; ``lines`` are put into its body."""
    a, b = rng.sample(PEOPLE, 2)
    date = f"{MONTHS[rng.randrange(12)]} {rng.randint(1, 28)}, {rng.randint(1985, 1989)}"
    paragraphs = []
    for _ in range(rng.randint(2, 3)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(25, 45))]
        words.insert(rng.randrange(len(words)), "in " + rng.choice(STATES))
        paragraphs.append(" ".join(words).capitalize() + ".")
    paragraphs[1:1] = list(lines)
    signature = f"{b.split()[-1]}, no. {i}"
    return f"Letter from {a} to {b}, {date}\n\n" + "\n\n".join(paragraphs) + f"\n\n{signature}\n"


def make_corpus(
    folder: Path, n: int, seed: int = 1, order: str = "forward", extras: bool = True
) -> list[str]:
    """``n`` generated documents (some in sub-folders, some with catalogue records), written
    in the given order ('forward', 'reverse' or 'shuffle'); returns their relative names."""
    rng = random.Random(seed)
    files: dict[str, str] = {"collection.toml": COLLECTION}
    for i in range(n):
        name = f"letters/{1985 + i % 5}/doc-{i:03d}.txt" if extras and i % 4 == 0 else None
        name = name or f"doc-{i:03d}.txt"
        files[name] = document(rng, i)
        if extras and i % 7 == 0:
            files[name[:-4] + ".toml"] = catalogue_record(
                {
                    "title": f'Letter no. {i} "on {rng.choice(STATES)}" <draft> \\ # {i}',
                    "authors": [rng.choice(PEOPLE)],
                    "sources": [{"title": "Documents on relations", "year": 1990 + i % 9}],
                }
            )
    names = sorted(files)
    if order == "reverse":
        names.reverse()
    elif order == "shuffle":
        random.Random(seed + 1).shuffle(names)
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[name], encoding="utf-8")
    return sorted(n for n in files if n.endswith(".txt"))


FRAGMENTS = [
    '"',
    '"""',
    "'''",
    "'",
    "<",
    ">",
    "<script>alert(1)</script>",
    "\\",
    "\\n",
    '\\"',
    "\n",
    "\t",
    "#",
    "# not a comment",
    "@prefix ex: <http://evil.example/> .",
    "^^xsd:string",
    '"@en',
    "_:b0",
    "<http://evil.example/x>",
    '> .\n<http://evil.example/s> <http://evil.example/p> "',
    '"}, {"@id": "http://evil.example/"',
    "@context",
    "@id",
    "{",
    "}",
    "[",
    "]",
    "&amp;",
    "%20",
    "%",
    "?",
    "/../",
    "..",
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u2066",  # left-to-right isolate
    "\u200b",  # zero width space
    "\u00a0",  # no-break space
    "\ufeff",  # BOM as a character
    "\u2028",  # line separator
    "G\u043erbachev",  # Cyrillic o: a look-alike
    "\uff27\uff4f\uff52\uff42\uff41\uff43\uff48\uff45\uff56",  # fullwidth Gorbachev
    "\ufb01",  # fi ligature
    "\u216b",  # roman numeral twelve
    "Ceau\u0219escu",
    "Ceaus\u0326escu",  # decomposed: NFC differs
    "\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432",  # Ivan Petrov
    "\u6bdb\u6cfd\u4e1c",  # Mao Zedong
    "\u0645\u0635\u0631",  # Arabic (right to left)
    "\U0001f600",
    "\U0001d400",
    "O'Brien",
    "Wa\u0142\u0119sa",
]


def hostile_string(rng: random.Random, parts: int = 4) -> str:
    """A non-blank string of hostile fragments and plain words (no forbidden controls)."""
    pieces = [rng.choice(FRAGMENTS) for _ in range(rng.randint(1, parts))]
    pieces.insert(rng.randrange(len(pieces) + 1), rng.choice(WORDS).capitalize())
    return "".join(pieces)


def toml_string(value: str) -> str:
    """A TOML basic string holding exactly ``value``."""
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(value)


def catalogue_record(fields: dict[str, Any]) -> str:
    """TOML for a catalogue record: scalars and lists, then [[sources]], [[archives]],
    [curator] (lists of dicts / a dict)."""
    lines = []
    tables = []
    for key, value in fields.items():
        if isinstance(value, dict):
            tables.append((f"[{key}]", value))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            tables.extend((f"[[{key}]]", item) for item in value)
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    for header, table in tables:
        lines.append(header)
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class BadFile:
    """A corpus file Fond must refuse: the message must name ``shown`` (and ``line``)."""

    case: str
    shown: str  # the name the message starts with
    expect: str  # a phrase of the message
    write: Callable[[Path], None]
    line: int | None = None


def _text(name: str, data: bytes | str) -> Callable[[Path], None]:
    def write(corpus: Path) -> None:
        path = corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    return write


def _with_catalogue(name: str, record: bytes | str) -> Callable[[Path], None]:
    def write(corpus: Path) -> None:
        _text(name + ".txt", document(random.Random(name), 0))(corpus)
        _text(name + ".toml", record)(corpus)

    return write


def _sparse(name: str, size: int) -> Callable[[Path], None]:
    def write(corpus: Path) -> None:
        with (corpus / name).open("wb") as f:
            f.truncate(size)  # a hole: 200 MB on paper, nothing on disk

    return write


def _one_line(name: str, size: int) -> Callable[[Path], None]:
    def write(corpus: Path) -> None:
        with (corpus / name).open("w", encoding="utf-8") as f:
            f.write("Scraped page\n\n")
            chunk = "word " * 200_000
            written = 0
            while written < size:
                f.write(chunk)
                written += len(chunk)
            f.write("\n")

    return write


def _link_out(name: str) -> Callable[[Path], None]:
    def write(corpus: Path) -> None:
        secret = corpus.parent / "outside-the-corpus.txt"
        secret.write_text("Secret memo\n\nTOP-SECRET-CONTENT must never be published.\n")
        (corpus / name).symlink_to(secret)

    return write


def _two(first: str, second: str) -> Callable[[Path], None]:
    def write(corpus: Path) -> None:
        rng = random.Random(first)
        (corpus / first).write_text(document(rng, 1), encoding="utf-8")
        (corpus / second).write_text(document(rng, 2), encoding="utf-8")

    return write


def _same_catalogue_id(a: str, b: str) -> Callable[[Path], None]:
    def write(corpus: Path) -> None:
        for name in (a, b):
            _with_catalogue(name, 'id = "same-id"\n')(corpus)

    return write


def _bytes_name(raw: bytes) -> Callable[[Path], None]:
    def write(corpus: Path) -> None:
        with open(os.fsencode(corpus) + b"/" + raw, "wb") as f:
            f.write(document(random.Random(1), 0).encode("utf-8"))

    return write


LETTER = "Letter from Erich Honecker to Mikhail Gorbachev, 3 May 1987\n\nDear comrade,\n"

BAD_FILES: list[BadFile] = [
    BadFile("empty file", "empty.txt", "the file is empty", _text("empty.txt", b"")),
    BadFile("only blanks", "blank.txt", "the file is empty", _text("blank.txt", " \n\n\t\n")),
    BadFile(
        "binary (NUL bytes)",
        "binary.txt",
        "binary",
        _text("binary.txt", bytes(range(256)) * 8),
    ),
    BadFile(
        "PDF saved as .txt",
        "scan.txt",
        "is a PDF file",
        _text("scan.txt", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
    ),
    BadFile(
        "Word .docx saved as .txt",
        "word.txt",
        "ZIP archive",
        _text("word.txt", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40),
    ),
    BadFile(
        "JPEG scan saved as .txt",
        "page.txt",
        "JPEG image",
        _text("page.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 40),
    ),
    BadFile(
        "UTF-16 with BOM",
        "utf16.txt",
        "UTF-16, not UTF-8",
        _text("utf16.txt", (LETTER + "Polish\n").encode("utf-16")),
    ),
    BadFile(
        "UTF-16 without BOM",
        "utf16le.txt",
        "UTF-16 without a byte order mark",
        _text("utf16le.txt", (LETTER + "Polish\n").encode("utf-16-le")),
    ),
    BadFile(
        "UTF-32",
        "utf32.txt",
        "UTF-32",
        _text("utf32.txt", (LETTER + "Polish\n").encode("utf-32")),
    ),
    BadFile(
        "Latin-1 instead of UTF-8",
        "latin1.txt",
        "byte 0xe9 is not UTF-8",
        _text("latin1.txt", (LETTER + "Caf\u00e9 on Unter den Linden\n").encode("latin-1")),
        line=4,
    ),
    BadFile(
        "Windows-1252 quotes",
        "cp1252.txt",
        "byte 0x93 is not UTF-8",
        _text("cp1252.txt", (LETTER + "the \u201cfriends\u201d\n").encode("cp1252")),
        line=4,
    ),
    BadFile(
        "mojibake (UTF-8 read as Windows-1252)",
        "mojibake.txt",
        "looks like mojibake",
        _text("mojibake.txt", LETTER + "\nthe Congress\u00e2\u20ac\u2122 resolutions\n"),
        line=5,
    ),
    BadFile(
        "control character (BEL)",
        "bell.txt",
        "control character U+0007",
        _text("bell.txt", LETTER + "ring\x07ring\n"),
        line=4,
    ),
    BadFile(
        "200 MB file",
        "huge.txt",
        "200 MB, over the 50 MB limit",
        _sparse("huge.txt", 200 * 1000 * 1000),
    ),
    BadFile(
        "one 5 MB line",
        "oneline.txt",
        "characters long",
        _one_line("oneline.txt", 5_000_000),
        line=3,
    ),
    BadFile(
        "file name not UTF-8 (Latin-1)",
        "caf\\xe9.txt",
        "the file name is not UTF-8",
        _bytes_name(b"caf\xe9.txt"),
    ),
    BadFile(
        "newline in the file name",
        "scraped\\npage.txt",
        "control character U+000A",
        _text("scraped\npage.txt", LETTER),
    ),
    BadFile(
        "right-to-left override in the file name",
        "memo\\u202etxt.exe.txt",
        "bidirectional control character U+202E",
        _text("memo\u202etxt.exe.txt", LETTER),
    ),
    BadFile(
        "link to a file outside the corpus",
        "leak.txt",
        "outside the corpus",
        _link_out("leak.txt"),
    ),
    BadFile(
        "file name without Latin letters, no catalogue id",
        "\u041b\u0438\u0441\u0442.txt",
        "cannot make an identifier",
        _text("\u041b\u0438\u0441\u0442.txt", LETTER),
    ),
    BadFile(
        "folder named like a minted sub-IRI",
        "x/evidence/title.txt",
        "is reserved",
        _text("x/evidence/title.txt", LETTER),
    ),
    BadFile(
        "two files, one document IRI",
        "Letter-1.txt",
        "is already used by Letter 1.txt",
        _two("Letter 1.txt", "Letter-1.txt"),
    ),
    BadFile(
        "two catalogue records, one id",
        "cat-id-b.txt",
        "is already used by cat-id-a.txt",
        _same_catalogue_id("cat-id-a", "cat-id-b"),
    ),
    BadFile(
        "catalogue: malformed TOML",
        "cat-toml.toml",
        "not valid TOML",
        _with_catalogue("cat-toml", 'title = "Memo"\nauthors = ["Gorbachev]\n'),
        line=2,
    ),
    BadFile(
        "catalogue: unknown field",
        "cat-field.toml",
        "unknown field(s) titel",
        _with_catalogue("cat-field", 'date = "1988-12"\ntitel = "Memo"\n'),
        line=2,
    ),
    BadFile(
        "catalogue: wrong type",
        "cat-type.toml",
        "authors must be a list of names",
        _with_catalogue("cat-type", 'authors = "Anatoly Chernyaev"\n'),
        line=1,
    ),
    BadFile(
        "catalogue: control character",
        "cat-ctl.toml",
        "control character U+0007",
        _with_catalogue("cat-ctl", 'date = "1988"\ntitle = "Memo\\u0007"\n'),
        line=2,
    ),
    BadFile(
        "catalogue: mojibake",
        "cat-moji.toml",
        "looks like mojibake",
        _with_catalogue("cat-moji", 'authors = ["Nicolae Ceau\u00c8\u2122escu"]\n'),
        line=1,
    ),
    BadFile(
        "catalogue: not UTF-8",
        "cat-latin1.toml",
        "byte 0xe9 is not UTF-8",
        _with_catalogue("cat-latin1", 'date = "1988"\ntitle = "Caf\u00e9"\n'.encode("latin-1")),
        line=2,
    ),
    BadFile(
        "catalogue: bad url",
        "cat-url.toml",
        "is not an absolute http(s) address",
        _with_catalogue(
            "cat-url", '[[sources]]\ntitle = "Site"\nurl = "http://example.org/a doc>"\n'
        ),
        line=3,
    ),
    BadFile(
        "catalogue: bad year",
        "cat-year.toml",
        "is not a year",
        _with_catalogue("cat-year", '[[sources]]\ntitle = "Book"\nyear = "c. 2010"\n'),
        line=3,
    ),
    BadFile(
        "catalogue: bad date",
        "cat-date.toml",
        "is not a date Fond can read",
        _with_catalogue("cat-date", 'date = "1871-13-45"\n'),
        line=1,
    ),
]


@dataclass(frozen=True)
class AcceptedFile:
    """Input Fond repairs and publishes, with a warning naming the file."""

    case: str
    shown: str
    warning: str  # a phrase of the warning ('' when none is due)
    write: Callable[[Path], None]


ACCEPTED_FILES: list[AcceptedFile] = [
    AcceptedFile(
        "UTF-8 with a BOM",
        "bom.txt",
        "byte order mark was removed",
        _text("bom.txt", b"\xef\xbb\xbf" + LETTER.encode() + b"On Poland.\n"),
    ),
    AcceptedFile(
        "Windows line endings",
        "crlf.txt",
        "line endings were converted",
        _text("crlf.txt", (LETTER + "On Hungary.\n").replace("\n", "\r\n").encode()),
    ),
    AcceptedFile(
        "right-to-left override in the text",
        "rlo.txt",
        "bidirectional control character U+202E",
        _text("rlo.txt", LETTER + "Signed \u202eveahcabroG\u202c.\n"),
    ),
    AcceptedFile(
        "file name without Latin letters, catalogue id",
        "\u041f\u0438\u0441\u044c\u043c\u043e.txt",
        "",
        _with_catalogue("\u041f\u0438\u0441\u044c\u043c\u043e", 'id = "pismo-1987"\n'),
    ),
    AcceptedFile(
        "file name with '..'",
        "draft..v2.txt",
        "",
        _text("draft..v2.txt", LETTER + "On Cuba.\n"),
    ),
]


def hostile_corpus(folder: Path, rng: random.Random, n: int) -> dict[str, dict[str, Any]]:
    """``n`` documents whose catalogue records, texts and file names are full of hostile
    strings; returns, per text id, the values each must carry into the graph."""
    from mappings.read import text_id_for

    expected: dict[str, dict[str, Any]] = {}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "collection.toml").write_text(COLLECTION, encoding="utf-8")
    for i in range(n):
        values = {
            "title": hostile_string(rng),
            "rights": hostile_string(rng),
            "source": hostile_string(rng),
            "series": hostile_string(rng),
            "pages": hostile_string(rng, 2),
            "fond": hostile_string(rng, 2),
            "note": hostile_string(rng),
        }
        record = {
            "title": values["title"],
            "rights": values["rights"],
            "authors": [hostile_string(rng, 2), rng.choice(PEOPLE)],
            "recipients": [hostile_string(rng, 2)],
            "translators": [hostile_string(rng, 2)],
            "sources": [
                {
                    "title": values["source"],
                    "series": values["series"],
                    "pages": values["pages"],
                    "publisher": hostile_string(rng, 2),
                    "place": hostile_string(rng, 2),
                    "creators": [hostile_string(rng, 2)],
                    "year": 1990 + i % 20,
                    "url": "https://example.org/doc?id=" + str(i) + "&q=%22x%22#p" + str(i),
                }
            ],
            "archives": [{"archive": hostile_string(rng, 2), "fond": values["fond"]}],
            "curator": {"name": hostile_string(rng, 2), "note": values["note"]},
        }
        lines = tuple(hostile_string(rng, 6) for _ in range(3))
        text = document(rng, i, lines)
        # Hostile, but not what a file name may not hold (see BAD_FILES): controls, '/',
        # line separators, bidirectional controls.
        name = re.sub(
            r"[\x00-\x1f\x7f/\\\x85\u2028\u2029\u202a-\u202e\u2066-\u2069]",
            "_",
            f"{i:03d} {hostile_string(rng, 2)[:16]}",
        )
        relative = Path("hostile", name.rstrip(". ") + ".txt")
        if i % 2:  # the text id comes from the file name, else from the record
            record["id"] = f"hostile-{i:03d}"
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.with_suffix(".toml").write_text(catalogue_record(record), encoding="utf-8")
        expected[record.get("id") or text_id_for(relative)] = {**values, "text": text}
    return expected
