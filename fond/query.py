"""``publish.py query``: SPARQL over the built graph, in-process, offline.

The dump (graph/dataset.nt) is bulk-loaded into an in-memory pyoxigraph store and
the query runs there; nothing is fetched: a query that calls a remote ``SERVICE``
is refused before it runs (pyoxigraph would otherwise make the HTTP request).

Results print as a table for a reader, or as SPARQL 1.1 results in CSV, TSV, JSON
or XML for a program. The serializers here are Fond's own so that the server
(fond/serve.py) can cap a result and still write it in any of these formats; a
test checks them against pyoxigraph's.

Example queries live in ontology/queries/*.rq with a header::

    #+ summary: what the query asks, in a historian's words
    #+ expect: tests/fixtures/queries/<name>.csv     (its answer on the seed corpus)
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    serialize,
)

from mappings.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
GRAPH = ROOT / "graph"
QUERIES = ROOT / "ontology" / "queries"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RESULT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS = {
    "turtle": (RdfFormat.TURTLE, "text/turtle"),
    "nt": (RdfFormat.N_TRIPLES, "application/n-triples"),
    "jsonld": (RdfFormat.JSON_LD, "application/ld+json"),
}
Term = NamedNode | BlankNode | Literal | Triple


# ----------------------------------------------------------------------------- the graph


def open_store(folder: Path = GRAPH) -> Store:
    """The published graph in an in-memory store (bulk load: ~200k triples/s)."""
    dump = folder / "dataset.nt"
    if not dump.is_file():
        raise InputError(f"{dump}: not found; build the graph first with `python publish.py`")
    store = Store()
    try:
        store.bulk_load(path=str(dump), format=RdfFormat.N_TRIPLES)
    except (SyntaxError, ValueError) as error:
        raise InputError(f"{dump}: not valid N-Triples: {error}") from None
    return store


def prefixes() -> dict[str, str]:
    """Prefixes for display, from the published JSON-LD context (one declarative source)."""
    context = json.loads((ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))
    return {
        key: value
        for key, value in context["@context"].items()
        if isinstance(value, str) and not key.startswith("@") and value.endswith(("/", "#"))
    }


def graph_base(folder: Path = GRAPH) -> str:
    """The base IRI the graph was built with (void:uriSpace in void.ttl)."""
    void = folder / "void.ttl"
    if void.is_file():
        match = re.search(r'void:uriSpace "([^"\\]+)"', void.read_text(encoding="utf-8"))
        if match:
            return match.group(1)
    from mappings.to_rdf.iris import DEFAULT_BASE

    return DEFAULT_BASE


# ----------------------------------------------------------------------------- query files


@dataclass
class QueryFile:
    text: str
    path: Path | None = None
    header: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.stem if self.path else "query"


def read_query(argument: str) -> QueryFile:
    """A .rq file (with its ``#+ key: value`` header) or the text of a query."""
    path = Path(argument)
    looks_like_file = argument.endswith(".rq") or ("\n" not in argument and path.is_file())
    if not looks_like_file:
        return QueryFile(argument)
    if not path.is_file():
        raise InputError(f"{argument}: query file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8: {error}") from None
    header = {}
    for line in text.splitlines():
        match = re.match(r"#\+\s*([\w-]+)\s*:\s*(.*?)\s*$", line)
        if match:
            header[match.group(1)] = match.group(2)
    return QueryFile(text, path, header)


def example_queries(folder: Path = QUERIES) -> list[QueryFile]:
    return [read_query(str(p)) for p in sorted(folder.glob("*.rq"))]


# SPARQL 1.1 section 19.2: \u and \U escapes are decoded before the query is parsed.
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Strings, IRIs and comments: where the word SERVICE is not a keyword.
_NOT_CODE = re.compile(
    r"'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|#[^\n\r]*",
    re.DOTALL,
)
_SERVICE = re.compile(r"(?<![\w?$:\-])SERVICE(?![\w:])", re.IGNORECASE)


def calls_service(query: str) -> bool:
    """True when the query has a SERVICE clause (would make the engine fetch a remote URL).

    Conservative: strings, IRIs and comments are blanked out first, so a false positive
    needs an odd prefixed name; a SERVICE keyword cannot hide from the check.
    """
    decoded = _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), query)
    return bool(_SERVICE.search(_NOT_CODE.sub(" ", decoded)))


_UPDATE = re.compile(
    r"(?<![\w?$:\-])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)(?![\w:])",
    re.IGNORECASE,
)
_QUERY_FORM = re.compile(r"(?<![\w?$:\-])(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:])", re.IGNORECASE)


def is_update(text: str) -> bool:
    """Whether a text that failed to parse as a query reads as a SPARQL update (for the message)."""
    code = _NOT_CODE.sub(" ", text)
    update, form = _UPDATE.search(code), _QUERY_FORM.search(code)
    return bool(update) and (form is None or update.start() < form.start())


def check_offline(query: str) -> None:
    if calls_service(query):
        raise InputError(
            "the query calls a remote SERVICE; Fond runs queries offline on the local graph."
            " Run federated queries on a store that allows them, e.g. an Oxigraph server"
            " loaded with `publish.py load` (see README, 'Query, serve and load')"
        )


# ----------------------------------------------------------------------------- results


@dataclass
class Result:
    """A query result, capped: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT)."""

    kind: str  # "solutions" | "boolean" | "triples"
    variables: list[str] = field(default_factory=list)
    rows: list[list[Term | None]] = field(default_factory=list)
    boolean: bool = False
    triples: list[Triple] = field(default_factory=list)
    truncated: bool = False

    @property
    def empty(self) -> bool:
        if self.kind == "boolean":
            return not self.boolean
        return not (self.rows if self.kind == "solutions" else self.triples)


def run_query(store: Store, query: str, limit: int | None = None) -> Result:
    """Evaluate a read-only query; keep at most ``limit`` rows or triples."""
    check_offline(query)
    try:
        answer = store.query(query)
    except SyntaxError as error:
        if is_update(query):
            raise InputError(
                "only queries (SELECT, ASK, CONSTRUCT, DESCRIBE) are allowed; the graph is"
                " read-only"
            ) from None
        raise InputError(f"not a valid SPARQL query: {error}") from None
    if isinstance(answer, QueryBoolean):
        return Result("boolean", boolean=bool(answer))
    if isinstance(answer, QuerySolutions):
        variables = [v.value for v in answer.variables]
        result = Result("solutions", variables=variables)
        for solution in answer:
            if limit is not None and len(result.rows) >= limit:
                result.truncated = True
                break
            result.rows.append([solution[v] for v in variables])
        return result
    result = Result("triples")
    for triple in answer:
        if limit is not None and len(result.triples) >= limit:
            result.truncated = True
            break
        result.triples.append(triple)
    return result


def _json_term(term: Term) -> dict:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _xml_term(term: Term) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
            )
        return f"<literal>{escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _csv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, NamedNode | Literal):
        return term.value
    return str(term)


def _tsv_term(term: Term | None) -> str:
    if term is None:
        return ""
    return str(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def write_results(result: Result, fmt: str) -> bytes:
    """SPARQL 1.1 query results (SELECT, ASK) as json, xml, csv or tsv."""
    if result.kind == "triples":
        # query-safe: a message, not a query
        raise InputError(f"a CONSTRUCT or DESCRIBE result cannot be written as {fmt}")
    if fmt == "json":
        if result.kind == "boolean":
            data: dict = {"head": {}, "boolean": result.boolean}
        else:
            bindings = [
                {v: _json_term(t) for v, t in zip(result.variables, row, strict=True) if t}
                for row in result.rows
            ]
            data = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
        return json.dumps(data, ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
        out.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables))
        out.append("</head>")
        if result.kind == "boolean":
            out.append(f"<boolean>{'true' if result.boolean else 'false'}</boolean>")
        else:
            out.append("<results>")
            for row in result.rows:
                cells = "".join(
                    f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                    for v, t in zip(result.variables, row, strict=True)
                    if t is not None
                )
                out.append(f"<result>{cells}</result>")
            out.append("</results>")
        out.append("</sparql>")
        return ("\n".join(out) + "\n").encode("utf-8")
    if result.kind == "boolean":
        return ("true" if result.boolean else "false").encode("utf-8") + b"\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(result.variables)
        writer.writerows([_csv_term(t) for t in row] for row in result.rows)
        return buffer.getvalue().encode("utf-8")
    if fmt == "tsv":
        lines = ["\t".join(f"?{v}" for v in result.variables)]
        lines += ["\t".join(_tsv_term(t) for t in row) for row in result.rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise InputError(f"unknown results format {fmt!r}; expected one of {', '.join(RESULT_FORMATS)}")


def write_triples(triples: list[Triple], fmt: str) -> bytes:
    """A CONSTRUCT or DESCRIBE result as turtle (with Fond's prefixes), nt or jsonld."""
    rdf_format = GRAPH_FORMATS[fmt][0]
    kwargs = {"prefixes": prefixes()} if rdf_format == RdfFormat.TURTLE else {}
    return serialize(triples, format=rdf_format, **kwargs) or b""


def short(term: Term | None, names: dict[str, str], base: str, width: int = 60) -> str:
    """A term as a reader wants it in a table: prefixed IRIs, plain literals."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        iri = term.value
        if iri.startswith(base):
            return f"<{iri[len(base) :]}>"
        for prefix, namespace in names.items():
            if iri.startswith(namespace) and re.fullmatch(r"[\w.-]*", iri[len(namespace) :]):
                return f"{prefix}:{iri[len(namespace) :]}"
        return f"<{iri}>"
    if isinstance(term, Literal):
        text = " ".join(term.value.split())
        if term.language:
            text += f"@{term.language}"
    else:
        text = str(term)
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(result: Result, base: str) -> str:
    """A fixed-width table for a terminal, with the base IRI and the row count."""
    if result.kind == "boolean":
        return "yes" if result.boolean else "no"
    names = prefixes()
    cells = [[short(t, names, base) for t in row] for row in result.rows]
    widths = [
        max([len(v) + 1] + [len(row[i]) for row in cells]) for i, v in enumerate(result.variables)
    ]
    lines = ["  ".join(f"?{v}".ljust(w) for v, w in zip(result.variables, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''}; <…> = {base}…)")
    return "\n".join(line.rstrip() for line in lines)


# ----------------------------------------------------------------------------- CLI


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "query",
        help="run a SPARQL query (a .rq file or its text) on the built graph, offline",
        description="Run a SPARQL query on graph/dataset.nt in an in-memory store."
        " Example queries: ontology/queries/*.rq.",
        epilog="exit codes: 0 results, 1 no result (no rows, ASK false), 2 bad query or graph",
    )
    parser.add_argument("query", help="a .rq file, or the query text")
    parser.add_argument(
        "--format",
        choices=["table", *RESULT_FORMATS, *GRAPH_FORMATS],
        default="table",
        help="table (default), or SPARQL results csv/tsv/json/xml;"
        " CONSTRUCT results: turtle (table), nt, jsonld",
    )
    parser.add_argument(
        "--graph", type=Path, default=GRAPH, help="folder with dataset.nt (default: graph/)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    query = read_query(args.query)
    check_offline(query.text)  # before loading anything
    result = run_query(open_store(args.graph), query.text)
    fmt = args.format
    if result.kind == "triples":
        fmt = "turtle" if fmt == "table" else fmt
        if fmt not in GRAPH_FORMATS:
            raise InputError(
                # query-safe: a message
                f"--format {fmt}: a CONSTRUCT result is written as turtle, nt or jsonld"
            )
        sys.stdout.buffer.write(write_triples(result.triples, fmt))
    elif fmt == "table":
        print(format_table(result, graph_base(args.graph)))
    elif fmt in RESULT_FORMATS:
        sys.stdout.buffer.write(write_results(result, fmt))
    else:
        raise InputError(
            # query-safe: a message
            f"--format {fmt}: a SELECT or ASK result is written as table, csv, tsv, json or xml"
        )
    sys.stdout.flush()
    return 1 if result.empty else 0
