"""The dataset description: VoID and DCAT, with counts, licence, dumps and checksums.

What the dataset is called, who publishes it and under which licence is data
(``corpus/collection.toml``); the counts and checksums come from the build.
Written as its own file (void.ttl) so that the dumps do not describe themselves.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from mappings.errors import InputError

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
SPDX = "http://spdx.org/rdf/terms#"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MEDIA = {
    "dataset.ttl": "text/turtle",
    "dataset.nt": "application/n-triples",
    "dataset.jsonld": "application/ld+json",
}
LINKSET_DUMP = "linkset.nt"  # described with the linkset when the build wrote it
LINK_PREDICATES = [
    "http://www.w3.org/2004/02/skos/core#exactMatch",
    "http://www.w3.org/2004/02/skos/core#closeMatch",
    "https://w3id.org/fond/ns#presentDayState",
]
VOCABULARIES = [
    "https://w3id.org/fond/ns#",
    "http://purl.org/dc/terms/",
    "https://schema.org/",
    "http://www.w3.org/2004/02/skos/core#",
    "http://www.w3.org/ns/oa#",
    "http://www.w3.org/ns/prov#",
]
COLLECTION_KEYS = {
    "title",
    "description",
    "publisher",
    "licence",
    "text_rights",
    "homepage",
    "keywords",
    "language",
}


@dataclass
class Collection:
    title: str = "Fond collection"
    description: str = ""
    publisher: str = ""
    licence: str = "https://creativecommons.org/publicdomain/zero/1.0/"
    text_rights: str = ""
    homepage: str = ""
    keywords: list[str] = field(default_factory=list)
    language: str = "en"


def read_collection(corpus: Path) -> Collection:
    """corpus/collection.toml, if present; defaults otherwise."""
    path = corpus / "collection.toml"
    if not path.exists():
        return Collection()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not valid UTF-8 TOML: {error}") from None
    unknown = set(data) - COLLECTION_KEYS
    if unknown:
        raise InputError(
            f"{path}: unknown field(s) {', '.join(sorted(unknown))};"
            f" allowed: {', '.join(sorted(COLLECTION_KEYS))}"
        )
    return Collection(**data)


def describe_dataset(
    base: str,
    collection: Collection,
    counts: dict[str, int],
    checksums: dict[str, str],
    sizes: dict[str, int],
    example: str | None,
    classes: dict[str, int],
    linked_wikidata: int,
) -> bytes:
    ds = base + "dataset"
    triples: list[Triple] = []

    def add(s: str, p: str, o: NamedNode | Literal | str) -> None:
        triples.append(
            Triple(NamedNode(s), NamedNode(p), NamedNode(o) if isinstance(o, str) else o)
        )

    add(ds, RDF_TYPE, VOID + "Dataset")
    add(ds, RDF_TYPE, DCAT + "Dataset")
    add(ds, DCT + "title", Literal(collection.title))
    if collection.description:
        add(ds, DCT + "description", Literal(collection.description))
    if collection.publisher:
        add(ds, DCT + "publisher", Literal(collection.publisher))
    add(ds, DCT + "license", collection.licence)
    if collection.text_rights:
        add(ds, DCT + "rights", Literal(collection.text_rights))
    if collection.homepage:
        add(ds, FOAF + "homepage", collection.homepage)
    for keyword in collection.keywords:
        add(ds, DCAT + "keyword", Literal(keyword))
    add(ds, DCT + "language", Literal(collection.language))
    add(ds, VOID + "triples", Literal(str(counts["triples"]), datatype=NamedNode(XSD + "integer")))
    add(
        ds, VOID + "entities", Literal(str(counts["subjects"]), datatype=NamedNode(XSD + "integer"))
    )
    add(
        ds,
        VOID + "distinctSubjects",
        Literal(str(counts["subjects"]), datatype=NamedNode(XSD + "integer")),
    )
    add(ds, VOID + "uriSpace", Literal(base))
    add(ds, VOID + "feature", "http://www.w3.org/ns/formats/N-Triples")
    add(ds, VOID + "feature", "http://www.w3.org/ns/formats/Turtle")
    add(ds, VOID + "feature", "http://www.w3.org/ns/formats/JSON-LD")
    for vocabulary in VOCABULARIES:
        add(ds, VOID + "vocabulary", vocabulary)
    if example:
        add(ds, VOID + "exampleResource", example)
    for cls, n in sorted(classes.items()):
        part = f"{ds}/class/{cls.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}"
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", cls)
        add(part, VOID + "entities", Literal(str(n), datatype=NamedNode(XSD + "integer")))
    linkset = f"{ds}/wikidata-links"
    add(ds, VOID + "subset", linkset)
    add(linkset, RDF_TYPE, VOID + "Linkset")
    add(linkset, VOID + "target", ds)
    add(linkset, VOID + "target", "http://www.wikidata.org/entity/")
    for predicate in LINK_PREDICATES:
        add(linkset, VOID + "linkPredicate", predicate)
    add(
        linkset,
        VOID + "triples",
        Literal(str(linked_wikidata), datatype=NamedNode(XSD + "integer")),
    )
    dumps = [(ds, name, media) for name, media in MEDIA.items()]
    if LINKSET_DUMP in sizes:
        dumps.append((linkset, LINKSET_DUMP, "application/n-triples"))
    for owner, name, media in dumps:
        dist = f"{ds}/distribution/{name.replace('.', '-')}"
        add(owner, VOID + "dataDump", base + name)
        add(owner, DCAT + "distribution", dist)
        add(dist, RDF_TYPE, DCAT + "Distribution")
        add(dist, DCAT + "downloadURL", base + name)
        add(dist, DCAT + "mediaType", Literal(media))
        add(dist, DCT + "license", collection.licence)
        add(
            dist,
            DCAT + "byteSize",
            Literal(str(sizes[name]), datatype=NamedNode(XSD + "nonNegativeInteger")),
        )
        checksum = f"{dist}/checksum"
        add(dist, SPDX + "checksum", checksum)
        add(checksum, RDF_TYPE, SPDX + "Checksum")
        add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        add(
            checksum,
            SPDX + "checksumValue",
            Literal(checksums[name], datatype=NamedNode(XSD + "hexBinary")),
        )
    prefixes = {"void": VOID, "dcat": DCAT, "dcterms": DCT, "xsd": XSD, "spdx": SPDX, "foaf": FOAF}
    data = serialize(triples, format=RdfFormat.TURTLE, prefixes=prefixes)
    assert data is not None
    return data
