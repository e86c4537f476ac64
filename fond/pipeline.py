"""The build: corpus -> read -> link -> align -> map -> validate -> export.

Streaming in two passes, so that memory does not grow with the corpus:

1. read every text (in workers: ``fond.batch.read_chunk``), keep the pickled records in
   an on-disk store and their fingerprints in the work index; bad files are skipped with
   a clear message (or stop the run with ``strict``);
2. cluster versions into works (a cheap pass over the index), then, in text-id order and
   in batches, align, map, validate and render each text with the entities it references
   (in workers: ``fond.batch.process_batch``) and append the rendered fragments to the
   dumps as they come. Entities and publications shared by many texts are collected on
   disk, deduplicated, then validated and written once, at the end; constraints that span
   documents (unique IRIs, links between versions) are checked by a second, cheap pass
   (``fond.crosscheck``).

The main process only stores, appends and counts; everything that costs runs in an
engine (``fond.engines``: this process, local worker processes, or Dask). Output is
byte-identical whatever the order of files on disk, the number of workers or the engine:
texts are processed and written in sorted id order, every block is sorted, and nothing
depends on timing or hashing seeds. Reports, alignment rows and SHACL results are kept in
SQLite or bounded, so memory is flat in the corpus size.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fond.batch import BatchJob, BatchResult, SharedJob, Unit, process_shared, read_chunk
from fond.batch import process_batch as process_batch
from fond.crosscheck import CrossCheck
from fond.curation import COLUMNS as EXTRACTION_COLUMNS
from fond.describe import describe_dataset, read_collection
from fond.engines import make_engine
from fond.export import DumpWriter, Staging, sha256_of
from fond.validate import ResultRow, format_results
from mappings.align.gazetteer import load_gazetteer
from mappings.errors import InputError
from mappings.link import WorkIndex
from mappings.to_rdf import PREFIXES, map_document_types, sort_triples
from mappings.to_rdf.iris import Iris

DUMPS = ["dataset.nt", "dataset.ttl", "dataset.jsonld"]
LINKSET = "linkset.nt"  # the Wikidata links alone, for archives that join on them
REPORTS = [
    "validation-report.txt",
    "validation-report.ttl",
    "alignment-report.csv",
    "extraction-report.csv",
]
# Every file a successful build publishes in its output folder.
PUBLISHED = [*DUMPS, LINKSET, "context.jsonld", "void.ttl", *REPORTS]
LINK_PREDICATES = (
    "<http://www.w3.org/2004/02/skos/core#exactMatch>",
    "<http://www.w3.org/2004/02/skos/core#closeMatch>",
    "<https://w3id.org/fond/ns#presentDayState>",
)
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
READ_CHUNK = 32  # files per read task: enough to hide the cost of a task
SHARED_CHUNK = 4000  # lines of the shared block per validation task
REPORT_LIMIT = 200  # results printed in validation-report.txt (all are in the .ttl)


@dataclass
class BuildOptions:
    corpus: Path
    out: Path
    base: str = "https://w3id.org/fond/id/"
    workers: int = 1
    strict: bool = False
    batch_size: int = 20
    progress: bool = True
    validate: bool = True
    engine: str = "local"  # or "dask"
    address: str | None = None  # a Dask scheduler; None: a LocalCluster of ``workers``
    shacl: str = "turbo"  # or "pyshacl", the reference


@dataclass
class BuildResult:
    texts: int = 0
    works: int = 0
    triples: int = 0
    skipped: list[str] = field(default_factory=list)
    entities_aligned: int = 0
    entities_unaligned: int = 0
    entities_ambiguous: int = 0
    violations: int = 0
    warnings: int = 0
    infos: int = 0
    read_warnings: list[str] = field(default_factory=list)
    read_warning_count: int = 0
    report_text: str = ""
    published: bool = False
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)  # CPU seconds, summed over workers
    phases: dict[str, float] = field(default_factory=dict)  # wall seconds of the main process

    @property
    def conforms(self) -> bool:
        return self.violations == 0


MAX_READ_WARNINGS = 1000  # kept for the summary; all are counted


def discover(corpus: Path) -> list[Path]:
    """Corpus texts, sorted so that the order on disk never matters."""
    return [corpus / rel for rel in iter_corpus(corpus)]


def iter_corpus(corpus: Path) -> Iterator[str]:
    """Relative paths of the corpus texts, in sorted order, one folder in memory at a time.

    Entries are walked sorted by name, a folder's name taken with its trailing "/", which
    gives exactly the order of sorting the full relative paths.
    """
    if not corpus.is_dir():
        raise InputError(f"{corpus}: corpus folder not found")

    def walk(folder: Path, prefix: str) -> Iterator[str]:
        with os.scandir(folder) as it:
            entries = [(e.name + "/" if e.is_dir() else e.name, e) for e in it]
        for key, entry in sorted(entries, key=lambda kv: kv[0]):
            if entry.name.startswith("."):
                continue
            if key.endswith("/"):
                yield from walk(Path(entry.path), prefix + key)
            elif entry.name.endswith(".txt") and entry.is_file():
                yield prefix + entry.name

    yield from walk(corpus, "")


class Progress:
    """Progress of a long run on stderr: a bar redrawn in place on a terminal, and a plain
    line every LOG_EVERY seconds when stderr is a log file (so a log stays readable)."""

    LOG_EVERY = 30.0

    def __init__(self, label: str, total: int, enabled: bool) -> None:
        self.label, self.total, self.done = label, total, 0
        self.enabled = enabled and total >= 50
        self.terminal = sys.stderr.isatty()
        self.started = time.monotonic()
        self.last = self.started if not self.terminal else 0.0

    def step(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        finished = self.done >= self.total
        if not finished and now - self.last < (0.5 if self.terminal else self.LOG_EVERY):
            return
        self.last = now
        rate = self.done / max(1e-6, now - self.started)
        if self.terminal:
            width = 30
            filled = int(width * self.done / max(1, self.total))
            bar = "#" * filled + "-" * (width - filled)
            line = f"\r{self.label:8} [{bar}] {self.done}/{self.total}  {rate:,.0f}/s"
            sys.stderr.write(line + ("\n" if finished else ""))
        else:
            share = 100 * self.done / max(1, self.total)
            sys.stderr.write(
                f"{self.label}: {self.done:,}/{self.total:,} ({share:.0f}%), {rate:,.0f}/s\n"
            )
        sys.stderr.flush()


class RecordStore:
    """Pickled records between the passes, on disk (a private scratch file of this build)."""

    def __init__(self, folder: Path) -> None:
        self.db = sqlite3.connect(str(folder / "records.sqlite"), check_same_thread=False)
        self.db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            " CREATE TABLE r(id TEXT PRIMARY KEY, file TEXT, data BLOB)"
        )

    def put(self, text_id: str, source_file: str, blob: bytes) -> str | None:
        """Store; returns the file already holding this id, if any."""
        row = self.db.execute("SELECT file FROM r WHERE id = ?", (text_id,)).fetchone()
        if row:
            return row[0]
        self.db.execute("INSERT INTO r VALUES (?,?,?)", (text_id, source_file, blob))
        return None

    def blob(self, text_id: str) -> bytes:
        (data,) = self.db.execute("SELECT data FROM r WHERE id = ?", (text_id,)).fetchone()
        return data

    def ids(self) -> Iterator[str]:
        """Text ids in sorted order, streamed (a cursor of its own)."""
        for (text_id,) in self.db.cursor().execute("SELECT id FROM r ORDER BY id"):
            yield text_id

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM r").fetchone()[0]

    def first(self) -> str | None:
        return self.db.execute("SELECT MIN(id) FROM r").fetchone()[0]

    def file_of(self, text_id: str) -> str:
        row = self.db.execute("SELECT file FROM r WHERE id = ?", (text_id,)).fetchone()
        return row[0] if row else ""


RESULT_COLUMNS = "severity, focus, path, shape, component, value, message, place"


class ResultStore:
    """SHACL results, deduplicated on disk: a large corpus has many warnings."""

    def __init__(self, folder: Path) -> None:
        self.db = sqlite3.connect(str(folder / "results.sqlite"))
        self.db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            f" CREATE TABLE res({RESULT_COLUMNS}, UNIQUE({RESULT_COLUMNS}))"
        )

    def add(self, rows: list[tuple[ResultRow, str]]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO res VALUES (?,?,?,?,?,?,?,?)",
            ((*row.__dict__.values(), where) for row, where in rows),
        )

    def counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT severity, COUNT(*) FROM res GROUP BY severity"))

    def ranked(self, limit: int) -> list[tuple[ResultRow, str]]:
        """Non-info rows in the report's order (violations first, by file), at most limit."""
        rows = self.db.execute(
            # query-safe: only the module's constant column names are pasted
            f"SELECT {RESULT_COLUMNS} FROM res WHERE severity != ? ORDER BY"
            " CASE severity WHEN ? THEN 0 WHEN ? THEN 1 ELSE 2 END,"
            f" place, {RESULT_COLUMNS.replace(', place', '')} LIMIT ?",
            ("Info", "Violation", "Warning", limit),
        )
        return [(ResultRow(*r[:7]), r[7]) for r in rows]

    def sorted_rows(self) -> Iterator[tuple[ResultRow, str]]:
        for r in self.db.execute(f"SELECT {RESULT_COLUMNS} FROM res ORDER BY {RESULT_COLUMNS}"):
            yield ResultRow(*r[:7]), r[7]


# ----------------------------------------------------------------------------- the build


def build(
    options: BuildOptions, log: Callable[[str], None] = lambda s: print(s, file=sys.stderr)
) -> BuildResult:
    """Read, link, align, map, validate and write ``options.corpus`` into ``options.out``."""
    started = time.monotonic()
    result = BuildResult()
    iris = Iris(options.base)
    collection = read_collection(options.corpus)
    load_gazetteer()  # fail early, with the table's line number, on a bad table
    files = sum(1 for _ in iter_corpus(options.corpus))
    staging = Staging(options.out)
    for line in staging.recovered:  # what a killed earlier build left, now cleaned up
        log(f"recovered: {line}")
    try:
        with make_engine(options.engine, options.workers, options.address) as engine:
            return _build(options, result, iris, collection, files, staging, engine, started)
    finally:
        staging.discard()


class _Phases:
    def __init__(self, result: BuildResult) -> None:
        self.result = result
        self.last = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.result.phases[name] = self.result.phases.get(name, 0.0) + now - self.last
        self.last = now


def _read_jobs(corpus: Path) -> Iterator[tuple[list[str], str]]:
    chunk: list[str] = []
    for rel in iter_corpus(corpus):
        chunk.append(str(corpus / rel))
        if len(chunk) >= READ_CHUNK:
            yield chunk, str(corpus)
            chunk = []
    if chunk:
        yield chunk, str(corpus)


def _add_stages(result: BuildResult, timings: dict[str, float]) -> None:
    for stage, seconds in timings.items():
        result.stages[stage] = result.stages.get(stage, 0.0) + seconds


def _build(options, result, iris, collection, files, staging, engine, started) -> BuildResult:  # noqa: ANN001, C901
    phases = _Phases(result)
    scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=staging.path))
    store = RecordStore(scratch)
    index = WorkIndex(scratch / "works.sqlite")
    progress = Progress("read", files, options.progress)
    for outs, seconds in engine.map(read_chunk, _read_jobs(options.corpus)):
        _add_stages(result, {"read": seconds})
        for out in outs:
            progress.step()
            if out.error is not None:
                _skip(result, out.error, options.strict)
                continue
            clash = store.put(out.text_id, out.source_file, out.blob)
            if clash is not None:
                _skip(
                    result,
                    f"{out.source_file}: its id {out.text_id!r} is already used by {clash};"
                    " rename one file or set a distinct `id` in its catalogue record",
                    options.strict,
                )
                continue
            index.add(out.fingerprint)
            for w in out.warnings:
                if not w.startswith("suppress:"):
                    result.read_warning_count += 1
                    if len(result.read_warnings) < MAX_READ_WARNINGS:
                        result.read_warnings.append(f"{out.source_file}: {w}")
    store.db.commit()
    phases.lap("read")
    links = index.links()
    result.texts = store.count()
    phases.lap("link")

    def units() -> Iterator[Unit]:
        for text_id in store.ids():
            link = links.get(text_id)
            members = link.text_ids if link else (text_id,)
            yield Unit(text_id, tuple(store.blob(m) for m in members), link)

    parts = str(scratch / "parts") if engine.writes_parts else None

    def batches() -> Iterator[BatchJob]:
        batch: list[Unit] = []
        index_ = 0
        for unit in units():
            batch.append(unit)
            if len(batch) >= options.batch_size:
                yield BatchJob(index_, batch, iris.base, options.validate, options.shacl, parts)
                batch, index_ = [], index_ + 1
        if batch:
            yield BatchJob(index_, batch, iris.base, options.validate, options.shacl, parts)

    writer = DumpWriter(staging.path, PREFIXES)
    shared = sqlite3.connect(str(scratch / "shared.sqlite"))
    shared.executescript(
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; CREATE TABLE s(line TEXT PRIMARY KEY)"
    )
    report = ResultStore(scratch)
    checks = CrossCheck(scratch / "checks.sqlite")
    alignment: dict[tuple[str, str], dict] = {}
    progress = Progress("map", result.texts, options.progress)
    extraction_file = (staging.path / "extraction-report.csv").open(
        "w", encoding="utf-8", newline=""
    )
    extraction = csv.writer(extraction_file, lineterminator="\n")
    extraction.writerow(EXTRACTION_COLUMNS)
    for batch_result in engine.map(process_batch, batches()):
        writer.write_fragment(batch_result.fragment)
        extraction.writerows(batch_result.extraction)
        batch_result.fragment.discard_parts()
        progress.step(batch_result.texts)
        shared.executemany(
            "INSERT OR IGNORE INTO s VALUES (?)", ((line,) for line in batch_result.shared)
        )
        report.add(batch_result.results)
        checks.add(batch_result.defines, batch_result.links)
        result.works += batch_result.works
        _merge_alignment(alignment, batch_result)
        _add_stages(result, batch_result.timings)
    extraction_file.close()
    phases.lap("batches")
    # The shared block: entities, publications and document types, each written once, in
    # chunks cut between subjects (a subject's triples stay together).
    type_lines = sort_triples(map_document_types(iris))
    shared.executemany("INSERT OR IGNORE INTO s VALUES (?)", ((line,) for line in type_lines))
    status = {"Aligned": 0, "Unaligned": 0, "Ambiguous": 0}
    linked = [0]
    # Links to Wikidata are statements about entities and document types, which all live in
    # the shared block: collected as it streams by (sorted and unique), not re-read from the dump.
    link_lines: list[str] = []

    def shared_jobs() -> Iterator[SharedJob]:
        chunk: list[str] = []
        last_subject = ""
        n = 0
        for (line,) in shared.execute("SELECT line FROM s ORDER BY line"):
            _count_entity(line, status, linked)
            if _is_link(line):
                link_lines.append(line)
            subject = line.split(" ", 1)[0]
            if len(chunk) >= SHARED_CHUNK and subject != last_subject:
                yield SharedJob(n, chunk, iris.base, options.validate, options.shacl, parts)
                chunk, n = [], n + 1
            chunk.append(line)
            last_subject = subject
        if chunk:
            yield SharedJob(n, chunk, iris.base, options.validate, options.shacl, parts)

    for shared_result in engine.map(process_shared, shared_jobs()):
        writer.write_fragment(shared_result.fragment)
        shared_result.fragment.discard_parts()
        report.add(shared_result.results)
        _add_stages(result, shared_result.timings)
    writer.close()
    phases.lap("shared")
    report.add(checks.results(iris.base))
    phases.lap("checks")
    result.triples = writer.triples
    result.entities_aligned = status["Aligned"]
    result.entities_unaligned = status["Unaligned"]
    result.entities_ambiguous = status["Ambiguous"]
    counts = report.counts()
    result.violations = counts.get("Violation", 0)
    result.warnings = counts.get("Warning", 0)
    result.infos = counts.get("Info", 0)
    ranked = report.ranked(REPORT_LIMIT)
    result.report_text = format_results(ranked, limit=REPORT_LIMIT)
    shown = result.violations + result.warnings
    if shown > REPORT_LIMIT:
        result.report_text += (
            f"\n... and {shown - REPORT_LIMIT} more results (see validation-report.ttl)"
        )
    staging.write_text("validation-report.txt", _report_header(result) + result.report_text + "\n")
    _write_report_turtle(staging.path / "validation-report.ttl", report, result.conforms)
    staging.write_text("alignment-report.csv", _alignment_csv(alignment))
    staging.write_text(
        "context.jsonld",
        json.dumps(
            json.loads(
                (Path(__file__).resolve().parent.parent / "ontology" / "context.jsonld").read_text(
                    encoding="utf-8"
                )
            ),
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
    )
    reports = REPORTS
    if result.conforms and not (options.strict and result.skipped):
        staging.write_text(LINKSET, "".join(link_lines))
        links_count = len(link_lines)
        sizes = {**writer.sizes(), LINKSET: (staging.path / LINKSET).stat().st_size}
        checksums = {**writer.checksums(), LINKSET: sha256_of(staging.path / LINKSET)}
        first = store.first()
        example = (
            iris.work(links[first].work_id)
            if first is not None and first in links
            else (iris.work(first) if first is not None else None)
        )
        void = describe_dataset(
            iris.base,
            collection,
            {"triples": result.triples, "subjects": writer.subjects},
            checksums,
            sizes,
            example,
            writer.classes,
            links_count,
        )
        (staging.path / "void.ttl").write_bytes(void)
        staging.commit(PUBLISHED)
        result.published = True
    else:
        staging.commit(reports)  # the curator needs the reports; the last good dumps stay
    shared.close()
    store.db.close()
    report.db.close()
    checks.close()
    index.close()
    phases.lap("finish")
    result.seconds = time.monotonic() - started
    return result


def _is_link(line: str) -> bool:
    """A triple of the Wikidata linkset: a graph another archive can join on."""
    parts = line.split(" ", 2)
    return (
        len(parts) == 3
        and parts[1] in LINK_PREDICATES
        and parts[2].startswith("<http://www.wikidata.org/entity/Q")
    )


def _count_entity(line: str, status: dict[str, int], linked: list[int]) -> None:
    """Alignment counts over the shared block, as it streams by."""
    if "<https://w3id.org/fond/ns#alignmentStatus>" in line:
        for key in status:
            if line.endswith(f"<https://w3id.org/fond/ns#{key}> .\n"):
                status[key] += 1
    elif (
        "<http://www.w3.org/2004/02/skos/core#exactMatch> <http://www.wikidata.org/entity/" in line
    ):
        linked[0] += 1


def _merge_alignment(alignment: dict, batch: BatchResult) -> None:
    """A batch's unaligned and ambiguous names into the curator's alignment report."""
    for row in batch.alignment:
        key = (row["entity_id"], row["kind"])
        kept = alignment.get(key)
        if kept is None:
            alignment[key] = row
            continue
        kept["count"] += row["count"]
        for text_id in row["texts"]:
            if len(kept["texts"]) < 10 and text_id not in kept["texts"]:
                kept["texts"].append(text_id)


def _skip(result: BuildResult, message: str, strict: bool) -> None:
    if strict:
        raise InputError(message + " (stopped: --strict)")
    result.skipped.append(message)


ALIGNMENT_COLUMNS = [
    "name",
    "kind",
    "status",
    "entity_id",
    "count",
    "texts",
    "example_text",
    "example_quote",
    "candidates",
    "qid",
    "decision",
    "note",
]


def _alignment_csv(alignment: dict) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ALIGNMENT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for key in sorted(alignment, key=lambda k: (alignment[k]["status"], -alignment[k]["count"], k)):
        row = dict(alignment[key])
        row["texts"] = ";".join(row["texts"][:10])
        row.update(qid="", decision="", note="")
        writer.writerow(row)
    return buffer.getvalue()


def _report_header(result: BuildResult) -> str:
    verdict = "CONFORMS" if result.conforms else "DOES NOT CONFORM"
    return (
        f"SHACL validation: {verdict}: {result.violations} violation(s),"
        f" {result.warnings} warning(s),"
        f" {result.infos} info(s) over {result.texts} text(s)\n\n"
    )


def _report_turtle(rows: Iterable[tuple[ResultRow, str]], conforms: bool) -> str:
    """The SHACL report as Turtle, with IRIs for results (no blank nodes, stable order)."""
    return "".join(_report_turtle_lines(rows, conforms))


def _write_report_turtle(path: Path, report: ResultStore, conforms: bool) -> None:
    """The report, streamed from the result store (a large corpus has many results)."""
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.writelines(_report_turtle_lines(report.sorted_rows(), conforms))
        f.flush()
        os.fsync(f.fileno())


def _report_turtle_lines(rows: Iterable[tuple[ResultRow, str]], conforms: bool) -> Iterator[str]:
    yield (
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n"
        "<urn:fond:validation-report> a sh:ValidationReport ;\n"
        f"    sh:conforms {'true' if conforms else 'false'} .\n\n"
    )
    for row, where in rows:
        ident = hashlib.sha256(repr(row).encode("utf-8")).hexdigest()[:16]
        node = f"<urn:fond:validation-result:{ident}>"
        out = [
            f"<urn:fond:validation-report> sh:result {node} .",
            f"{node} a sh:ValidationResult ;",
            f"    sh:resultSeverity sh:{row.severity} ;",
            f"    sh:focusNode <{row.focus}> ;",
        ]
        if row.path:
            out.append(f"    sh:resultPath <{row.path}> ;")
        if row.shape.startswith("http"):
            out.append(f"    sh:sourceShape <{row.shape}> ;")
        component = (
            f"<{row.component}>" if row.component.startswith("http") else f"sh:{row.component}"
        )
        out.append(f"    sh:sourceConstraintComponent {component} ;")
        out.append(f"    rdfs:comment {json.dumps(where, ensure_ascii=False)} ;")
        out.append(
            f"    sh:resultMessage {json.dumps(row.message or row.component, ensure_ascii=False)} ."
        )
        out.append("")
        yield "\n".join(out) + "\n"
