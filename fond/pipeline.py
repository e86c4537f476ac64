"""The build: corpus -> read -> link -> align -> map -> validate -> export.

Streaming in two passes, so that memory does not grow with the corpus:

1. read every text (in worker processes), keep the records in an on-disk store
   and their fingerprints in the work index; bad files are skipped with a clear
   message (or stop the run with ``strict``);
2. cluster versions into works (a cheap pass over the index), then, in text-id
   order and in batches, align, map and validate each text with the entities it
   references, and append the triples to the dumps as they come. Entities and
   publications shared by many texts are collected (on disk, deduplicated) and
   written and validated once, at the end.

Output is byte-identical whatever the order of files on disk or the number of
workers: texts are processed and written in sorted id order, every block is
sorted, and nothing depends on timing or hashing seeds.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import pickle
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from fond.curation import write_extraction_report
from fond.describe import describe_dataset, read_collection
from fond.export import DumpWriter, Staging, sha256_of
from fond.validate import ResultRow, format_results, validate_ntriples
from mappings.align import align_agents, find_mentions, resolve_name
from mappings.align.gazetteer import Gazetteer, load_gazetteer
from mappings.errors import DocumentError, InputError
from mappings.link import WorkIndex, fingerprint
from mappings.link.works import merge_work, merge_work_agents
from mappings.read import read_text
from mappings.records import (
    APPARATUS,
    AgentLink,
    AlignedText,
    Mention,
    Resolution,
    TextRecord,
    WorkLink,
)
from mappings.to_rdf import (
    PREFIXES,
    local_entity_of,
    map_document_types,
    map_entity,
    map_text,
    sort_triples,
)
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
    report_text: str = ""
    published: bool = False
    seconds: float = 0.0

    @property
    def conforms(self) -> bool:
        return self.violations == 0


def discover(corpus: Path) -> list[Path]:
    """Corpus texts, sorted so that the order on disk never matters."""
    if not corpus.is_dir():
        raise InputError(f"{corpus}: corpus folder not found")
    files = sorted(
        (
            p
            for p in corpus.rglob("*.txt")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(corpus).parts)
        ),
        key=lambda p: p.relative_to(corpus).as_posix(),
    )
    return files


class Progress:
    """A progress line on stderr for long runs (silent when not a terminal or disabled)."""

    def __init__(self, label: str, total: int, enabled: bool) -> None:
        self.label, self.total, self.done = label, total, 0
        self.enabled = enabled and total >= 50
        self.started = time.monotonic()
        self.last = 0.0

    def step(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self.last > 0.5 or self.done == self.total):
            self.last = now
            rate = self.done / max(1e-6, now - self.started)
            width = 30
            filled = int(width * self.done / max(1, self.total))
            bar = "#" * filled + "-" * (width - filled)
            sys.stderr.write(f"\r{self.label:8} [{bar}] {self.done}/{self.total}  {rate:,.0f}/s")
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


# ----------------------------------------------------------------------------- pass 1: read


def _read_one(args: tuple[str, str]) -> tuple[str, TextRecord | None, str | None]:
    path, corpus = args
    try:
        return path, read_text(Path(path), Path(corpus)), None
    except DocumentError as error:
        return path, None, str(error)
    except Exception as error:  # noqa: BLE001 - one bad file must not stop a corpus run
        rel = Path(path).relative_to(corpus).as_posix()
        return (
            path,
            None,
            f"{rel}: could not be read ({type(error).__name__}: {error});"
            " please report this as a bug",
        )


class RecordStore:
    """Records between the passes, on disk (pickled; a private scratch file of this build)."""

    def __init__(self, folder: Path) -> None:
        self.db = sqlite3.connect(str(folder / "records.sqlite"), check_same_thread=False)
        self.db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            " CREATE TABLE r(id TEXT PRIMARY KEY, file TEXT, data BLOB)"
        )

    def put(self, record: TextRecord) -> str | None:
        """Store; returns the file already holding this id, if any."""
        row = self.db.execute("SELECT file FROM r WHERE id = ?", (record.text_id,)).fetchone()
        if row:
            return row[0]
        self.db.execute(
            "INSERT INTO r VALUES (?,?,?)",
            (record.text_id, record.source_file, pickle.dumps(record, protocol=5)),
        )
        return None

    def get(self, text_id: str) -> TextRecord:
        (data,) = self.db.execute("SELECT data FROM r WHERE id = ?", (text_id,)).fetchone()
        return pickle.loads(data)

    def ids(self) -> list[str]:
        return [i for (i,) in self.db.execute("SELECT id FROM r ORDER BY id")]

    def file_of(self, text_id: str) -> str:
        row = self.db.execute("SELECT file FROM r WHERE id = ?", (text_id,)).fetchone()
        return row[0] if row else ""


# ----------------------------------------------------------------------------- pass 2: map


@dataclass
class Unit:
    """One text to map, with the records of its work's other versions."""

    text_id: str
    records: list[TextRecord]
    link: WorkLink | None


@dataclass
class BatchResult:
    blocks: list[list[str]]
    shared: list[str]
    results: list[tuple[ResultRow, str]]
    mentions: list[tuple[str, Mention]]
    agents: list[tuple[str, AgentLink]]
    works: int


def _suppressed(record: TextRecord) -> frozenset[str]:
    return frozenset(w.split(":", 1)[1] for w in record.warnings if w.startswith("suppress:"))


def align_unit(
    unit: Unit, gazetteer: Gazetteer
) -> tuple[AlignedText, dict[str, tuple[AgentLink, ...]], dict[str, tuple[Mention, ...]]]:
    records = {r.text_id: r for r in unit.records}
    work_id = unit.link.work_id if unit.link else (records[unit.text_id].work_id or unit.text_id)
    work = merge_work(work_id, list(records.values()), unit.link)
    date = work.date.value if work.date else None
    primary = unit.text_id == min(records)
    per_agents: dict[str, tuple[AgentLink, ...]] = {
        text_id: align_agents(record.agents, gazetteer, date) for text_id, record in records.items()
    }
    people = {
        link.agent.name: link.resolution
        for links in per_agents.values()
        for link in links
        if link.agent.kind == "person"
    }
    # Other versions' mentions are needed only by the text that describes the work.
    per_mentions: dict[str, tuple[Mention, ...]] = {
        text_id: find_mentions(
            record.text, record.regions, gazetteer, date, _suppressed(record), dict(people)
        )
        for text_id, record in records.items()
        if primary or text_id == unit.text_id
    }
    work_agents = merge_work_agents(per_agents)
    aligned = AlignedText(
        records[unit.text_id],
        per_mentions[unit.text_id],
        per_agents[unit.text_id],
        work,
        work_agents,
        primary,
    )
    return aligned, per_agents, per_mentions


def _entity_lines(resolutions: list[Resolution], iris: Iris, gazetteer: Gazetteer) -> list[str]:
    lines: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    seen_candidates: set[str] = set()
    for r in resolutions:
        # One name written in several ways, or used for a person and an organization, is
        # one local entity: every spelling and kind is kept (see _one_label).
        if (r.entity_id, r.kind, r.label) in seen:
            continue
        seen.add((r.entity_id, r.kind, r.label))
        entry = gazetteer.entries.get(r.entity_id)
        lines.extend(sort_triples(map_entity(iris, entry, None if entry else local_entity_of(r))))
        for candidate in r.candidates:
            if candidate not in seen_candidates:
                seen_candidates.add(candidate)
                lines.extend(sort_triples(map_entity(iris, gazetteer.entries[candidate], None)))
    return _one_label(lines)


RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SKOS_ALT_LABEL = "<http://www.w3.org/2004/02/skos/core#altLabel>"


def _one_label(lines: list[str]) -> list[str]:
    """One rdfs:label per node: when a local entity got several (the same name written
    differently: 'Gorbachev', 'GORBACHEV', 'Gorbachev,'), the plainest is the label (not
    all capitals, fewest odd characters, shortest, then smallest) and the others become
    skos:altLabel, so that no spelling is lost and the choice does not depend on batches,
    workers or file order."""
    labels: dict[str, set[str]] = {}
    for line in lines:
        subject, predicate, rest = line.split(" ", 2)
        if predicate == RDFS_LABEL:
            labels.setdefault(subject, set()).add(rest)
    several = {s: sorted(v, key=_label_rank) for s, v in labels.items() if len(v) > 1}
    if not several:
        return lines
    out = set()
    for line in lines:
        subject, predicate, rest = line.split(" ", 2)
        if subject in several and predicate in (RDFS_LABEL, SKOS_ALT_LABEL):
            continue
        out.add(line)
    for subject, values in several.items():
        out.add(f"{subject} {RDFS_LABEL} {values[0]}")
    for line in lines:
        subject, predicate, rest = line.split(" ", 2)
        labelled = subject in several and predicate in (RDFS_LABEL, SKOS_ALT_LABEL)
        if labelled and rest != several[subject][0]:
            out.add(f"{subject} {SKOS_ALT_LABEL} {rest}")
    return sorted(out)


def _label_rank(literal: str) -> tuple[bool, int, int, str]:
    text = literal.rsplit(" .", 1)[0]
    letters = [c for c in text if c.isalpha()]
    shouting = bool(letters) and all(c.isupper() for c in letters)
    odd = sum(1 for c in text[1:-1] if not (c.isalnum() or c in " .-'’"))
    return (shouting, odd, len(text), text)


def process_batch(args: tuple[list[Unit], str, bool]) -> BatchResult:
    """Align, map and validate a batch of texts; runs in a worker process."""
    units, base, validate = args
    gazetteer = load_gazetteer()
    iris = Iris(base)
    type_lines = sort_triples(map_document_types(iris))
    blocks: list[list[str]] = []
    shared: list[str] = []
    batch_lines: list[str] = []
    resolutions: list[Resolution] = []
    mentions_out: list[tuple[str, Mention]] = []
    agents_out: list[tuple[str, AgentLink]] = []
    works = 0
    for unit in units:
        aligned, per_agents, per_mentions = align_unit(unit, gazetteer)
        date = aligned.work.date.value if aligned.work.date else None
        extra: list[Resolution] = []

        def resolve(
            name: str, kind: str, _extra: list[Resolution] = extra, _date=date
        ) -> Resolution:  # noqa: ANN001
            found = resolve_name(name, kind, gazetteer, _date)
            _extra.append(found)
            return found

        work_mentions = (
            [
                m.resolution.entity_id
                for text_id, ms in per_mentions.items()
                for m in ms
                if m.region not in APPARATUS
            ]
            if aligned.is_primary
            else []
        )
        triples = map_text(aligned, iris, resolve, work_mentions)
        lines = sort_triples(triples)
        source_lines = [line for line in lines if line.startswith(f"<{base}source/")]
        own = [line for line in lines if not line.startswith(f"<{base}source/")]
        blocks.append(own)
        shared.extend(source_lines)
        used = [m.resolution for m in aligned.mentions] + [a.resolution for a in aligned.agents]
        if aligned.is_primary:
            works += 1
            used += [a.resolution for a in aligned.work_agents]
            used += [
                m.resolution
                for ms in per_mentions.values()
                for m in ms
                if m.region not in APPARATUS
            ]
        used += extra
        resolutions.extend(used)
        mentions_out.extend((unit.text_id, m) for m in aligned.mentions)
        agents_out.extend((unit.text_id, a) for a in aligned.agents)
        if aligned.is_primary:
            agents_out.extend(
                (unit.text_id, a) for a in aligned.work_agents if a not in aligned.agents
            )
        batch_lines.extend(lines)
    entity_lines = _entity_lines(resolutions, iris, gazetteer)
    shared.extend(entity_lines)
    results: list[tuple[ResultRow, str]] = []
    if validate:
        stubs = _stub_links(batch_lines, units, base)
        rows = validate_ntriples(batch_lines + entity_lines + type_lines + stubs)
        # A stub stands for a version described (and validated) in another batch: its
        # missing properties are not a problem of this batch.
        described = {line.split(" ", 1)[0] for line in batch_lines}
        stub_only = {line.split(" ", 1)[0][1:-1] for line in stubs} - {s[1:-1] for s in described}
        for row in rows:
            if row.focus not in stub_only:
                results.append((row, _where(row.focus, base, units)))
    return BatchResult(blocks, sorted(set(shared)), results, mentions_out, agents_out, works)


def _stub_links(lines: list[str], units: list[Unit], base: str) -> list[str]:
    """Type triples for texts and works described in other batches, so that sh:class checks
    on links between versions see their targets (the full nodes are checked in their batch)."""
    stubs = []
    for unit in units:
        for record in unit.records:
            stubs.append(
                f"<{base}text/{record.text_id}> {RDF_TYPE} <https://w3id.org/fond/ns#Text> .\n"
            )
        work_id = unit.link.work_id if unit.link else (unit.records[0].work_id or unit.text_id)
        stubs.append(f"<{base}doc/{work_id}> {RDF_TYPE} <https://w3id.org/fond/ns#Document> .\n")
    return stubs


def _where(focus: str, base: str, units: list[Unit]) -> str:
    """The corpus file a focus node belongs to, for the report."""
    for prefix in ("text/", "doc/"):
        if focus.startswith(base + prefix):
            rest = focus[len(base + prefix) :]
            for unit in units:
                for record in unit.records:
                    key = (
                        record.text_id
                        if prefix == "text/"
                        else (unit.link.work_id if unit.link else unit.text_id)
                    )
                    if rest == key or rest.startswith(key + "/"):
                        return (
                            f"{record.source_file} (text {record.text_id})"
                            if prefix == "text/"
                            else f"document {key}, from {record.source_file}"
                        )
    if focus.startswith(base + "entity/"):
        return f"entity {focus[len(base + 'entity/') :]} (mappings/tables/entities.csv)"
    return "dataset"


def _batches(units: Iterator[Unit], size: int) -> Iterator[list[Unit]]:
    batch: list[Unit] = []
    for unit in units:
        batch.append(unit)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _map_ordered(fn: Callable, items: Iterator, workers: int) -> Iterator:  # noqa: ANN001
    if workers <= 1:
        for item in items:
            yield fn(item)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
        yield from pool.imap(fn, items, chunksize=1)


def _die_with_parent(parent: int) -> None:
    """Worker start: end with the build, so a killed build leaves no process running."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: workers end at their next result instead
        pass
    if os.getppid() != parent:  # the build died before prctl took effect
        os._exit(1)


# ----------------------------------------------------------------------------- the build


def build(
    options: BuildOptions, log: Callable[[str], None] = lambda s: print(s, file=sys.stderr)
) -> BuildResult:
    started = time.monotonic()
    result = BuildResult()
    iris = Iris(options.base)
    collection = read_collection(options.corpus)
    load_gazetteer()  # fail early, with the table's line number, on a bad table
    files = discover(options.corpus)
    staging = Staging(options.out)
    for line in staging.recovered:  # what a killed earlier build left, now cleaned up
        log(f"recovered: {line}")
    try:
        return _build(options, result, iris, collection, files, staging, started, log)
    finally:
        staging.discard()


def _build(options, result, iris, collection, files, staging, started, log) -> BuildResult:  # noqa: ANN001, C901
    scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=staging.path))
    store = RecordStore(scratch)
    index = WorkIndex(scratch / "works.sqlite")
    progress = Progress("read", len(files), options.progress)
    jobs = ((str(p), str(options.corpus)) for p in files)
    for path, record, error in _map_ordered(_read_one, jobs, options.workers):
        progress.step()
        if record is None:
            _skip(result, error or path, options.strict)
            continue
        clash = store.put(record)
        if clash is not None:
            _skip(
                result,
                f"{record.source_file}: its id {record.text_id!r} is already used by {clash};"
                " rename one file or set a distinct `id` in its catalogue record",
                options.strict,
            )
            continue
        index.add(fingerprint(record))
        result.read_warnings.extend(
            f"{record.source_file}: {w}" for w in record.warnings if not w.startswith("suppress:")
        )
    store.db.commit()
    links = index.links()
    ids = store.ids()
    result.texts = len(ids)

    def units() -> Iterator[Unit]:
        for text_id in ids:
            link = links.get(text_id)
            members = list(link.text_ids) if link else [text_id]
            yield Unit(text_id, [store.get(m) for m in members], link)

    writer = DumpWriter(staging.path, PREFIXES)
    shared = sqlite3.connect(str(scratch / "shared.sqlite"))
    shared.executescript(
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; CREATE TABLE s(line TEXT PRIMARY KEY)"
    )
    report_rows: list[tuple[ResultRow, str]] = []
    alignment: dict[tuple[str, str], dict] = {}
    progress = Progress("map", len(ids), options.progress)
    jobs2 = (
        (batch, iris.base, options.validate) for batch in _batches(units(), options.batch_size)
    )
    for batch_result in _map_ordered(process_batch, jobs2, options.workers):
        for block in batch_result.blocks:
            writer.write_block(block)
            progress.step()
        shared.executemany(
            "INSERT OR IGNORE INTO s VALUES (?)", ((line,) for line in batch_result.shared)
        )
        report_rows.extend(batch_result.results)
        result.works += batch_result.works
        _collect_alignment(alignment, batch_result, store)
    # The shared block: entities, publications and document types, each written once.
    type_lines = sort_triples(map_document_types(iris))
    shared.executemany("INSERT OR IGNORE INTO s VALUES (?)", ((line,) for line in type_lines))
    shared_lines = _one_label(
        [line for (line,) in shared.execute("SELECT line FROM s ORDER BY line")]
    )
    if options.validate:
        for row in validate_ntriples(shared_lines):
            where = _where(row.focus, iris.base, [])
            report_rows.append((row, where))
    writer.write_block(shared_lines)
    writer.close()
    result.triples = writer.triples
    status_counts = _entity_status(shared_lines)
    result.entities_aligned, result.entities_unaligned, result.entities_ambiguous = status_counts
    unique_rows = sorted(set(report_rows), key=lambda r: (r[0], r[1]))
    result.violations = sum(r.severity == "Violation" for r, _ in unique_rows)
    result.warnings = sum(r.severity == "Warning" for r, _ in unique_rows)
    result.infos = sum(r.severity == "Info" for r, _ in unique_rows)
    result.report_text = format_results([r for r in unique_rows if r[0].severity != "Info"])
    staging.write_text("validation-report.txt", _report_header(result) + result.report_text + "\n")
    staging.write_text("validation-report.ttl", _report_turtle(unique_rows, result.conforms))
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
    write_extraction_report(staging.path / "dataset.nt", staging.path / "extraction-report.csv")
    reports = REPORTS
    if result.conforms and not (options.strict and result.skipped):
        linked = _write_linkset(staging.path / "dataset.nt", staging, LINKSET)
        sizes = {name: (staging.path / name).stat().st_size for name in DUMPS + [LINKSET]}
        checksums = {name: sha256_of(staging.path / name) for name in DUMPS + [LINKSET]}
        classes = _class_counts(staging.path / "dataset.nt")
        example = (
            iris.work(links[ids[0]].work_id)
            if ids and ids[0] in links
            else (iris.work(ids[0]) if ids else None)
        )
        void = describe_dataset(
            iris.base,
            collection,
            {"triples": result.triples, "subjects": _subject_count(staging.path / "dataset.nt")},
            checksums,
            sizes,
            example,
            classes,
            linked,
        )
        (staging.path / "void.ttl").write_bytes(void)
        staging.commit(PUBLISHED)
        result.published = True
    else:
        staging.commit(reports)  # the curator needs the reports; the last good dumps stay
    shared.close()
    store.db.close()
    index.close()
    result.seconds = time.monotonic() - started
    return result


def _skip(result: BuildResult, message: str, strict: bool) -> None:
    if strict:
        raise InputError(message + " (stopped: --strict)")
    result.skipped.append(message)


def _entity_status(lines: list[str]) -> tuple[int, int, int]:
    counts = {"Aligned": 0, "Unaligned": 0, "Ambiguous": 0}
    for line in lines:
        if "<https://w3id.org/fond/ns#alignmentStatus>" in line:
            for key in counts:
                if line.endswith(f"<https://w3id.org/fond/ns#{key}> .\n"):
                    counts[key] += 1
    return counts["Aligned"], counts["Unaligned"], counts["Ambiguous"]


def _class_counts(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            parts = line.split(" ", 2)
            if len(parts) == 3 and parts[1] == RDF_TYPE:
                cls = parts[2].rsplit(" .", 1)[0].strip("<>")
                if cls.startswith("https://w3id.org/fond/ns#"):
                    counts[cls] = counts.get(cls, 0) + 1
    return counts


def _write_linkset(dump: Path, staging: Staging, name: str) -> int:
    """The triples linking to Wikidata items, sorted: a graph another archive can join on."""
    links = set()
    with dump.open(encoding="utf-8") as f:
        for line in f:
            parts = line.split(" ", 2)
            if (
                len(parts) == 3
                and parts[1] in LINK_PREDICATES
                and parts[2].startswith("<http://www.wikidata.org/entity/Q")
            ):
                links.add(line)
    staging.write_text(name, "".join(sorted(links)))
    return len(links)


def _subject_count(path: Path) -> int:
    subjects = set()
    with path.open(encoding="utf-8") as f:
        for line in f:
            subjects.add(line.split(" ", 1)[0])
    return len(subjects)


def _collect_alignment(alignment: dict, batch: BatchResult, store: RecordStore) -> None:
    """Unaligned and ambiguous names, for the curator's alignment report."""
    for text_id, mention in batch.mentions:
        r = mention.resolution
        if r.status == "aligned":
            continue
        key = (r.entity_id, r.kind)
        row = alignment.setdefault(
            key,
            {
                "name": r.label,
                "kind": r.kind,
                "status": r.status,
                "entity_id": r.entity_id,
                "count": 0,
                "texts": [],
                "example_text": text_id,
                "example_quote": " ".join(mention.quote.split()),
                "candidates": ";".join(r.candidates),
            },
        )
        row["count"] += 1
        if text_id not in row["texts"]:
            row["texts"].append(text_id)
    for text_id, link in batch.agents:
        r = link.resolution
        if r.status == "aligned":
            continue
        key = (r.entity_id, r.kind)
        row = alignment.setdefault(
            key,
            {
                "name": r.label,
                "kind": r.kind,
                "status": r.status,
                "entity_id": r.entity_id,
                "count": 0,
                "texts": [],
                "example_text": text_id,
                "example_quote": link.agent.as_written,
                "candidates": ";".join(r.candidates),
            },
        )
        row["count"] += 1
        if text_id not in row["texts"]:
            row["texts"].append(text_id)


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


def _report_turtle(rows: list[tuple[ResultRow, str]], conforms: bool) -> str:
    """The SHACL report as Turtle, with IRIs for results (no blank nodes, stable order)."""
    import hashlib

    out = [
        "@prefix sh: <http://www.w3.org/ns/shacl#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "",
        "<urn:fond:validation-report> a sh:ValidationReport ;",
        f"    sh:conforms {'true' if conforms else 'false'} .",
        "",
    ]
    for row, where in rows:
        ident = hashlib.sha256(repr(row).encode("utf-8")).hexdigest()[:16]
        node = f"<urn:fond:validation-result:{ident}>"
        out.append(f"<urn:fond:validation-report> sh:result {node} .")
        out.append(f"{node} a sh:ValidationResult ;")
        out.append(f"    sh:resultSeverity sh:{row.severity} ;")
        out.append(f"    sh:focusNode <{row.focus}> ;")
        if row.path:
            out.append(f"    sh:resultPath <{row.path}> ;")
        if row.shape.startswith("http"):
            out.append(f"    sh:sourceShape <{row.shape}> ;")
        out.append(f"    sh:sourceConstraintComponent sh:{row.component} ;")
        out.append(f"    rdfs:comment {json.dumps(where, ensure_ascii=False)} ;")
        out.append(
            f"    sh:resultMessage {json.dumps(row.message or row.component, ensure_ascii=False)} ."
        )
        out.append("")
    return "\n".join(out) + "\n"


_ = (os, replace)
