"""SHACL gate: validate triples against ontology/shapes/*.shapes.ttl with pySHACL.

``validate_triples`` checks one batch (documents with the entities they
reference) and returns plain result rows; ``format_results`` turns rows into
the report a curator reads: the document, the node, the shape, the problem and
the fix (the shapes' sh:message texts say how to fix).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from mappings.errors import InputError

ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology"
SH = Namespace("http://www.w3.org/ns/shacl#")
SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True, order=True)
class ResultRow:
    severity: str
    focus: str
    path: str
    shape: str
    component: str
    value: str
    message: str


def shapes_graph() -> Graph:
    """Fond's shapes, plus a collection's own in $FOND_SHAPES (set by --shapes DIR)."""
    return _shapes(os.environ.get("FOND_SHAPES", ""))


@lru_cache(maxsize=4)
def _shapes(extra: str) -> Graph:
    graph = Graph()
    folders = [ONTOLOGY / "shapes"] + ([Path(extra)] if extra else [])
    for folder in folders:
        for path in sorted(folder.glob("*.ttl")):
            try:
                graph.parse(path, format="turtle")
            except Exception as error:  # noqa: BLE001 - rdflib raises many types on bad Turtle
                raise InputError(f"{path}: not readable as Turtle: {error}") from None
    return graph


def _shape_name(graph: Graph, shape: object) -> str:
    """A readable name for the shape: its IRI, or the node shape owning a property shape."""
    if isinstance(shape, URIRef):
        return str(shape)
    for owner in graph.subjects(SH.property, shape):
        if isinstance(owner, URIRef):
            return str(owner)
    return "(anonymous shape)"


def results_of(report: Graph) -> list[ResultRow]:
    rows = []
    shapes = shapes_graph()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        get = report.value
        severity = SEVERITY.get(get(result, SH.resultSeverity), "Violation")
        path = get(result, SH.resultPath)
        value = get(result, SH.value)
        rows.append(
            ResultRow(
                severity=severity,
                focus=str(get(result, SH.focusNode)),
                path=str(path) if isinstance(path, URIRef) else "",
                shape=_shape_name(shapes, get(result, SH.sourceShape)),
                component=str(get(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                value=str(value)[:200] if value is not None else "",
                message=str(get(result, SH.resultMessage) or ""),
            )
        )
    return sorted(set(rows))


def validate_graph(data: Graph, use_shapes: list[str] | None = None) -> list[ResultRow]:
    """All SHACL results for a graph (empty list: conforms, nothing to report)."""
    _, report, _ = validate(
        data,
        shacl_graph=shapes_graph(),
        inference="none",
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
        advanced=True,
        use_shapes=use_shapes,
    )
    return results_of(report)


def _shapes_except(skip: frozenset[str]) -> list[str] | None:
    return _shapes_except_for(skip, os.environ.get("FOND_SHAPES", ""))


@lru_cache(maxsize=8)
def _shapes_except_for(skip: frozenset[str], extra: str) -> list[str] | None:
    if not skip:
        return None
    named = {
        str(s) for s in shapes_graph().subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)
    }
    return sorted(s for s in named if s not in skip)


def validate_ntriples(lines: Iterable[str]) -> list[ResultRow]:
    graph = Graph()
    graph.parse(data="".join(lines), format="nt")
    return validate_graph(graph)


ENGINES = ("turbo", "pyshacl")


def _turbo():  # noqa: ANN202 - pyshacl_turbo.CompiledShapes, an optional dependency
    return _turbo_for(os.environ.get("FOND_SHAPES", ""))


@lru_cache(maxsize=4)
def _turbo_for(extra: str):  # noqa: ANN202
    """The shapes (with a collection's own) compiled once per process by pyshacl-turbo
    (None when not installed)."""
    try:
        import pyshacl_turbo
    except ImportError:
        return None
    return pyshacl_turbo.compile_shapes(shapes_graph(), advanced=True)


def validate_text(
    data: str, engine: str = "turbo", skip: frozenset[str] = frozenset()
) -> list[ResultRow]:
    """SHACL results for N-Triples text: pyshacl-turbo (Rust) when installed, else pySHACL.

    Both give the same rows on our shapes (tests compare them on the fixtures and on a
    synthetic corpus); pySHACL stays the reference. The text goes to the Rust engine as
    is, without building an rdflib graph, which is most of pySHACL's cost. ``skip`` names
    node shapes to leave out (a caller that checks those nodes elsewhere).
    """
    use_shapes = _shapes_except(skip)
    compiled = _turbo() if engine == "turbo" else None
    if compiled is None:
        graph = Graph()
        graph.parse(data=data, format="nt")
        return validate_graph(graph, use_shapes)
    from pyshacl_turbo import Input

    _, report, _ = compiled.validate(
        Input(data, "nt", None, {}),
        allow_infos=True,
        allow_warnings=True,
        use_shapes=use_shapes,
    )
    return results_of(report)


def conforms(rows: Iterable[ResultRow]) -> bool:
    return not any(r.severity == "Violation" for r in rows)


def short(iri: str) -> str:
    for prefix, ns in (
        ("fond:", "https://w3id.org/fond/ns#"),
        ("fondsh:", "https://w3id.org/fond/shapes#"),
        ("schema:", "https://schema.org/"),
        ("dcterms:", "http://purl.org/dc/terms/"),
        ("skos:", "http://www.w3.org/2004/02/skos/core#"),
        ("oa:", "http://www.w3.org/ns/oa#"),
        ("rdfs:", "http://www.w3.org/2000/01/rdf-schema#"),
    ):
        if iri.startswith(ns):
            return prefix + iri[len(ns) :]
    return f"<{iri}>"


def format_results(rows: Iterable[tuple[ResultRow, str]], limit: int = 200) -> str:
    """Rows with the corpus file each belongs to -> text for a curator, violations first."""
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    ranked = sorted(rows, key=lambda r: (order[r[0].severity], r[1], r[0]))
    lines = []
    for row, where in ranked[:limit]:
        lines.append(f"{row.severity.upper()}  {where}")
        lines.append(f"  node:    {short(row.focus)}")
        lines.append(
            f"  shape:   {short(row.shape)}"
            + (f"  (property {short(row.path)})" if row.path else "")
        )
        if row.value:
            lines.append(f"  value:   {row.value}")
        lines.append(f"  problem: {row.message or row.component}")
        lines.append("")
    if len(ranked) > limit:
        lines.append(f"... and {len(ranked) - limit} more results (see validation-report.ttl)")
    return "\n".join(lines)
