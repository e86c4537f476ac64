"""Read a dump back into an rdflib graph, safely: no network, no files outside the dump.

JSON-LD is expanded with pyld and a document loader that serves only Fond's own
published context (from ontology/context.jsonld); any other remote or file
context is refused, because rdflib's and pyld's default loaders would fetch it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pyld import jsonld
from rdflib import BNode, Graph, Literal, URIRef

from mappings.errors import InputError

ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology"
FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld"}
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LOCAL_CONTEXTS = ("https://w3id.org/fond/context.jsonld", "https://w3id.org/fond/ns/context.jsonld")


REFUSED = "refusing to load"


def offline_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader: Fond's published context from the local file, nothing else.

    Every other context (http, https, file://, an @import, a scoped context) is refused,
    so reading a dump never touches the network or a file outside the project.
    """
    if url in LOCAL_CONTEXTS:
        document = json.loads((ONTOLOGY / "context.jsonld").read_text(encoding="utf-8"))
        return {"contextUrl": None, "documentUrl": url, "document": document}
    raise jsonld.JsonLdError(
        f"{REFUSED} the context {url!r}: Fond reads JSON-LD offline and loads no remote or"
        " file contexts; embed the context in the document",
        "jsonld.LoadDocumentError",
        code="loading remote context failed",
    )


def _root_cause(error: BaseException) -> BaseException:
    """pyld wraps the loader's refusal in two other errors; the refusal is the message."""
    seen = 0
    while seen < 20:
        inner = getattr(error, "cause", None) or error.__cause__
        if not isinstance(inner, BaseException):
            return error
        error, seen = inner, seen + 1
    return error


def jsonld_to_graph(document: Any) -> Graph:
    dataset = jsonld.to_rdf(
        document, {"documentLoader": offline_loader, "produceGeneralizedRdf": False}
    )
    graph = Graph()

    def term(node: dict[str, str]) -> URIRef | BNode | Literal:
        if node["type"] == "IRI":
            return URIRef(node["value"])
        if node["type"] == "blank node":
            return BNode(node["value"][2:])
        if node.get("language"):
            return Literal(node["value"], lang=node["language"])
        if node["datatype"] == XSD_STRING:
            return Literal(node["value"])  # RDF 1.1: a plain literal is an xsd:string
        return Literal(node["value"], datatype=URIRef(node["datatype"]))

    for quads in dataset.values():
        for quad in quads:
            graph.add((term(quad["subject"]), term(quad["predicate"]), term(quad["object"])))  # type: ignore[arg-type]
    return graph


def read_dump(path: Path, fmt: str | None = None) -> Graph:
    """A dump file -> graph; InputError (exit 2) if it cannot be read."""
    fmt = fmt or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown format; use --format turtle|nt|json-ld")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        data = path.read_bytes()
        if fmt == "json-ld":
            return jsonld_to_graph(json.loads(data.decode("utf-8-sig")))
        graph = Graph()
        graph.parse(data=data.decode("utf-8"), format=fmt)
        return graph
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - rdflib raises many unrelated types on bad input
        root = _root_cause(error)
        if isinstance(root, jsonld.JsonLdError) and root.args:
            root = root.args[0] if isinstance(root.args[0], str) else root
        message = str(root).splitlines()[0] if str(root) else type(root).__name__
        raise InputError(f"{path}: not readable as {fmt}: {message[:300]}") from None
