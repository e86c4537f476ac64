"""The per-batch functions of a build, run in worker processes or on a Dask cluster.

``read_chunk`` reads corpus files into records (pass 1); ``process_batch`` aligns, maps,
validates and renders a batch of texts (pass 2). Both take and return plain, picklable
values and touch no state of the main process, so the same functions run in-process, in a
pool of local processes, or on a distributed engine (``fond/engines.py``), and the output
does not depend on where they ran. A batch returns its dump fragments (N-Triples, Turtle,
JSON-LD) ready to append, or writes them as part files when the engine asks for it, plus
the small facts the main process needs: shared lines (entities, publications), SHACL
results, alignment rows, the IRIs it defines and links to (for the cross-document checks),
counts and stage timings.
"""

from __future__ import annotations

import pickle
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fond.curation import extraction_rows
from fond.export import Fragment, render_block
from fond.validate import ResultRow, validate_text
from mappings.align import align_agents, find_mentions, resolve_name
from mappings.align.gazetteer import Gazetteer, load_gazetteer
from mappings.errors import DocumentError
from mappings.link import Fingerprint, fingerprint
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

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
FOND = "https://w3id.org/fond/ns#"
SCHEMA = "https://schema.org/"
# Links between texts and documents that may cross batches: checked by the second pass.
LINKS = {
    SCHEMA + "exampleOfWork",
    SCHEMA + "workExample",
    FOND + "textA",
    FOND + "textB",
    "http://www.w3.org/ns/oa#hasSource",
}
ALWAYS_CHECKED = {SCHEMA + "exampleOfWork", SCHEMA + "workExample"}
# Shapes whose targets are entities only. A batch needs its entities' triples (sh:class on
# authors, archives, ...) but not their checks: every entity is checked, with all shapes,
# in the shared pass, which gives the same rows once instead of once per batch (a third of
# the validation time, mostly decoding repeated Info results).
ENTITY_SHAPES = frozenset(
    "https://w3id.org/fond/shapes#" + name
    for name in (
        "EntityShape",
        "AlignedEntityShape",
        "UnalignedEntityShape",
        "AmbiguousEntityShape",
    )
)


# ----------------------------------------------------------------------------- pass 1


@dataclass
class ReadOut:
    """One corpus file after reading: the pickled record and its fingerprint, or an error."""

    path: str
    error: str | None = None
    text_id: str = ""
    source_file: str = ""
    blob: bytes = b""
    fingerprint: Fingerprint | None = None
    warnings: tuple[str, ...] = ()


def read_one(path: str, corpus: str) -> TextRecord | str:
    """A record, or the message saying why the file cannot be read."""
    try:
        return read_text(Path(path), Path(corpus))
    except DocumentError as error:
        return str(error)
    except Exception as error:  # noqa: BLE001 - one bad file must not stop a corpus run
        rel = Path(path).relative_to(corpus).as_posix()
        return (
            f"{rel}: could not be read ({type(error).__name__}: {error});"
            " please report this as a bug"
        )


def read_chunk(job: tuple[list[str], str]) -> tuple[list[ReadOut], float]:
    """Read a few files; the record travels pickled, so the main process never decodes it."""
    paths, corpus = job
    started = time.process_time()
    out = []
    for path in paths:
        record = read_one(path, corpus)
        if isinstance(record, str):
            out.append(ReadOut(path, error=record))
            continue
        out.append(
            ReadOut(
                path,
                text_id=record.text_id,
                source_file=record.source_file,
                blob=pickle.dumps(record, protocol=5),
                fingerprint=fingerprint(record),
                warnings=record.warnings,
            )
        )
    return out, time.process_time() - started


# ----------------------------------------------------------------------------- pass 2


@dataclass(frozen=True)
class Unit:
    """One text to map, with the pickled records of its work's versions (its own included)."""

    text_id: str
    blobs: tuple[bytes, ...]
    link: WorkLink | None


@dataclass
class BatchJob:
    """A batch of texts to process, with all a worker needs (plain values, picklable)."""

    index: int
    units: list[Unit]
    base: str
    validate: bool = True
    shacl: str = "turbo"
    parts: str | None = None  # write fragments as part files here instead of returning them


@dataclass
class BatchResult:
    """What a batch hands back: small, so that the main process stays cheap and flat."""

    index: int
    fragment: Fragment
    shared: list[str]
    results: list[tuple[ResultRow, str]]
    alignment: list[dict]
    defines: list[tuple[str, str, str]]  # (iri, "text" | "doc", where)
    links: list[tuple[str, str, str, str]]  # (subject, predicate, object, where)
    works: int = 0
    texts: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    extraction: list[list[str]] = field(default_factory=list)  # extraction-report rows


def _suppressed(record: TextRecord) -> frozenset[str]:
    return frozenset(w.split(":", 1)[1] for w in record.warnings if w.startswith("suppress:"))


def align_unit(
    text_id: str, records: list[TextRecord], link: WorkLink | None, gazetteer: Gazetteer
) -> tuple[AlignedText, dict[str, tuple[Mention, ...]]]:
    """Align one text; the other versions of its work only when it carries the work.

    Only the primary text (the smallest id) describes the work, and only it needs the
    names of every version (the work's agents and mentions): the others align their own
    text, which keeps a work of k versions at 2k-1 alignments instead of k^2.
    """
    by_id = {r.text_id: r for r in records}
    work_id = link.work_id if link else (by_id[text_id].work_id or text_id)
    work = merge_work(work_id, list(by_id.values()), link)
    primary = text_id == min(by_id)
    date = work.date.value if work.date else None
    per_agents: dict[str, tuple[AgentLink, ...]] = {}
    per_mentions: dict[str, tuple[Mention, ...]] = {}
    for other, record in by_id.items():
        if other != text_id and not primary:
            continue
        per_agents[other] = align_agents(record.agents, gazetteer, date)
    people = {
        link.agent.name: link.resolution
        for links in per_agents.values()
        for link in links
        if link.agent.kind == "person"
    }
    for other, record in by_id.items():
        if other != text_id and not primary:
            continue
        per_mentions[other] = find_mentions(
            record.text, record.regions, gazetteer, date, _suppressed(record), dict(people)
        )
    work_agents = merge_work_agents(per_agents) if primary else ()
    aligned = AlignedText(
        by_id[text_id], per_mentions[text_id], per_agents[text_id], work, work_agents, primary
    )
    return aligned, per_mentions


@lru_cache(maxsize=20_000)
def _entity_block(base: str, entity: tuple) -> tuple[str, ...]:
    """Sorted lines of one entity; the same entity is met in many batches."""
    gazetteer = load_gazetteer()
    iris = Iris(base)
    entity_id, local = entity
    entry = gazetteer.entries.get(entity_id)
    return tuple(sort_triples(map_entity(iris, entry, None if entry else local)))


@lru_cache(maxsize=4)
def _type_lines(base: str) -> tuple[str, ...]:
    return tuple(sort_triples(map_document_types(Iris(base))))


def entity_lines(resolutions: list[Resolution], base: str, gazetteer: Gazetteer) -> list[str]:
    """Lines of the entities a batch references (and of ambiguous names' candidates): SHACL
    needs them beside the documents, and the shared block collects them once."""
    lines: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    seen_candidates: set[str] = set()
    for r in resolutions:
        # One unknown name written several ways, or used for a person and for an archive,
        # is one local entity: every kind and spelling is kept (one label, see _one_label).
        if (r.entity_id, r.kind, r.label) in seen:
            continue
        seen.add((r.entity_id, r.kind, r.label))
        local = None if r.entity_id in gazetteer.entries else local_entity_of(r)
        lines.extend(_entity_block(base, (r.entity_id, local)))
        for candidate in r.candidates:
            if candidate not in seen_candidates:
                seen_candidates.add(candidate)
                lines.extend(_entity_block(base, (candidate, None)))
    return _one_label(sorted(set(lines)))


class _Clock:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.last = time.process_time()

    def lap(self, stage: str) -> None:
        now = time.process_time()
        self.times[stage] = self.times.get(stage, 0.0) + now - self.last
        self.last = now


def process_batch(job: BatchJob) -> BatchResult:
    """Align, map, validate and render a batch of texts (runs in a worker)."""
    clock = _Clock()
    gazetteer = load_gazetteer()
    iris = Iris(job.base)
    source_prefix = f"<{job.base}source/"
    fragments: list[Fragment] = []
    shared: list[str] = []
    batch_lines: list[str] = []
    resolutions: list[Resolution] = []
    mentions_out: list[tuple[str, Mention]] = []
    agents_out: list[tuple[str, AgentLink]] = []
    works = 0
    where_of: dict[str, str] = {}
    stubs: list[str] = []
    extraction: list[list[str]] = []
    for unit in job.units:
        records = [pickle.loads(b) for b in unit.blobs]
        aligned, per_mentions = align_unit(unit.text_id, records, unit.link, gazetteer)
        date = aligned.work.date.value if aligned.work.date else None
        extra: list[Resolution] = []

        def resolve(
            name: str, kind: str, _extra: list[Resolution] = extra, _date=date
        ) -> Resolution:  # noqa: ANN001
            found = resolve_name(name, kind, gazetteer, _date)
            _extra.append(found)
            return found

        work_body = (
            [m for ms in per_mentions.values() for m in ms if m.region not in APPARATUS]
            if aligned.is_primary
            else []
        )
        clock.lap("align")
        triples = map_text(aligned, iris, resolve, [m.resolution.entity_id for m in work_body])
        by_line = {f"{t} .\n": t for t in triples}
        lines = sorted(by_line)
        own = [line for line in lines if not line.startswith(source_prefix)]
        shared.extend(line for line in lines if line.startswith(source_prefix))
        batch_lines.extend(lines)
        used = [m.resolution for m in aligned.mentions] + [a.resolution for a in aligned.agents]
        if aligned.is_primary:
            works += 1
            used += [a.resolution for a in aligned.work_agents]
            used += [m.resolution for m in work_body]
        used += extra
        resolutions.extend(used)
        mentions_out.extend((unit.text_id, m) for m in aligned.mentions)
        agents_out.extend((unit.text_id, a) for a in aligned.agents)
        if aligned.is_primary:
            agents_out.extend(
                (unit.text_id, a) for a in aligned.work_agents if a not in aligned.agents
            )
        for record in records:  # the first text of a batch naming a node labels it
            where_of.setdefault(
                iris.text(record.text_id), f"{record.source_file} (text {record.text_id})"
            )
        doc_key = unit.link.work_id if unit.link else unit.text_id
        where_of.setdefault(
            iris.work(doc_key), f"document {doc_key}, from {records[0].source_file}"
        )
        stubs.extend(
            _stubs(
                unit,
                unit.link.work_id if unit.link else records[0].work_id or unit.text_id,
                job.base,
            )
        )
        clock.lap("map")
        own_triples = [by_line[line] for line in own]
        fragments.append(render_block(own, own_triples, PREFIXES))
        extraction.extend(extraction_rows(own_triples))
        clock.lap("export")
    ents = entity_lines(resolutions, job.base, gazetteer)
    shared.extend(ents)
    clock.lap("map")
    defines, links = _link_facts(batch_lines, job.base, where_of)
    results: list[tuple[ResultRow, str]] = []
    if job.validate:
        defined = {iri for iri, _, _ in defines}
        only_stub = {line.split(" ", 1)[0][1:-1] for line in stubs} - defined
        # Entities are checked with all their triples in the shared pass; the documents'
        # sh:class checks need only their types.
        entity_types = [line for line in ents if line.split(" ", 2)[1] == RDF_TYPE]
        data = "".join(batch_lines + entity_types + list(_type_lines(job.base)) + stubs)
        for row in validate_text(data, job.shacl, ENTITY_SHAPES):
            if row.focus not in only_stub:  # a stub stands for a node checked in its own batch
                results.append((row, where(row.focus, job.base, where_of)))
        clock.lap("validate")
    fragment = Fragment.join(fragments)
    if job.parts is not None:
        fragment = fragment.to_parts(Path(job.parts), job.index)
    clock.lap("export")
    return BatchResult(
        job.index,
        fragment,
        sorted(set(shared)),
        results,
        alignment_rows(mentions_out, agents_out),
        defines,
        links,
        works,
        len(job.units),
        clock.times,
        extraction,
    )


@lru_cache(maxsize=4)
def _link_line(base: str) -> re.Pattern[str]:
    """Matches the lines _link_facts reads (a batch's other lines are skipped in C)."""
    predicates = "|".join(re.escape(p) for p in sorted({RDF_TYPE[1:-1], *LINKS}))
    return re.compile(rf"<({re.escape(base)}(?:text|doc)/[^>]*)> <({predicates})> <([^>]*)> \.\n")


def _link_facts(
    lines: list[str], base: str, where_of: dict[str, str]
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str, str]]]:
    """The texts and documents a batch describes, and its links to texts and documents."""
    text_ns, doc_ns = f"{base}text/", f"{base}doc/"
    kinds = {FOND + "Text": "text", FOND + "Document": "doc"}
    rdf_type = RDF_TYPE[1:-1]
    match = _link_line(base).match
    defines: list[tuple[str, str, str]] = []
    links: list[tuple[str, str, str, str]] = []
    for line in lines:
        found = match(line)
        if found is None:
            continue
        s, p, o = found.groups()
        if p == rdf_type:
            if o in kinds:
                defines.append((s, kinds[o], where_of.get(s, "")))
        elif o.startswith((text_ns, doc_ns)):
            links.append((s, p, o, ""))
    defined = {iri for iri, _, _ in defines}
    kept = [
        (s, p, o, where_of.get(_root(s, where_of), ""))
        for s, p, o, _ in links
        if p in ALWAYS_CHECKED or o not in defined
    ]
    return defines, kept


def _root(iri: str, roots: dict[str, str]) -> str:
    """The text or document IRI under which a node of a block was minted."""
    for root in roots:
        if iri == root or iri.startswith(root + "/"):
            return root
    return iri


def _stubs(unit: Unit, work_id: str, base: str) -> list[str]:
    """Type triples for texts and works described in other batches, so that sh:class checks
    on links between versions see their targets (the full nodes are checked in their batch,
    and the second pass checks that they exist)."""
    members = unit.link.text_ids if unit.link else (unit.text_id,)
    stubs = [f"<{base}text/{text_id}> {RDF_TYPE} <{FOND}Text> .\n" for text_id in members]
    stubs.append(f"<{base}doc/{work_id}> {RDF_TYPE} <{FOND}Document> .\n")
    return stubs


def where(focus: str, base: str, where_of: dict[str, str]) -> str:
    """The corpus file a focus node belongs to, for the report."""
    for prefix in ("text/", "doc/"):
        if focus.startswith(base + prefix):
            rest = focus[len(base + prefix) :]
            for iri, label in where_of.items():
                if not iri.startswith(base + prefix):
                    continue
                key = iri[len(base + prefix) :]
                if rest == key or rest.startswith(key + "/"):
                    return label
    if focus.startswith(base + "entity/"):
        return f"entity {focus[len(base + 'entity/') :]} (mappings/tables/entities.csv)"
    return "dataset"


def alignment_rows(
    mentions: list[tuple[str, Mention]], agents: list[tuple[str, AgentLink]]
) -> list[dict]:
    """Unaligned and ambiguous names of a batch, first seen first (merged by the main process).

    Rows keep the first example, the number of uses and the first ten texts: what the
    curator's report shows, in memory that does not grow with the corpus.
    """
    rows: dict[tuple[str, str], dict] = {}

    def add(text_id: str, r: Resolution, quote: str) -> None:
        if r.status == "aligned":
            return
        row = rows.setdefault(
            (r.entity_id, r.kind),
            {
                "name": r.label,
                "kind": r.kind,
                "status": r.status,
                "entity_id": r.entity_id,
                "count": 0,
                "texts": [],
                "example_text": text_id,
                "example_quote": quote,
                "candidates": ";".join(r.candidates),
            },
        )
        row["count"] += 1
        if len(row["texts"]) < 10 and text_id not in row["texts"]:
            row["texts"].append(text_id)

    for text_id, mention in mentions:
        add(text_id, mention.resolution, " ".join(mention.quote.split()))
    for text_id, link in agents:
        add(text_id, link.resolution, link.agent.as_written)
    return list(rows.values())


@dataclass
class SharedJob:
    """A chunk of the shared block (entities, publications, types), cut between subjects."""

    index: int
    lines: list[str]
    base: str
    validate: bool = True
    shacl: str = "turbo"
    parts: str | None = None


@dataclass
class SharedResult:
    """A rendered chunk of the shared block, with its SHACL results."""

    fragment: Fragment
    results: list[tuple[ResultRow, str]]
    timings: dict[str, float] = field(default_factory=dict)


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


def process_shared(job: SharedJob) -> SharedResult:
    """Validate and render a chunk of the shared block (runs in a worker)."""
    clock = _Clock()
    results = []
    lines = _one_label(job.lines)  # chunks are cut between subjects: a node's labels are here
    if job.validate:
        for row in validate_text("".join(lines), job.shacl):
            results.append((row, where(row.focus, job.base, {})))
        clock.lap("validate")
    fragment = render_block(lines, None, PREFIXES)
    if job.parts is not None:
        fragment = fragment.to_parts(Path(job.parts), 10_000_000 + job.index)
    clock.lap("export")
    return SharedResult(fragment, results, clock.times)
