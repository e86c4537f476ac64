"""The SHACL gate: the seeds conform; every constraint rejects a small graph that breaks it,
with the severity chosen for it and a message a curator can act on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from fond.validate import results_of, shapes_graph, validate_graph

FOND = Namespace("https://w3id.org/fond/ns#")
SCHEMA = Namespace("https://schema.org/")
DCT = Namespace("http://purl.org/dc/terms/")
OA = Namespace("http://www.w3.org/ns/oa#")
EDTF = URIRef("http://id.loc.gov/datatypes/edtf/EDTF")
BASE = "https://w3id.org/fond/id/"
DOC = URIRef(BASE + "doc/000_0dc14e63435743eb")
TEXT = URIRef(BASE + "text/000_0dc14e63435743eb")
GDR = URIRef(BASE + "entity/german-democratic-republic")


@pytest.fixture(scope="module")
def seed_graph(seed_out: Path) -> Graph:
    return Graph().parse(seed_out / "dataset.nt", format="nt")


def test_shapes_are_valid_shacl() -> None:
    # meta-SHACL: raises on a malformed shapes file
    validate(Graph(), shacl_graph=shapes_graph(), meta_shacl=True)


def test_the_seed_graph_conforms_with_only_the_expected_warnings(seed_graph: Graph) -> None:
    rows = validate_graph(seed_graph)
    assert not [r for r in rows if r.severity == "Violation"]
    warnings = {
        (r.focus.rsplit("/", 1)[-1], r.path.rsplit("/", 1)[-1].rsplit("#", 1)[-1])
        for r in rows
        if r.severity == "Warning"
    }
    assert warnings == {
        ("002_828809c27ca289ff", "author"),
        ("004_b269804334c0b786", "author"),
        ("004_b269804334c0b786", "date"),
    }


def _without(g: Graph, s: URIRef, p: URIRef) -> None:
    g.remove((s, p, None))


def _replace(g: Graph, s: URIRef, p: URIRef, o: object) -> None:
    g.remove((s, p, None))
    g.add((s, p, o))


CASES: list[tuple[str, Callable[[Graph], None], str, str, str]] = [
    # (name, mutation, severity, shape or path fragment, message fragment)
    (
        "missing title",
        lambda g: _without(g, DOC, DCT.title),
        "Violation",
        "title",
        "exactly one title",
    ),
    (
        "two titles",
        lambda g: g.add((DOC, DCT.title, Literal("Another"))),
        "Violation",
        "title",
        "exactly one title",
    ),
    ("no type", lambda g: _without(g, DOC, DCT.type), "Violation", "type", "one type"),
    (
        "malformed EDTF date",
        lambda g: _replace(g, DOC, FOND.date, Literal("26/06/1986", datatype=EDTF)),
        "Violation",
        "date",
        "EDTF",
    ),
    (
        "date as a plain string",
        lambda g: _replace(g, DOC, FOND.date, Literal("1986-06-26")),
        "Violation",
        "date",
        "EDTF",
    ),
    (
        "earliest after latest",
        lambda g: _replace(g, DOC, FOND.earliestDate, Literal("1987-01-01", datatype=XSD.date)),
        "Violation",
        "earliestDate",
        "not after the latest",
    ),
    (
        "ill-typed xsd:date",
        lambda g: _replace(g, DOC, FOND.latestDate, Literal("1986-13-45", datatype=XSD.date)),
        "Violation",
        "latestDate",
        "valid xsd:date",
    ),
    (
        "date unknown",
        lambda g: [_without(g, DOC, p) for p in (FOND.date, FOND.earliestDate, FOND.latestDate)],
        "Warning",
        "date",
        "date is unknown",
    ),
    ("author unknown", lambda g: _without(g, DOC, SCHEMA.author), "Warning", "author", "No author"),
    (
        "author is a literal",
        lambda g: g.add((DOC, SCHEMA.author, Literal("Gorbachev"))),
        "Violation",
        "author",
        "person or an organization",
    ),
    (
        "document without texts",
        lambda g: _without(g, DOC, SCHEMA.workExample),
        "Violation",
        "workExample",
        "published text",
    ),
    (
        "text without file",
        lambda g: _without(g, TEXT, FOND.sourceFile),
        "Violation",
        "sourceFile",
        "corpus file",
    ),
    (
        "text without full text",
        lambda g: _without(g, TEXT, SCHEMA.text),
        "Violation",
        "text",
        "full text",
    ),
    (
        "bad language tag",
        lambda g: _replace(g, TEXT, SCHEMA.inLanguage, Literal("English")),
        "Violation",
        "inLanguage",
        "BCP 47",
    ),
    (
        "language unknown",
        lambda g: _without(g, TEXT, SCHEMA.inLanguage),
        "Warning",
        "inLanguage",
        "could not be recognised",
    ),
    (
        "Wikidata page URL instead of concept IRI",
        lambda g: _replace(g, GDR, SKOS.exactMatch, URIRef("https://www.wikidata.org/wiki/Q16957")),
        "Violation",
        "exactMatch",
        "concept IRI",
    ),
    (
        "two Wikidata items for one entity",
        lambda g: g.add((GDR, SKOS.exactMatch, URIRef("http://www.wikidata.org/entity/Q183"))),
        "Violation",
        "exactMatch",
        "one per entity",
    ),
    (
        "aligned without a link",
        lambda g: _without(g, GDR, SKOS.exactMatch),
        "Violation",
        "AlignedEntityShape",
        "must link to a Wikidata item",
    ),
    (
        "entity without label",
        lambda g: _without(g, GDR, RDFS.label),
        "Violation",
        "label",
        "exactly one label",
    ),
    (
        "unaligned entity",
        lambda g: _replace(g, GDR, FOND.alignmentStatus, FOND.Unaligned),
        "Info",
        "alignmentStatus",
        "Not linked to Wikidata",
    ),
    (
        "ambiguous entity",
        lambda g: _replace(g, GDR, FOND.alignmentStatus, FOND.Ambiguous),
        "Warning",
        "alignmentStatus",
        "ambiguous name",
    ),
    (
        "confidence out of range",
        lambda g: _replace(
            g,
            URIRef(str(DOC) + "/evidence/date"),
            FOND.confidence,
            Literal("1.5", datatype=XSD.decimal),
        ),
        "Violation",
        "confidence",
        "between 0 and 1",
    ),
    (
        "evidence without origin",
        lambda g: _without(g, URIRef(str(DOC) + "/evidence/date"), FOND.origin),
        "Violation",
        "origin",
        "catalogue record or from extraction",
    ),
    (
        "span ends before it starts",
        lambda g: _replace(
            g,
            URIRef(str(DOC) + "/evidence/date/target/position"),
            OA.start,
            Literal("500", datatype=XSD.nonNegativeInteger),
        ),
        "Violation",
        "start",
        "before its end",
    ),
    (
        "blank node",
        lambda g: g.add((BNode("x"), RDF.type, FOND.Document)),
        "Violation",
        "NoBlankNodesShape",
        "Blank node",
    ),
]


@pytest.mark.parametrize(
    ("name", "mutate", "severity", "where", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_each_constraint_rejects_what_breaks_it(
    seed_graph: Graph,
    name: str,
    mutate,
    severity: str,
    where: str,
    message: str,  # noqa: ANN001
) -> None:
    focus_nodes = {DOC, TEXT, GDR}
    g = Graph()
    # Only the subjects the cases touch and their neighbourhood: fast and focused.
    for s, p, o in seed_graph:
        if (
            s in focus_nodes
            or str(s).startswith(str(DOC) + "/evidence/date")
            or s in set(seed_graph.objects(DOC, None)) | set(seed_graph.objects(TEXT, None))
        ):
            g.add((s, p, o))
    before = set(validate_graph(g))
    mutate(g)
    rows = set(validate_graph(g)) - before
    hits = [
        r
        for r in rows
        if r.severity == severity and message in r.message and (where in r.path or where in r.shape)
    ]
    assert hits, (
        f"{name}: expected a {severity} at {where};"
        f" got {[(r.severity, r.path, r.message[:60]) for r in rows]}"
    )


def test_report_rows_name_the_shape_and_path(seed_graph: Graph) -> None:
    g = Graph()
    for triple in seed_graph.triples((DOC, None, None)):
        g.add(triple)
    g.remove((DOC, DCT.title, None))
    _, report, _ = validate(g, shacl_graph=shapes_graph(), inference="none")
    rows = results_of(report)
    row = next(r for r in rows if r.path == str(DCT.title))
    assert row.shape.endswith("DocumentShape") and row.focus == str(DOC)
