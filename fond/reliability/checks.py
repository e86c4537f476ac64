"""How the reliability cases look at what Fond did: running builds (in this process or as
``publish.py``), snapshots of an output folder, a strict re-reading of the dumps, the scan
for pasted queries, and a scripted HTTP server on 127.0.0.1 for the Wikidata client."""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent

from fond.pipeline import PUBLISHED  # noqa: E402 - one list, owned by the build


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
    ``Literal(...).n3()``), never pasted. A line may opt out with ``# query-safe: why`` on it
    or on the line above.
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
            above = lines[node.lineno - 2] if node.lineno >= 2 else ""
            if dynamic and "query-safe:" not in line and "query-safe:" not in above:
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
            b"Connection: close\r\n\r\n" + SEARCH_ANSWER.encode("utf-8")[:200]
        )
        conn.close()


# A search answer in the documented shape, kept as data (its id is illustrative).
SAMPLE_SEARCH = ROOT / "mappings" / "wikidata" / "wbsearchentities-sample.json"
SEARCH_ANSWER = SAMPLE_SEARCH.read_text(encoding="utf-8")
_SAMPLE = json.loads(SEARCH_ANSWER)
SEARCH_TERM, SEARCH_ID = _SAMPLE["searchinfo"]["search"], _SAMPLE["search"][0]["id"]


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
            [ScriptedServer.respond(SEARCH_ANSWER[:60]), ok],
            "answer",
        ),
        (
            "503 on every attempt",
            [ScriptedServer.respond("busy", 503)],
            "unavailable",
        ),
        ("connection reset on every attempt", [ScriptedServer.reset], "unavailable"),
    ]
