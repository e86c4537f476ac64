"""Map stage: aligned records -> RDF triples (pyoxigraph terms), with their evidence.

``map_text`` gives the triples of one text (and of its work, when the text is
the one that carries it); ``map_entities`` the triples describing the entities
the texts refer to; ``map_document_types`` the document-type concept scheme.
No blank nodes: every node has an IRI minted in ``iris.py``. See
``ontology/fond.ttl`` for the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Triple

from mappings.align.gazetteer import Entry, slugify
from mappings.read.fields import document_types
from mappings.records import (
    APPARATUS,
    AgentLink,
    AlignedText,
    ArchivalReference,
    Evidence,
    Fact,
    Mention,
    PublishedSource,
    Resolution,
    WorkFacts,
)
from mappings.to_rdf.iris import FOND, Iris, wikidata

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OA = "http://www.w3.org/ns/oa#"
EDTF = "http://id.loc.gov/datatypes/edtf/EDTF"
PREFIXES = {
    "fond": FOND,
    "dcterms": DCT,
    "schema": SCHEMA,
    "skos": SKOS,
    "rdfs": RDFS,
    "xsd": XSD,
    "oa": OA,
    "wd": "http://www.wikidata.org/entity/",
    "prov": "http://www.w3.org/ns/prov#",
    "edtf": "http://id.loc.gov/datatypes/edtf/",
}
ROLE_PROPERTY = {
    "author": SCHEMA + "author",
    "recipient": SCHEMA + "recipient",
    "participant": FOND + "participant",
    "speaker": FOND + "speaker",
    "note_taker": FOND + "noteTaker",
    "translator": SCHEMA + "translator",
    "editor": SCHEMA + "editor",
}
KIND_CLASSES = {
    "person": (FOND + "Person", SCHEMA + "Person"),
    "organization": (FOND + "Organization", SCHEMA + "Organization"),
    "state": (FOND + "State", SCHEMA + "Country"),
    "event": (FOND + "Event", SCHEMA + "Event"),
    "place": (FOND + "Place", SCHEMA + "Place"),
    "concept": (FOND + "Concept", SKOS + "Concept"),
}
STATUS = {
    "aligned": FOND + "Aligned",
    "unaligned": FOND + "Unaligned",
    "ambiguous": FOND + "Ambiguous",
}
ORIGIN = {
    "catalogue": FOND + "Catalogue",
    "extraction": FOND + "Extraction",
    "work": FOND + "Extraction",
}


def lit(value: object, datatype: str | None = None) -> Literal:
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return Literal(str(value), datatype=NamedNode(datatype or XSD + "integer"))
    if isinstance(value, float):
        return Literal(f"{value:.2f}", datatype=NamedNode(XSD + "decimal"))
    return Literal(str(value), datatype=NamedNode(datatype)) if datatype else Literal(str(value))


@dataclass(frozen=True)
class LocalEntity:
    """An entity the gazetteer does not describe: minted for an unknown or ambiguous name."""

    entity_id: str
    kind: str
    label: str
    status: str
    candidates: tuple[str, ...] = ()


class _Builder:
    def __init__(self) -> None:
        self.triples: list[Triple] = []
        # A document names the same few subjects, predicates and classes hundreds of times;
        # pyoxigraph checks an IRI each time a NamedNode is made, so make each one once.
        self._nodes: dict[str, NamedNode] = {}

    def node(self, iri: str) -> NamedNode:
        made = self._nodes.get(iri)
        if made is None:
            made = self._nodes[iri] = NamedNode(iri)
        return made

    def add(self, s: str, p: str, o: NamedNode | Literal | str) -> None:
        obj = self.node(o) if isinstance(o, str) else o
        self.triples.append(Triple(self.node(s), self.node(p), obj))

    def typed(self, s: str, *classes: str) -> None:
        for c in classes:
            self.add(s, RDF + "type", c)


def _selector(b: _Builder, node: str, source: str, start: int, end: int, quote: str) -> None:
    target = f"{node}/target"
    b.add(node, OA + "hasTarget", target)
    b.typed(target, OA + "SpecificResource")
    b.add(target, OA + "hasSource", source)
    b.add(target, OA + "hasSelector", f"{target}/position")
    b.add(target, OA + "hasSelector", f"{target}/quote")
    b.typed(f"{target}/position", OA + "TextPositionSelector")
    b.add(f"{target}/position", OA + "start", lit(start, XSD + "nonNegativeInteger"))
    b.add(f"{target}/position", OA + "end", lit(end, XSD + "nonNegativeInteger"))
    b.typed(f"{target}/quote", OA + "TextQuoteSelector")
    b.add(f"{target}/quote", OA + "exact", lit(quote))


def _evidence(
    b: _Builder,
    iris: Iris,
    node: str,
    about: str,
    prop: str,
    value: NamedNode | Literal,
    ev: Evidence,
    default_text: str,
) -> None:
    b.typed(node, FOND + "Evidence")
    b.add(node, FOND + "about", about)
    b.add(node, FOND + "property", prop)
    b.add(node, FOND + "value", value)
    b.add(node, FOND + "origin", ORIGIN[ev.origin])
    b.add(node, FOND + "rule", lit(ev.rule))
    b.add(node, FOND + "confidence", lit(round(float(ev.confidence), 2)))
    if ev.note:
        b.add(node, RDFS + "comment", lit(ev.note))
    if ev.start is not None and ev.end is not None and ev.quote is not None and ev.end > ev.start:
        source = iris.text(ev.text_id) if ev.text_id else default_text
        _selector(b, node, source, ev.start, ev.end, ev.quote)


def _fact(
    b: _Builder,
    iris: Iris,
    subject: str,
    prop: str,
    local: str,
    value: NamedNode | Literal,
    fact: Fact,
    text_iri: str,
) -> None:
    b.add(subject, prop, value)
    _evidence(b, iris, f"{subject}/evidence/{local}", subject, prop, value, fact.evidence, text_iri)


def _date(b: _Builder, iris: Iris, subject: str, fact: Fact, text_iri: str) -> None:
    date = fact.value
    _fact(b, iris, subject, FOND + "date", "date", lit(date.edtf, EDTF), fact, text_iri)
    b.add(subject, FOND + "earliestDate", lit(date.earliest.isoformat(), XSD + "date"))
    b.add(subject, FOND + "latestDate", lit(date.latest.isoformat(), XSD + "date"))


def _agents(
    b: _Builder, iris: Iris, subject: str, links: Iterable[AgentLink], text_iri: str
) -> None:
    for link in links:
        prop = ROLE_PROPERTY[link.agent.role]
        entity = iris.entity(link.resolution.entity_id)
        local = f"{link.agent.role}-{link.resolution.entity_id}"
        _fact(
            b,
            iris,
            subject,
            prop,
            local,
            NamedNode(entity),
            Fact(link.agent, link.agent.evidence),
            text_iri,
        )
        evidence = f"{subject}/evidence/{local}"
        b.add(evidence, FOND + "namedAs", lit(" ".join(link.agent.as_written.split())))
        if link.agent.description:
            b.add(evidence, FOND + "describedAs", lit(link.agent.description))
        if link.agent.role == "speaker":
            b.add(subject, ROLE_PROPERTY["participant"], entity)


def devised_title(work: WorkFacts, agents: tuple[AgentLink, ...]) -> Fact:
    """An archival devised title when the text gives none: 'Letter from X to Y, 6 October 1988'."""
    types = document_types()
    key = work.document_type.value if work.document_type else "document"
    label = types.get(key, {}).get("label", "document")
    authors = [a.resolution.label for a in agents if a.agent.role in ("author", "note_taker")]
    recipients = [a.resolution.label for a in agents if a.agent.role == "recipient"]
    title = label[:1].upper() + label[1:]
    if authors:
        title += " from " + " and ".join(dict.fromkeys(authors))
    if recipients:
        title += " to " + " and ".join(dict.fromkeys(recipients))
    if work.date is not None:
        date = work.date.value
        title += ", " + _human_date(date)
    else:
        title += ", undated"
    if work.archival_references and not authors:
        ref = work.archival_references[0]
        title += f" ({inventory_label(ref)})"
    return Fact(
        title,
        Evidence(
            "extraction",
            "devised-title",
            0.6,
            note="devised from the document's type, people, date and archival reference;"
            " the text gives no title",
        ),
    )


def _human_date(date) -> str:  # noqa: ANN001 - DateValue
    if date.earliest == date.latest:
        return f"{date.earliest.day} {date.earliest:%B %Y}"
    if (
        date.earliest.day == 1
        and date.earliest.month == date.latest.month
        and date.earliest.year == date.latest.year
    ):
        return f"{date.earliest:%B %Y}"
    if (
        date.earliest.month == 1
        and date.latest.month == 12
        and date.earliest.year == date.latest.year
    ):
        return str(date.earliest.year)
    return f"{date.earliest.isoformat()} to {date.latest.isoformat()}"


def inventory_label(ref: ArchivalReference) -> str:
    parts = [ref.archive]
    for name, value in (
        ("Fond", ref.fond),
        ("Opis", ref.opis),
        ("Papka", ref.papka),
        ("Delo", ref.delo),
        ("Box", ref.box),
        ("Folder", ref.folder),
    ):
        if value:
            parts.append(f"{name} {value}")
    return ", ".join(parts)


def _source(
    b: _Builder, iris: Iris, text_iri: str, source: PublishedSource, n: int, resolve
) -> None:  # noqa: ANN001
    node = iris.source(source.title, source.year)
    prop = SCHEMA + "isPartOf" if source.relation == "published_in" else DCT + "source"
    _fact(
        b,
        iris,
        text_iri,
        prop,
        f"source-{n}",
        NamedNode(node),
        Fact(source, source.evidence),
        text_iri,
    )
    b.typed(node, SCHEMA + "CreativeWork")
    b.add(node, DCT + "title", lit(source.title))
    if source.alternative_title:
        b.add(node, DCT + "alternative", lit(source.alternative_title))
    for creator in source.creators:
        b.add(node, DCT + "creator", iris.entity(resolve(creator, "person").entity_id))
    if source.publisher:
        b.add(
            node,
            SCHEMA + "publisher",
            iris.entity(resolve(source.publisher, "organization").entity_id),
        )
    if source.place:
        b.add(
            node, FOND + "placeOfPublication", iris.entity(resolve(source.place, "place").entity_id)
        )
    if source.year:
        b.add(node, DCT + "issued", lit(source.year, XSD + "gYear"))
    if source.series:
        b.add(node, FOND + "series", lit(source.series))
    if source.url:
        b.add(node, SCHEMA + "url", NamedNode(source.url))
    if source.accessed:
        b.add(text_iri, FOND + "accessed", lit(source.accessed, EDTF))
    if source.item_number:
        b.add(text_iri, SCHEMA + "position", lit(source.item_number))
    if source.pages:
        b.add(text_iri, SCHEMA + "pagination", lit(source.pages))


def _mention(b: _Builder, iris: Iris, text_iri: str, mention: Mention) -> None:
    r = mention.resolution
    node = f"{text_iri}/mention/{mention.start}-{mention.end}-{r.entity_id}"
    b.typed(node, OA + "Annotation")
    b.add(node, OA + "motivatedBy", OA + "identifying")
    b.add(node, OA + "hasBody", iris.entity(r.entity_id))
    b.add(node, FOND + "method", lit(r.method))
    b.add(node, FOND + "confidence", lit(round(float(r.confidence), 2)))
    b.add(node, FOND + "region", lit(mention.region))
    _selector(b, node, text_iri, mention.start, mention.end, mention.quote)


def map_work(
    b: _Builder,
    iris: Iris,
    work: WorkFacts,
    agents: tuple[AgentLink, ...],
    mentions: Iterable[str],
    resolve,
    text_iri: str,
) -> None:  # noqa: ANN001
    w = iris.work(work.work_id)
    b.typed(w, FOND + "Document", SCHEMA + "CreativeWork")
    title = work.title or devised_title(work, agents)
    _fact(b, iris, w, DCT + "title", "title", lit(title.value), title, text_iri)
    doc_type = work.document_type or Fact("document", Evidence("extraction", "fallback", 0.5))
    _fact(
        b,
        iris,
        w,
        DCT + "type",
        "type",
        NamedNode(iris.doc_type(doc_type.value)),
        doc_type,
        text_iri,
    )
    if work.date is not None:
        _date(b, iris, w, work.date, text_iri)
    if work.language is not None:
        _fact(
            b,
            iris,
            w,
            SCHEMA + "inLanguage",
            "language",
            lit(work.language.value),
            work.language,
            text_iri,
        )
    _agents(b, iris, w, agents, text_iri)
    for i, ref in enumerate(work.archival_references, start=1):
        node = f"{w}/archival-reference/{i}"
        _fact(
            b,
            iris,
            w,
            FOND + "archivalReference",
            f"archival-reference-{i}",
            NamedNode(node),
            Fact(ref, ref.evidence),
            text_iri,
        )
        b.typed(node, FOND + "ArchivalReference")
        b.add(node, FOND + "archive", iris.entity(resolve(ref.archive, "organization").entity_id))
        b.add(
            node,
            FOND + "inventoryNumber",
            lit(
                inventory_label(ref).split(", ", 1)[-1]
                if ", " in inventory_label(ref)
                else inventory_label(ref)
            ),
        )
        b.add(node, RDFS + "label", lit(inventory_label(ref)))
        for name, value in (
            ("fond", ref.fond),
            ("opis", ref.opis),
            ("papka", ref.papka),
            ("delo", ref.delo),
            ("box", ref.box),
            ("folder", ref.folder),
        ):
            if value:
                b.add(node, FOND + name, lit(value))
    for text_id in work.text_ids:
        b.add(w, SCHEMA + "workExample", iris.text(text_id))
    for entity_id in sorted(set(mentions)):
        b.add(w, SCHEMA + "mentions", iris.entity(entity_id))
    for a, c, share in work.overlap:
        node = f"{w}/overlap/{slugify(a)}--{slugify(c)}"
        b.add(w, FOND + "overlap", node)
        b.typed(node, FOND + "TextOverlap")
        b.add(node, FOND + "textA", iris.text(a))
        b.add(node, FOND + "textB", iris.text(c))
        b.add(node, FOND + "containment", lit(float(share)))


def map_text(
    aligned: AlignedText, iris: Iris, resolve, work_mentions: Iterable[str] = ()
) -> list[Triple]:  # noqa: ANN001
    """Triples of one text; with its work's triples when ``aligned.is_primary``."""
    b = _Builder()
    record = aligned.record
    t = iris.text(record.text_id)
    b.typed(t, FOND + "Text", SCHEMA + "CreativeWork")
    b.add(t, SCHEMA + "exampleOfWork", iris.work(aligned.work.work_id))
    b.add(t, FOND + "sourceFile", lit(record.source_file))
    b.add(t, FOND + "sha256", lit(record.sha256))
    b.add(t, SCHEMA + "text", lit(record.text))
    if record.catalogue_file:
        b.add(t, FOND + "catalogueRecord", lit(record.catalogue_file))
    if record.title is not None:
        _fact(b, iris, t, DCT + "title", "title", lit(record.title.value), record.title, t)
    if record.language is not None:
        _fact(
            b,
            iris,
            t,
            SCHEMA + "inLanguage",
            "language",
            lit(record.language.value),
            record.language,
            t,
        )
    if record.rights is not None:
        _fact(b, iris, t, DCT + "rights", "rights", lit(record.rights.value), record.rights, t)
    if record.is_excerpt is not None:
        _fact(
            b,
            iris,
            t,
            FOND + "isExcerpt",
            "excerpt",
            lit(bool(record.is_excerpt.value)),
            record.is_excerpt,
            t,
        )
    _agents(b, iris, t, (a for a in aligned.agents if a.agent.role in ("translator", "editor")), t)
    for n, source in enumerate(record.sources, start=1):
        _source(b, iris, t, source, n, resolve)
    body, apparatus = set(), set()
    for mention in aligned.mentions:
        _mention(b, iris, t, mention)
        (apparatus if mention.region in APPARATUS else body).add(mention.resolution.entity_id)
    for entity_id in sorted(body):
        b.add(t, SCHEMA + "mentions", iris.entity(entity_id))
    for entity_id in sorted(apparatus - body):
        b.add(t, FOND + "mentionsInApparatus", iris.entity(entity_id))
    if aligned.is_primary:
        map_work(b, iris, aligned.work, aligned.work_agents, work_mentions, resolve, t)
    return b.triples


def map_entity(iris: Iris, entry: Entry | None, local: LocalEntity | None) -> list[Triple]:
    b = _Builder()
    if entry is not None:
        e = iris.entity(entry.id)
        b.typed(e, *KIND_CLASSES[entry.kind])
        b.add(e, RDFS + "label", lit(entry.label))
        for alias in entry.aliases:
            b.add(e, SKOS + "altLabel", lit(alias))
        if entry.qid:
            match = SKOS + ("closeMatch" if entry.confidence == "single-source" else "exactMatch")
            b.add(e, match, wikidata(entry.qid))
            b.add(e, FOND + "alignmentStatus", STATUS["aligned"])
            b.add(e, FOND + "referenceConfidence", lit(entry.confidence))
        else:
            b.add(e, FOND + "alignmentStatus", STATUS["unaligned"])
        for qid in entry.successor_qids:
            b.add(e, FOND + "presentDayState", wikidata(qid))
        if (
            entry.kind in ("state", "organization")
            and entry.valid_from is not None
            and entry.subkind not in ("country", "country_realm")
        ):
            b.add(e, FOND + "validFrom", lit(f"{entry.valid_from:04d}", XSD + "gYear"))
        if entry.kind in ("state", "organization") and entry.valid_to is not None:
            b.add(e, FOND + "validTo", lit(f"{entry.valid_to:04d}", XSD + "gYear"))
        if entry.note:
            b.add(e, SKOS + "note", lit(entry.note))
    elif local is not None:
        e = iris.entity(local.entity_id)
        b.typed(e, *KIND_CLASSES.get(local.kind, KIND_CLASSES["concept"]))
        b.add(e, RDFS + "label", lit(local.label))
        b.add(e, FOND + "alignmentStatus", STATUS[local.status])
        for candidate in local.candidates:
            b.add(e, FOND + "candidate", iris.entity(candidate))
    return b.triples


def map_document_types(iris: Iris) -> list[Triple]:
    b = _Builder()
    scheme = iris.type_scheme()
    b.typed(scheme, SKOS + "ConceptScheme")
    b.add(scheme, SKOS + "prefLabel", lit("Fond document types"))
    for key, spec in document_types().items():
        node = iris.doc_type(key)
        b.typed(node, SKOS + "Concept")
        b.add(node, SKOS + "prefLabel", lit(spec["label"]))
        b.add(node, SKOS + "inScheme", scheme)
        if spec.get("qid"):
            b.add(node, SKOS + spec.get("match", "exactMatch"), wikidata(spec["qid"]))
    return b.triples


def local_entity_of(resolution: Resolution) -> LocalEntity:
    return LocalEntity(
        resolution.entity_id,
        resolution.kind,
        resolution.label,
        resolution.status,
        resolution.candidates,
    )


def sort_triples(triples: Iterable[Triple]) -> list[str]:
    """Canonical N-Triples lines, sorted and without duplicates."""
    return sorted({f"{t} .\n" for t in triples})


_ = re  # re is used by callers of this module's helpers
