"""``python publish.py reliability``: run the hostile-input and fault cases, print the table.

Every case runs in a temporary folder (nothing in the project is touched, nothing goes to
the network: the only server is one this module starts on 127.0.0.1) and is checked
against what the README promises. The table printed is the README's "Reliability" table:
what was tried, how many cases, what happened. Exit 0 when every case behaved as
documented, 1 otherwise. ``--quick`` runs fewer generated cases and skips the kill test.

The generators here (corpus documents, hostile strings, bad files, a scripted HTTP server,
the kill and determinism runs) are shared with the tests (tests/test_hostile_*.py).
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = [
    "dataset.nt",
    "dataset.ttl",
    "dataset.jsonld",
    "void.ttl",
    "context.jsonld",
    "validation-report.txt",
    "validation-report.ttl",
    "alignment-report.csv",
]
COLLECTION = (
    'title = "Reliability test collection"\n'
    'description = "Generated documents for the reliability cases."\n'
)

# ----------------------------------------------------------------------------- documents

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


# ----------------------------------------------------------------------------- hostile strings

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


# ----------------------------------------------------------------------------- bad files


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


# ----------------------------------------------------------------------------- running builds


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``publish.py argv`` in this process; returns (exit code, stdout, stderr)."""
    from fond.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def build_argv(corpus: Path, out: Path, *extra: str) -> list[str]:
    return ["build", "--corpus", str(corpus), "--out", str(out), "--no-progress", *extra]


def run_subprocess(
    corpus: Path, out: Path, workers: int = 1, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, str(ROOT / "publish.py"), *build_argv(corpus, out)]
    return subprocess.run(
        [*argv, "--workers", str(workers)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def snapshot(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in PUBLISHED if (out / name).is_file()}


def leftovers(out: Path) -> list[str]:
    """Anything in the output folder that is not a published file (temp files, staging)."""
    return sorted(p.name for p in out.iterdir() if p.name not in PUBLISHED)


def skipped_lines(stdout: str) -> list[str]:
    return [line[len("skipped:") :].strip() for line in stdout.splitlines() if "skipped:" in line]


# ----------------------------------------------------------------------------- checking dumps


def iri_validator() -> tuple[str, Callable[[str], bool]]:
    """RFC 3987 'IRI' rule (the rfc3987 package when installed) and pyoxigraph's parser."""
    from pyoxigraph import NamedNode

    def oxigraph_ok(iri: str) -> bool:
        try:
            NamedNode(iri)
        except ValueError:
            return False
        return True

    try:
        import rfc3987

        return "rfc3987 + pyoxigraph", lambda iri: bool(
            rfc3987.match(iri, rule="IRI") and oxigraph_ok(iri)
        )
    except ImportError:
        return "pyoxigraph", oxigraph_ok


def check_dumps(out: Path) -> tuple[list[str], dict[str, int]]:
    """Problems with the dumps in ``out`` (empty when fine) and counts.

    Each dump is parsed by pyoxigraph (a strict parser: the W3C suites pass); the three
    give the same triples; pyld's expansion of the JSON-LD with the offline loader gives
    the same graph as the N-Triples; every IRI is valid; there are no blank nodes.
    """
    import pyoxigraph as ox
    from rdflib import Graph

    from fond.readdump import jsonld_to_graph

    problems: list[str] = []
    parsed: dict[str, set[str]] = {}
    formats = {
        "dataset.nt": ox.RdfFormat.N_TRIPLES,
        "dataset.ttl": ox.RdfFormat.TURTLE,
        "dataset.jsonld": ox.RdfFormat.JSON_LD,
    }
    for name, fmt in formats.items():
        try:
            parsed[name] = {str(t) for t in ox.parse(path=str(out / name), format=fmt)}
        except (SyntaxError, ValueError, OSError) as error:
            problems.append(f"{name}: pyoxigraph cannot parse it: {error}")
    if (
        len(parsed) == 3
        and not parsed["dataset.nt"] == parsed["dataset.ttl"] == (parsed["dataset.jsonld"])
    ):
        problems.append("the Turtle, N-Triples and JSON-LD dumps hold different triples")
    try:
        from_jsonld = jsonld_to_graph(json.loads((out / "dataset.jsonld").read_bytes()))
        from_nt = Graph().parse(out / "dataset.nt", format="nt")
        if set(from_jsonld) != set(from_nt):
            problems.append(
                f"pyld's expansion of dataset.jsonld differs from dataset.nt"
                f" ({len(set(from_jsonld) ^ set(from_nt))} triples)"
            )
    except Exception as error:  # noqa: BLE001 - reported as a problem of the dump
        problems.append(f"dataset.jsonld: pyld cannot expand it: {error}")
    name, valid = iri_validator()
    iris: set[str] = set()
    blank = 0
    for triple in ox.parse(path=str(out / "dataset.nt"), format=ox.RdfFormat.N_TRIPLES):
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.BlankNode):
                blank += 1
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    bad = sorted(iri for iri in iris if not valid(iri))
    if bad:
        problems.append(f"{len(bad)} IRIs are not valid ({name}), e.g. {bad[0]!r}")
    if blank:
        problems.append(f"{blank} blank nodes")
    return problems, {"triples": len(parsed.get("dataset.nt", ())), "iris": len(iris)}


# ----------------------------------------------------------------------------- query scan

QUERY_WORDS = re.compile(
    r"\b(?:SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE|WHERE|FILTER|SERVICE|UPDATE|VALUES)\b"
)


def _constant_text(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_constant_text(v) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _constant_text(node.left) + _constant_text(node.right)
    return ""


def _is_constant(node: ast.AST) -> bool:
    """A literal, or a module constant (UPPER_CASE name): not text from a user."""
    if isinstance(node, ast.FormattedValue):
        return _is_constant(node.value)
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id.isupper()
    if isinstance(node, ast.JoinedStr):
        return all(_is_constant(v) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _is_constant(node.left) and _is_constant(node.right)
    return False


def _is_dynamic(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return not _is_constant(node)
    return False


def pasted_queries(paths: list[Path]) -> tuple[list[str], int]:
    """Query text (SPARQL or SQL) built by pasting values into a string: f-strings, +, %,
    .format. Returns (findings as 'file:line: text', number of query strings seen).

    Values must be bound (sqlite ``?``, SPARQL ``initBindings``/``VALUES`` built from
    ``Literal(...).n3()``), never pasted. A line may opt out with ``# query-safe: why``.
    """
    findings, seen = [], 0
    for path in paths:
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            text = ""
            dynamic = False
            if isinstance(node, ast.JoinedStr | ast.BinOp):
                text, dynamic = _constant_text(node), _is_dynamic(node)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "format"
            ):
                text, dynamic = _constant_text(node.func.value), True
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if QUERY_WORDS.search(node.value):
                    seen += 1
                continue
            if not text or not QUERY_WORDS.search(text):
                continue
            seen += 1
            line = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
            if dynamic and "query-safe:" not in line:
                try:
                    shown = path.relative_to(ROOT)
                except ValueError:
                    shown = path
                findings.append(f"{shown}:{node.lineno}: {line.strip()[:100]}")
    return sorted(set(findings)), seen


def project_sources() -> list[Path]:
    return sorted(
        p
        for folder in ("fond", "mappings")
        for p in (ROOT / folder).rglob("*.py")
        if "__pycache__" not in p.parts
    ) + [ROOT / "publish.py"]


# ----------------------------------------------------------------------------- a scripted server


class ScriptedServer:
    """An HTTP server on 127.0.0.1 that answers each connection (in its own thread) with the
    next action of a script (the last one repeats): a response, a slow response, a reset,
    a cut-off body."""

    def __init__(self, script: list[Callable[[socket.socket], None]]) -> None:
        self.script = script
        self.requests: list[bytes] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/w/api.php"
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            request = b""
            conn.settimeout(5)
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                request += chunk
            with self._lock:
                self.requests.append(request)
                action = self.script[min(len(self.requests), len(self.script)) - 1]
            action(conn)
        with contextlib.suppress(OSError):
            conn.close()

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # actions

    @staticmethod
    def respond(
        body: bytes | str, status: int = 200, headers: dict[str, str] | None = None
    ) -> Callable[[socket.socket], None]:
        data = body.encode("utf-8") if isinstance(body, str) else body
        reason = {200: "OK", 429: "Too Many Requests", 503: "Service Unavailable"}.get(status, "X")
        head = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}

        def action(conn: socket.socket) -> None:
            lines = [f"HTTP/1.1 {status} {reason}"]
            lines += [f"{k}: {v}" for k, v in head.items()]
            lines += [f"Content-Length: {len(data)}", "Connection: close", "", ""]
            conn.sendall("\r\n".join(lines).encode("ascii") + data)

        return action

    @staticmethod
    def slow(seconds: float, then: Callable[[socket.socket], None]) -> Callable:
        def action(conn: socket.socket) -> None:
            time.sleep(seconds)
            then(conn)

        return action

    @staticmethod
    def reset(conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    @staticmethod
    def cut_off(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n"
            b'Connection: close\r\n\r\n{"search": [{"id": "Q8442", "label": "Otto'
        )
        conn.close()


SEARCH_ANSWER = json.dumps(
    {"searchinfo": {"search": "Bismarck"}, "search": [{"id": "Q8442", "label": "Otto"}]}
)


# ----------------------------------------------------------------------------- the table


@dataclass
class Row:
    case: str
    tried: int
    outcome: str
    ok: bool


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def add(self, case: str, tried: int, outcome: str, ok: bool) -> None:
        self.rows.append(Row(case, tried, outcome, ok))

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    def table(self) -> str:
        lines = ["| what was tried | cases | what happened | as documented |", "|---|---|---|---|"]
        for r in self.rows:
            outcome = r.outcome.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {r.case} | {r.tried} | {outcome} | {'yes' if r.ok else 'NO'} |")
        return "\n".join(lines)


def _short(message: str, limit: int = 150) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


# ----------------------------------------------------------------------------- cases


def case_bad_files(tmp: Path, report: Report, good: int = 20) -> None:
    """All bad and repairable files in one corpus with ``good`` good documents."""
    tmp.mkdir(parents=True, exist_ok=True)
    corpus, out = tmp / "corpus", tmp / "out"
    make_corpus(corpus, good, seed=11, extras=False)
    for case in BAD_FILES:
        case.write(corpus)
    for accepted in ACCEPTED_FILES:
        accepted.write(corpus)
    started = time.monotonic()
    code, stdout, stderr = run_cli(build_argv(corpus, out, "--workers", "1"))
    seconds = time.monotonic() - started
    skipped = skipped_lines(stdout)
    nt = out / "dataset.nt"
    dumps = nt.read_text(encoding="utf-8") if nt.exists() else ""
    for case in BAD_FILES:
        found = [s for s in skipped if s.startswith(case.shown + ":")]
        ok = (
            len(found) == 1
            and case.expect in found[0]
            and (case.line is None or re.search(rf"\bline {case.line}\b", found[0]) is not None)
        )
        report.add(
            f"bad file: {case.case}",
            1,
            f"skipped: `{_short(found[0])}`" if found else "NOT listed as skipped",
            ok,
        )
    leaked = "TOP-SECRET-CONTENT" in dumps
    unexpected = [s for s in skipped if not any(s.startswith(c.shown + ":") for c in BAD_FILES)] + (
        ["the linked file's content was published"] if leaked else []
    )
    for accepted in ACCEPTED_FILES:
        warned = not accepted.warning or any(
            accepted.shown in line and accepted.warning in line for line in stdout.splitlines()
        )
        published = f'"{accepted.shown}"' in dumps
        report.add(
            f"repaired: {accepted.case}",
            1,
            ("published" if published else "NOT published")
            + (f", warning: {accepted.warning}" if accepted.warning and warned else ""),
            published and warned,
        )
    problems, counts = check_dumps(out) if dumps else (["no dumps written"], {})
    texts = re.search(r"\((\d+) texts read, (\d+) skipped\)", stdout)
    read = int(texts.group(1)) if texts else -1
    expected_read = good + len(ACCEPTED_FILES) + 2  # the first of each pair of clashing files
    report.add(
        f"a corpus of {good} good documents with all the bad files above",
        len(BAD_FILES) + len(ACCEPTED_FILES),
        f"exit {code}; {read} texts published, {len(skipped)} skipped (each listed once,"
        f" naming its file), {len(unexpected)} other problems; dumps strict-parse:"
        f" {'yes' if not problems else '; '.join(problems)}; {seconds:.1f} s"
        " (the 200 MB file is refused from its size, unread)",
        code == 4 and read == expected_read and not unexpected and not problems,
    )
    if unexpected:
        print("\n".join(unexpected), file=sys.stderr)
    del stderr


def case_strict(tmp: Path, report: Report) -> None:
    tmp.mkdir(parents=True, exist_ok=True)
    corpus, out = tmp / "strict-corpus", tmp / "strict-out"
    make_corpus(corpus, 5, seed=3, extras=False)
    code, _, _ = run_cli(build_argv(corpus, out, "--workers", "1"))
    before = snapshot(out)
    BAD_FILES[9].write(corpus)  # Latin-1
    code, stdout, stderr = run_cli(build_argv(corpus, out, "--workers", "1", "--strict"))
    message = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    unchanged = snapshot(out) == before and not leftovers(out)
    report.add(
        "`--strict` with one bad file",
        1,
        f"exit {code}: `{_short(message)}`; previous dumps"
        f" {'byte-identical' if unchanged else 'CHANGED'}",
        code == 2 and "latin1.txt: line 4" in message and unchanged,
    )
    del stdout


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
        name = re.sub(r"[\x00-\x1f\x7f/\\]", "_", f"{i:03d} {hostile_string(rng, 2)[:16]}")
        relative = Path("hostile", name.rstrip(". ") + ".txt")
        if i % 2:  # the text id comes from the file name, else from the record
            record["id"] = f"hostile-{i:03d}"
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.with_suffix(".toml").write_text(catalogue_record(record), encoding="utf-8")
        expected[record.get("id") or text_id_for(relative)] = {**values, "text": text}
    return expected


def check_values(out: Path, expected: dict[str, dict[str, Any]], base: str) -> list[str]:
    """Each hostile value is in the graph exactly as the read stage normalised it."""
    import unicodedata

    from rdflib import Graph, Literal, Namespace, URIRef

    g = Graph().parse(out / "dataset.nt", format="nt")
    dct, schema, fond = (
        Namespace("http://purl.org/dc/terms/"),
        Namespace("https://schema.org/"),
        Namespace("https://w3id.org/fond/ns#"),
    )

    def norm(value: str) -> str:
        return unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()

    problems = []
    for text_id, values in expected.items():
        text = URIRef(f"{base}text/{text_id}")
        work = URIRef(f"{base}doc/{text_id}")
        checks = [
            (text, dct.title, values["title"]),
            (work, dct.title, values["title"]),
            (text, dct.rights, values["rights"]),
            (text, schema.text, unicodedata.normalize("NFC", values["text"])),
        ]
        sources = list(g.objects(text, schema.isPartOf))
        titles = {str(o) for s in sources for o in g.objects(s, dct.title)}
        series = {str(o) for s in sources for o in g.objects(s, fond.series)}
        if norm(values["source"]) not in titles or norm(values["series"]) not in series:
            problems.append(f"{text_id}: the source's title or series differs")
        if Literal(norm(values["pages"])) not in set(g.objects(text, schema.pagination)):
            problems.append(f"{text_id}: pages differ")
        refs = list(g.objects(work, fond.archivalReference))
        if not any(Literal(norm(values["fond"])) in set(g.objects(r, fond.fond)) for r in refs):
            problems.append(f"{text_id}: archival fond differs")
        for node, prop, value in checks:
            want = norm(value) if prop != schema.text else value
            if Literal(want) not in set(g.objects(node, prop)):
                problems.append(f"{text_id}: {prop} is not {want!r}")
    return problems


def case_hostile_strings(tmp: Path, report: Report, rng: random.Random, n: int) -> None:
    tmp.mkdir(parents=True, exist_ok=True)
    corpus, out = tmp / "hostile-corpus", tmp / "hostile-out"
    expected = hostile_corpus(corpus, rng, n)
    code, stdout, stderr = run_cli(build_argv(corpus, out, "--workers", "1"))
    problems, counts = check_dumps(out) if (out / "dataset.nt").exists() else (["no dumps"], {})
    problems += check_values(out, expected, "https://w3id.org/fond/id/") if not problems else []
    report.add(
        "hostile strings in titles, names, catalogue fields, texts and file names (quotes,"
        ' `"""`, <>, \\, newlines, #, @context, look-alikes, RTL marks, other scripts, emoji):'
        " 15 catalogue fields, 3 text lines and the file name of each document",
        n * 19,
        f"exit {code}; {n} documents published; {counts.get('triples', 0):,} triples;"
        " Turtle, N-Triples and JSON-LD parsed by pyoxigraph (strict) with the same triples;"
        " pyld expansion (offline loader) = N-Triples graph; every value read back exactly"
        + (f"; PROBLEMS: {'; '.join(problems[:3])}" if problems else ""),
        code == 0 and not problems,
    )
    name, _ = iri_validator()
    report.add(
        "IRIs minted from those documents (file names with spaces, quotes, look-alikes, other"
        " scripts; names; publication titles)",
        counts.get("iris", 0),
        f"all valid RFC 3987 IRIs ({name}); no blank nodes"
        if not any("IRI" in p or "blank" in p for p in problems)
        else "INVALID IRIs found",
        code == 0 and not any("IRI" in p or "blank" in p for p in problems),
    )
    del stdout, stderr


def case_names_apart(tmp: Path, report: Report) -> None:
    """Different names must never share an entity IRI (non-Latin names, look-alikes)."""
    tmp.mkdir(parents=True, exist_ok=True)
    corpus, out = tmp / "names-corpus", tmp / "names-out"
    names = [
        "\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432",
        "\u041c\u0430\u0440\u0438\u044f \u0418\u0432\u0430\u043d\u043e\u0432\u0430",
        "\u6bdb\u6cfd\u4e1c",
        "G\u043erbachev Mikhail",
        "Gorbachev Mikhail",
        "Wa\u0142\u0119sa Lech",
        "Walesa Lech",
    ]
    make_corpus(corpus, 0, extras=False)
    rng = random.Random(7)
    for i, name in enumerate(names):
        (corpus / f"n{i}.txt").write_text(document(rng, i), encoding="utf-8")
        (corpus / f"n{i}.toml").write_text(catalogue_record({"authors": [name]}), "utf-8")
    code, _, _ = run_cli(build_argv(corpus, out, "--workers", "1"))
    from rdflib import Graph, URIRef

    g = Graph().parse(out / "dataset.nt", format="nt")
    author = URIRef("https://schema.org/author")
    entities = {str(o) for i in range(len(names)) for o in g.objects(URIRef(_doc(f"n{i}")), author)}
    report.add(
        "authors whose names lose letters in an ASCII id (Cyrillic, Chinese, look-alikes, ł)",
        len(names),
        f"exit {code}; {len(entities)} distinct entity IRIs for {len(names)} different names",
        code == 0 and len(entities) == len(names),
    )


def _doc(text_id: str) -> str:
    return f"https://w3id.org/fond/id/doc/{text_id}"


def case_remote_contexts(tmp: Path, report: Report) -> None:
    tmp.mkdir(parents=True, exist_ok=True)
    from fond.readdump import read_dump
    from mappings.errors import InputError

    local = tmp / "ctx.jsonld"
    local.write_text(json.dumps({"@context": {"t": "http://example.org/t"}}), encoding="utf-8")
    hits: list[bytes] = []
    with ScriptedServer([ScriptedServer.respond(json.dumps({"@context": {}}))]) as server:
        ctx = server.url.replace("/w/api.php", "/context.jsonld")
        docs = {
            "http context on a local server": {"@context": ctx},
            "https context": {"@context": "https://example.org/context.jsonld"},
            "file:// context outside the project": {"@context": local.as_uri()},
            "file:///etc/passwd": {"@context": "file:///etc/passwd"},
            "@import": {"@context": {"@version": 1.1, "@import": ctx}},
            "scoped context": {
                "@context": {"@version": 1.1, "p": {"@id": "http://x/p", "@context": ctx}},
                "p": {"@id": "http://x/o", "http://x/q": "v"},
            },
            "Fond's context then a remote one": {
                "@context": ["https://w3id.org/fond/context.jsonld", ctx]
            },
        }
        refused = []
        for label, doc in docs.items():
            path = tmp / f"remote-{len(refused)}.jsonld"
            path.write_text(json.dumps({**doc, "@id": "http://x/s", "t": "v"}), encoding="utf-8")
            try:
                read_dump(path)
            except InputError as error:
                if "refusing to load the context" in str(error):
                    refused.append(label)
        code, _, stderr = run_cli(["validate", str(tmp / "remote-0.jsonld")])
        hits = list(server.requests)
    report.add(
        "JSON-LD with remote, file:// , @import and scoped contexts (read_dump, `validate`)",
        len(docs),
        f"{len(refused)} refused with `refusing to load the context ...`; `validate` exit"
        f" {code}; {len(hits)} requests reached the local server",
        len(refused) == len(docs) and code == 2 and not hits,
    )
    del stderr


def case_queries(report: Report) -> None:
    findings, seen = pasted_queries(project_sources())
    report.add(
        "query text (SPARQL, SQL) in fond/ and mappings/ built by pasting values"
        " (f-string, +, %, .format)",
        seen,
        f"{len(findings)} found; values are bound (sqlite `?`) or validated (`^Q[1-9][0-9]*$`)"
        + (f": {'; '.join(findings[:3])}" if findings else ""),
        not findings,
    )


def wikidata_scenarios() -> list[tuple[str, list[Callable], str]]:
    """(name, server script, expected outcome: 'answer' or 'unavailable')."""
    ok = ScriptedServer.respond(SEARCH_ANSWER)
    return [
        ("read timeout, then an answer", [ScriptedServer.slow(1.0, ok), ok], "answer"),
        (
            "429 with Retry-After, then an answer",
            [ScriptedServer.respond("slow down", 429, {"Retry-After": "3"}), ok],
            "answer",
        ),
        (
            "503 with Retry-After, then an answer",
            [ScriptedServer.respond("<html>maintenance</html>", 503, {"Retry-After": "2"}), ok],
            "answer",
        ),
        ("connection reset, then an answer", [ScriptedServer.reset, ok], "answer"),
        ("body cut off mid-JSON, then an answer", [ScriptedServer.cut_off, ok], "answer"),
        (
            "malformed JSON with 200, then an answer",
            [ScriptedServer.respond('{"search": [{"id": "Q8442",'), ok],
            "answer",
        ),
        (
            "503 on every attempt",
            [ScriptedServer.respond("busy", 503)],
            "unavailable",
        ),
        ("connection reset on every attempt", [ScriptedServer.reset], "unavailable"),
    ]


def case_wikidata(tmp: Path, report: Report) -> None:
    from fond.wikidata import WikidataClient, WikidataUnavailable

    tmp.mkdir(parents=True, exist_ok=True)
    for i, (name, script, expect) in enumerate(wikidata_scenarios()):
        cache = tmp / f"wd-cache-{i}"
        slept: list[float] = []
        with ScriptedServer(script) as server:
            client = WikidataClient(
                server.url, cache_dir=cache, sleep=slept.append, timeout=(2, 0.3), max_retries=2
            )
            try:
                hits = client.search("Bismarck", max_pages=1)
                got = "an answer" if hits and hits[0]["id"] == "Q8442" else "a WRONG answer"
            except WikidataUnavailable:
                got = "WikidataUnavailable (exit 3)"
            attempts = len(server.requests)
        files = sorted(p.name for p in cache.iterdir()) if cache.exists() else []
        complete = all(json.loads((cache / f).read_bytes()).get("response") for f in files)
        wanted = "an answer" if expect == "answer" else "WikidataUnavailable (exit 3)"
        waits = ", ".join(f"{s:g} s" for s in slept) or "none"
        report.add(
            f"Wikidata client: {name}",
            1,
            f"{got} after {attempts} attempts (waited {waits});"
            f" {len(files)} cache file{'' if len(files) == 1 else 's'}"
            + (", complete" if files and complete else ""),
            got == wanted and complete and len(files) == (1 if expect == "answer" else 0),
        )


def interrupted_commits(tmp: Path) -> tuple[int, list[str]]:
    """Interrupt a commit before each of its renames (as if the process died there), then
    start a new build: the published set must be whole (all old or all new), never a mix."""
    from unittest import mock

    import fond.export as export

    names = [f"file-{i}.txt" for i in range(6)]
    problems = []
    for k in range(len(names) + 1):
        out = tmp / f"commit-{k}"
        out.mkdir(parents=True)
        for name in names:
            (out / name).write_text("old\n")
        staging = export.Staging(out)
        for name in names:
            staging.write_text(name, "new\n")
        dying_replace = _dying_replace(out, k, os.replace)

        with mock.patch.object(export.os, "replace", dying_replace), contextlib.suppress(_Died):
            staging.commit(names)
        staging._unlock()  # the process "died": its lock goes with it
        mixed = {(out / n).read_text() for n in names}
        if k not in (0, len(names)) and len(mixed) != 2:
            problems.append(f"k={k}: the interruption was not between renames")
        export.Staging(out).discard()  # the next run starts
        after = {(out / n).read_text() for n in names}
        if after != {"new\n"} or leftovers_of(out, names):
            problems.append(f"interrupted after {k} renames: {after} {leftovers_of(out, names)}")
    return len(names) + 1, problems


def _dying_replace(out: Path, k: int, real: Callable) -> Callable[[Any, Any], None]:
    """os.replace that 'kills the process' at the k-th rename into ``out``."""
    calls = {"n": 0}

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).parent == out:
            if calls["n"] >= k:
                raise _Died
            calls["n"] += 1
        real(src, dst)

    return replace


def leftovers_of(out: Path, names: list[str]) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name not in names)


class _Died(BaseException):
    """A simulated death of the process (not an Exception: nothing may catch it)."""


def case_commit(tmp: Path, report: Report) -> None:
    tried, problems = interrupted_commits(tmp)
    report.add(
        "commit of the dumps interrupted before each rename (journal, then renames)",
        tried,
        "the next run finished every interrupted commit (roll forward): all new files, no"
        " temp files" + (f"; PROBLEMS: {problems}" if problems else ""),
        not problems,
    )


def case_lock_and_bug(tmp: Path, report: Report) -> None:
    tmp.mkdir(parents=True, exist_ok=True)
    from unittest import mock

    import fond.export as export
    import fond.pipeline as pipeline

    corpus, out = tmp / "lock-corpus", tmp / "lock-out"
    make_corpus(corpus, 3, seed=5, extras=False)
    run_cli(build_argv(corpus, out, "--workers", "1"))
    before = snapshot(out)
    holder = export.Staging(out)
    try:
        with mock.patch.object(export, "LOCK_WAIT", 0.3):
            code, _, stderr = run_cli(build_argv(corpus, out, "--workers", "1"))
    finally:
        holder.discard()
    report.add(
        "a second build into a folder a build is writing",
        1,
        f"exit {code}: `{_short(stderr.strip().splitlines()[-1].replace(str(out), 'OUT'))}`",
        code == 2 and "another Fond build" in stderr and snapshot(out) == before,
    )

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("simulated bug in the map stage")

    with mock.patch.object(pipeline, "map_text", broken):
        code, _, stderr = run_cli(build_argv(corpus, out, "--workers", "1"))
    report.add(
        "a bug (an unexpected exception) in the middle of a build",
        1,
        f"exit {code}: traceback and `internal error: ...`; previous dumps"
        f" {'byte-identical' if snapshot(out) == before else 'CHANGED'}, no temp files",
        code == 5 and snapshot(out) == before and not leftovers(out),
    )


def _build_processes(marker: str) -> list[int]:
    """Processes whose command line mentions ``marker`` (the killed build's workers)."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if marker.encode() in (proc / "cmdline").read_bytes():
                pids.append(int(proc.name))
    return pids


@dataclass
class KillReport:
    kills: int = 0
    before_commit: int = 0  # previous dumps found byte-identical
    after_commit: int = 0  # the killed run had published: the new dumps, complete
    mid_commit: int = 0  # a journal was left; the next run finished it
    problems: list[str] = field(default_factory=list)
    final_exit: int = -1
    final_leftovers: list[str] = field(default_factory=list)
    survivors: list[int] = field(default_factory=list)


def kill_runs(tmp: Path, seed: int = 5, kills: int = 6, docs: int = 60) -> KillReport:
    """Kill ``publish.py build`` (SIGKILL) at random moments, then let it run to the end.

    Corpus A is published first; every killed run builds corpus B (A plus one document)
    into the same folder, starting from A's dumps (and whatever the previous kill left
    behind). After each kill the published files must be exactly A's, or
    exactly B's, or (killed while renaming) A's and B's with a commit journal that the next
    run finishes. Then a full run must succeed, publish B's exact bytes and leave nothing
    else in the folder, and no process of a killed build may be left running.
    """
    rng = random.Random(seed)
    corpus_a, corpus_b = tmp / "kill-a", tmp / "kill-b"
    make_corpus(corpus_a, docs, seed=seed)
    shutil.copytree(corpus_a, corpus_b)
    (corpus_b / "added-later.txt").write_text(document(rng, 999), encoding="utf-8")
    out, ref = tmp / "kill-out", tmp / "kill-ref"
    report = KillReport()
    first, _, first_err = run_cli(build_argv(corpus_a, out, "--workers", "2"))
    started = time.monotonic()
    second = run_subprocess(corpus_b, ref, workers=2)
    duration = time.monotonic() - started  # how long a run takes, start-up included
    if first != 0 or second.returncode != 0:
        report.problems.append(f"reference builds failed: {first_err[-300:]}")
        return report
    old, new = snapshot(out), snapshot(ref)
    for i in range(kills):
        for name, data in old.items():  # each kill starts from the previous dumps
            (out / name).write_bytes(data)
        delay = rng.uniform(0.05, duration)
        argv = [sys.executable, str(ROOT / "publish.py"), *build_argv(corpus_b, out)]
        proc = subprocess.Popen(
            [*argv, "--workers", str(1 + i % 2)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        report.kills += 1
        now = snapshot(out)
        journal = any((p / "COMMIT").is_file() for p in out.glob(".fond-staging-*"))
        if now == old:
            report.before_commit += 1
        elif now == new:
            report.after_commit += 1
        elif journal and all(now[n] in (old[n], new[n]) for n in now) and set(now) == set(old):
            report.mid_commit += 1
        else:
            report.problems.append(f"kill {i} after {delay:.2f} s: published files damaged")
    deadline = time.monotonic() + 10
    while _build_processes(str(out)) and time.monotonic() < deadline:
        time.sleep(0.1)
    report.survivors = _build_processes(str(out))
    final = run_subprocess(corpus_b, out, workers=2)
    report.final_exit = final.returncode
    report.final_leftovers = leftovers(out)
    if snapshot(out) != new:
        report.problems.append("the run after the kills did not publish the expected bytes")
    return report


def case_kill(tmp: Path, report: Report, seed: int, kills: int) -> None:
    k = kill_runs(tmp, seed=seed, kills=kills)
    report.add(
        "`publish.py build` killed (SIGKILL) at random moments (60 documents, workers 1 and 2)",
        k.kills,
        f"previous dumps byte-identical after {k.before_commit} kills; {k.after_commit} runs"
        f" had already published the complete new set; {k.mid_commit} left a commit journal"
        f" that the next run finished; next run: exit {k.final_exit}, exact new bytes,"
        f" {len(k.final_leftovers)} temp files left, {len(k.survivors)} worker processes left"
        + (f"; PROBLEMS: {k.problems}" if k.problems else ""),
        not k.problems and k.final_exit == 0 and not k.final_leftovers and not k.survivors,
    )


def determinism_runs(tmp: Path, docs: int = 60) -> tuple[list[str], list[str]]:
    """The same corpus written in two orders to two folders, built with different worker
    counts, hash seeds, time zones and locales: returns (differing files, run errors)."""
    a, b = tmp / "det-a" / "corpus", tmp / "det-b" / "a different folder"
    make_corpus(a, docs, seed=9, order="forward")
    make_corpus(b, docs, seed=9, order="reverse")
    for corpus in (a, b):
        hostile_corpus(corpus / "hostile", random.Random(9), 4)
    runs = [
        run_subprocess(
            a,
            tmp / "det-out-1",
            workers=1,
            env={"PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C"},
        ),
        run_subprocess(
            b,
            tmp / "det-out-2",
            workers=2,
            env={"PYTHONHASHSEED": "4242", "TZ": "Asia/Kathmandu", "LC_ALL": "C.UTF-8"},
        ),
    ]
    errors = [r.stderr[-300:] for r in runs if r.returncode != 0]
    one, two = snapshot(tmp / "det-out-1"), snapshot(tmp / "det-out-2")
    differing = sorted(n for n in set(one) | set(two) if one.get(n) != two.get(n))
    return differing, errors


def case_determinism(tmp: Path, report: Report) -> None:
    differing, errors = determinism_runs(tmp)
    report.add(
        "the same corpus (64 texts, sub-folders, catalogue records, hostile strings) written"
        " in reverse order to another folder; --workers 1 vs 2; other PYTHONHASHSEED, TZ, LC_ALL",
        2,
        f"{len(PUBLISHED) - len(differing)} of {len(PUBLISHED)} published files byte-identical"
        + (f"; differ: {differing}" if differing else "")
        + (f"; errors: {errors}" if errors else ""),
        not differing and not errors,
    )


# ----------------------------------------------------------------------------- main


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="fond-reliability-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(quick: bool = False, seed: int = 5) -> Report:
    report = Report()
    rng = random.Random(seed)
    with _scratch() as tmp:
        steps: list[tuple[str, Callable[[], None]]] = [
            ("bad files", lambda: case_bad_files(tmp / "bad", report)),
            ("strict", lambda: case_strict(tmp / "strict", report)),
            ("hostile", lambda: case_hostile_strings(tmp / "hs", report, rng, 8 if quick else 40)),
            ("names", lambda: case_names_apart(tmp / "names", report)),
            ("remote contexts", lambda: case_remote_contexts(tmp / "ctx", report)),
            ("queries", lambda: case_queries(report)),
            ("wikidata", lambda: case_wikidata(tmp / "wd", report)),
            ("commit", lambda: case_commit(tmp / "commit", report)),
            ("lock and bug", lambda: case_lock_and_bug(tmp / "lock", report)),
        ]
        if not quick:
            steps += [
                ("kill", lambda: case_kill(tmp / "kill", report, seed, 8)),
                ("determinism", lambda: case_determinism(tmp / "det", report)),
            ]
        for name, step in steps:
            print(f"reliability: {name} ...", file=sys.stderr, flush=True)
            step()
    return report


def main(quick: bool = False, seed: int = 5) -> int:
    started = time.monotonic()
    report = run(quick=quick, seed=seed)
    print(report.table())
    failed = [r.case for r in report.rows if not r.ok]
    print(
        f"\n{len(report.rows)} rows, {sum(r.tried for r in report.rows):,} cases,"
        f" {len(failed)} not as documented; {time.monotonic() - started:.0f} s"
        f" (python publish.py reliability{' --quick' if quick else ''} --seed {seed})"
    )
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main(quick="--quick" in sys.argv))
