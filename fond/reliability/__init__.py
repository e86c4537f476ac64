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

import contextlib
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fond.reliability.checks import (
    PUBLISHED,
    ROOT,
    SEARCH_ID,
    SEARCH_TERM,
    ScriptedServer,
    build_argv,
    check_dumps,
    check_values,
    iri_validator,
    leftovers,
    pasted_queries,
    project_sources,
    run_cli,
    skipped_lines,
    snapshot,
    wikidata_scenarios,
)
from fond.reliability.corpus import (
    ACCEPTED_FILES,
    BAD_FILES,
    catalogue_record,
    document,
    hostile_corpus,
    make_corpus,
)
from fond.reliability.faults import determinism_runs, interrupted_commits, kill_runs


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
                hits = client.search(SEARCH_TERM, max_pages=1)
                got = "an answer" if hits and hits[0]["id"] == SEARCH_ID else "a WRONG answer"
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

    import fond.batch as batch
    import fond.export as export

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

    with mock.patch.object(batch, "map_text", broken):
        code, _, stderr = run_cli(build_argv(corpus, out, "--workers", "1"))
    report.add(
        "a bug (an unexpected exception) in the middle of a build",
        1,
        f"exit {code}: traceback and `internal error: ...`; previous dumps"
        f" {'byte-identical' if snapshot(out) == before else 'CHANGED'}, no temp files",
        code == 5 and snapshot(out) == before and not leftovers(out),
    )


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


def main(quick: bool = False, seed: int = 5, readme: bool = False) -> int:
    started = time.monotonic()
    report = run(quick=quick, seed=seed)
    failed = [r.case for r in report.rows if not r.ok]
    text = (
        report.table()
        + f"\n\n{len(report.rows)} rows, {sum(r.tried for r in report.rows):,} cases,"
        f" {len(failed)} not as documented; {time.monotonic() - started:.0f} s"
        f" (python publish.py reliability{' --quick' if quick else ''} --seed {seed})"
    )
    print(text)
    if readme:
        write_readme(text)
    return 0 if not failed else 1


README = ROOT / "README.md"
BEGIN, END = "<!-- begin reliability table", "<!-- end reliability table -->"


def write_readme(table: str, readme: Path = README) -> None:
    """Put the table between the markers in the README's Reliability section."""
    text = readme.read_text(encoding="utf-8")
    start = text.index("\n", text.index(BEGIN)) + 1
    end = text.index(END)
    readme.write_text(text[:start] + table + "\n" + text[end:], encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(quick="--quick" in sys.argv, readme="--write-readme" in sys.argv))
