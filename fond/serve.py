"""``publish.py serve``: the graph on a local, read-only web server (http.server + pyoxigraph).

What it answers (BASE is the graph's base IRI, e.g. https://w3id.org/fond/id/; its path
/fond/id/ is kept, so BASE/doc/x is served at http://HOST:PORT/fond/id/doc/x):

  /                          a page for a person: the dataset, its documents, states and
                             people, and the example questions (ontology/queries/)
  /fond/id/{id}              every IRI of the graph: 303 See Other to a description of it,
                             chosen by the Accept header
  /fond/id/{id}.{ext}        the description: .html (with links), .ttl, .jsonld, .nt
  /fond/id/dataset           303 See Other to /void
  /fond/id/dataset.nt ...    the dumps named in void.ttl (void:dataDump), and linkset.nt
  /sparql                    SPARQL 1.1 Protocol, queries only: GET ?query=, POST form or
                             application/sparql-query; answers in JSON, XML, CSV, TSV, HTML
  /void                      the VoID/DCAT description of the dataset (conneg)
  /context.jsonld            the JSON-LD context
Anything else is 404: no part of a request path is ever joined to a folder on disk.

Why 303 (Cool URIs for the Semantic Web, section 4.3): a Fond IRI names a thing (a letter
written in 1988, Gorbachev, the GDR), not a web page; "303 See Other" says "here is a
document about it", so nobody takes the page's date or licence for the letter's, and every
description has its own stable URL (.html, .ttl, ...) to link to and cite.

Bounds: SPARQL queries run in worker processes, each with its own copy of the graph, a time
limit (past it the worker is killed and replaced, and the answer is 504) and a memory
limit. An answer holds at most ``--max-rows`` rows or triples (header X-SPARQL-MaxRows when
cut). When every worker is busy, a query waits a few seconds, then gets 503 + Retry-After.
A description holds at most MAX_DESCRIPTION triples. A SERVICE clause is refused: the
server never fetches anything.
"""

from __future__ import annotations

import argparse
import html
import ipaddress
import json
import multiprocessing
import queue
import re
import shutil
import signal
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, Store, Triple, serialize

from fond.export import _Compactor, context_document
from fond.query import (
    GRAPH,
    QUERIES,
    RESULT_FORMATS,
    Result,
    example_queries,
    graph_base,
    open_store,
    prefixes,
    run_query,
    write_results,
)
from mappings.errors import InputError

MAX_DESCRIPTION = 5000  # triples in one description (statements about it and pointing to it)
MAX_LISTED = 50  # values of one property shown on a page
MAX_BODY = 1 << 20  # bytes of a POSTed query
MAX_HOME = 500  # documents, states, people listed on the home page
MORE = f'<p class="note">The first {MAX_HOME} only: <a href="/sparql">SPARQL</a> lists all.</p>'
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
SCHEMA_TEXT = "https://schema.org/text"
LABELS = [
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/ns/oa#exact",
]
KINDS = {
    "https://w3id.org/fond/ns#Document": "document",
    "https://w3id.org/fond/ns#Text": "published text",
}
HTML = "text/html"
RDF_MEDIA = {  # media type -> (extension, format, name)
    "text/turtle": ("ttl", RdfFormat.TURTLE, "Turtle"),
    "application/ld+json": ("jsonld", RdfFormat.JSON_LD, "JSON-LD"),
    "application/n-triples": ("nt", RdfFormat.N_TRIPLES, "N-Triples"),
}
EXTENSIONS = {"html": HTML} | {ext: media for media, (ext, _, _) in RDF_MEDIA.items()}
RESULT_MEDIA = {media: fmt for fmt, media in RESULT_FORMATS.items()} | {"application/json": "json"}
FORMAT_NAMES = {  # the `format` parameter of /sparql
    **RESULT_FORMATS,
    "html": HTML,
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
}
DUMPS = {
    "dataset.nt": "application/n-triples",
    "dataset.ttl": "text/turtle",
    "dataset.jsonld": "application/ld+json",
    "linkset.nt": "application/n-triples",
}


def negotiate(accept: str | None, offers: list[str]) -> str | None:
    """The offer the client prefers (q-values; type/subtype before type/* before */*).

    Ties go to the earlier offer; None when the client accepts none of them (406).
    """
    if not accept or not accept.strip():
        return offers[0]
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = part.strip().split(";")
        q = 1.0
        for param in params:
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media.strip().lower(), q))
    best, best_q = None, 0.0
    for offer in offers:
        kind = offer.split("/")[0]
        matches = [
            (3 if r == offer else 2 if r == f"{kind}/*" else 1, q)
            for r, q in ranges
            if r in (offer, f"{kind}/*", "*/*")
        ]
        if matches and max(matches)[1] > best_q:
            best, best_q = offer, max(matches)[1]
    return best


@dataclass
class Page:
    status: int
    body: bytes = b""
    media: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    file: Path | None = None  # streamed instead of body (a dump)


def text(status: int, message: str, **headers: str) -> Page:
    return Page(status, (message + "\n").encode("utf-8"), headers=dict(headers))


# ----------------------------------------------------------------------------- the site


class Site:
    """The graph, its description and dumps, and the pages made from them."""

    def __init__(self, folder: Path = GRAPH, max_rows: int = 10_000, home: bool = True) -> None:
        self.folder, self.max_rows = folder, max_rows
        self.base = graph_base(folder)
        if not self.base.endswith("/"):
            raise InputError(
                f"serve needs a base IRI ending in '/', not {self.base!r}: with '#', all"
                " resources would share one web page (rebuild with --base .../)"
            )
        self.base_path = urllib.parse.urlsplit(self.base).path
        self.store = open_store(folder)
        self.void = Store()
        if (folder / "void.ttl").is_file():
            self.void.load(path=str(folder / "void.ttl"), format=RdfFormat.TURTLE)
        self.dumps = {
            self.base_path + name: (folder / name, media)
            for name, media in DUMPS.items()
            if (folder / name).is_file()
        }
        self.names = prefixes()
        self.compactor = _Compactor(context_document()["@context"])
        self.terms = {iri: term for iri, (term, _) in self.compactor.terms.items()}
        dataset = self.base + "dataset"
        self.title = self.first(dataset, "http://purl.org/dc/terms/title") or "Fond"
        self.description = self.first(dataset, "http://purl.org/dc/terms/description") or ""
        self.queries = example_queries(QUERIES) if QUERIES.is_dir() else []
        self.home = self.home_page() if home else b""

    # -- lookups

    def first(self, subject: str, predicate: str) -> str | None:
        for store in (self.store, self.void):
            for quad in store.quads_for_pattern(NamedNode(subject), NamedNode(predicate), None):
                return quad.object.value
        return None

    def exists(self, iri: str) -> bool:
        try:
            node = NamedNode(iri)
        except ValueError:
            return False
        patterns = ((node, None, None), (None, None, node))
        return any(
            next(iter(store.quads_for_pattern(*p)), None) is not None
            for store in (self.store, self.void)
            for p in patterns
        )

    def describe(self, iri: str) -> tuple[list[Triple], list[Triple], bool]:
        """Statements about ``iri`` and statements pointing to it, at most MAX_DESCRIPTION."""
        node = NamedNode(iri)
        about: list[Triple] = []
        pointing: list[Triple] = []
        for store in (self.store, self.void):
            for target, pattern in ((about, (node, None, None)), (pointing, (None, None, node))):
                for quad in store.quads_for_pattern(*pattern):
                    if len(about) + len(pointing) >= MAX_DESCRIPTION:
                        return about, pointing, True
                    target.append(quad.triple)
        return about, pointing, False

    def label(self, iri: str) -> str:
        for predicate in LABELS:
            found = self.first(iri, predicate)
            if found:
                return found
        return self.short(iri)

    def short(self, iri: str) -> str:
        if iri.startswith(self.base) and len(iri) > len(self.base):
            return iri[len(self.base) :]
        for prefix, namespace in self.names.items():
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and re.fullmatch(r"[\w.-]+", local):
                return f"{prefix}:{local}"
        return iri

    def local(self, iri: str) -> str | None:
        """The path on this server of an IRI of the graph (None for other IRIs)."""
        return self.base_path + iri[len(self.base) :] if iri.startswith(self.base) else None

    # -- RDF

    def rdf(self, triples: list[Triple], media: str) -> bytes:
        fmt = RDF_MEDIA[media][1]
        if fmt == RdfFormat.JSON_LD:  # compacted with the published context, as the dump
            by_subject: dict[str, list[Triple]] = defaultdict(list)
            for t in triples:
                by_subject[t.subject.value].append(t)
            graph = [self.compactor.node(s, by_subject[s]) for s in sorted(by_subject)]
            document = {"@context": context_document()["@context"], "@graph": graph}
            return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
        kwargs = {"prefixes": self.names} if fmt == RdfFormat.TURTLE else {}
        return serialize(triples, format=fmt, **kwargs) or b""

    def resource(self, iri: str, media: str) -> Page:
        about, pointing, cut = self.describe(iri)
        headers = {"X-Fond-Truncated": f"{MAX_DESCRIPTION} triples"} if cut else {}
        if media == HTML:
            body = self.resource_html(iri, about, pointing, cut)
        else:
            body = self.rdf(about + pointing, media)
        return Page(200, body, media + "; charset=utf-8", headers)

    # -- HTML

    def page(self, title: str, body: str, head: str = "") -> bytes:
        nav = (
            f'<nav><a href="/">{html.escape(self.title)}</a> · <a href="/sparql">SPARQL</a>'
            ' · <a href="/void">about the dataset</a></nav>'
        )
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title>{head}<style>{CSS}</style></head>"
            f"<body>{nav}<main>{body}</main></body></html>\n"
        ).encode()

    def term(self, predicate: str) -> str:
        if predicate == RDF_TYPE:
            return "type"
        return self.terms.get(predicate) or self.short(predicate)

    def kind(self, iri: str) -> str:
        """'document' or 'published text' (they often share a title), else ''."""
        node, rdf_type = NamedNode(iri), NamedNode(RDF_TYPE)
        for cls, name in KINDS.items():
            if next(iter(self.store.quads_for_pattern(node, rdf_type, NamedNode(cls))), None):
                return f' <span class="dt">{name}</span>'
        return ""

    def value_html(self, value: object) -> str:
        if isinstance(value, NamedNode):
            iri = value.value
            path = self.local(iri)
            if path is not None:
                name = html.escape(self.label(iri))
                return f'<a href="{html.escape(path)}">{name}</a>{self.kind(iri)}'
            shown = html.escape(self.short(iri))
            if urllib.parse.urlsplit(iri).scheme in ("http", "https"):
                return f'<a class="external" href="{html.escape(iri)}" rel="noopener">{shown}</a>'
            return shown
        if isinstance(value, Literal):
            shown = html.escape(value.value)
            if value.language:
                return f'{shown} <span class="dt">@{html.escape(value.language)}</span>'
            if value.datatype.value != XSD_STRING:
                datatype = html.escape(self.short(value.datatype.value))
                return f'{shown} <span class="dt">{datatype}</span>'
            return shown
        return "" if value is None else html.escape(str(value))

    def property_table(self, triples: list[Triple], about: bool) -> str:
        groups: dict[str, list[object]] = defaultdict(list)
        for t in triples:
            if not (about and t.predicate.value == SCHEMA_TEXT):
                groups[t.predicate.value].append(t.object if about else t.subject)
        rows = []
        order = sorted(groups, key=lambda p: (p != RDF_TYPE, p not in LABELS, self.term(p)))
        for predicate in order:
            cells = sorted(
                (self.value_html(v) for v in groups[predicate]),
                key=lambda c: re.sub("<[^>]+>", "", c).lower(),
            )
            more = len(cells) - MAX_LISTED
            shown = ", ".join(cells[:MAX_LISTED]) + (f" … and {more} more" if more > 0 else "")
            head = self.term(predicate) if about else f"{self.term(predicate)} of"
            rows.append(
                f'<tr><th title="{html.escape(predicate)}">{html.escape(head)}</th>'
                f"<td>{shown}</td></tr>"
            )
        return "<table>" + "".join(rows) + "</table>" if rows else ""

    def resource_html(
        self, iri: str, about: list[Triple], pointing: list[Triple], cut: bool
    ) -> bytes:
        name = self.label(iri)
        path = self.local(iri) or ""
        types = sorted({self.short(t.object.value) for t in about if t.predicate.value == RDF_TYPE})
        links = [
            f'<a href="{html.escape(path)}.{ext}" type="{media}">{label}</a>'
            for media, (ext, _, label) in RDF_MEDIA.items()
        ]
        parts = [
            f"<h1>{html.escape(name)}</h1>",
            f'<p class="iri"><code>{html.escape(iri)}</code>'
            + (f" · {html.escape(', '.join(types))}" if types else "")
            + "</p>",
            f'<p class="formats">The same as data: {" · ".join(links)}</p>',
            self.property_table(about, about=True),
        ]
        for t in about:
            if t.predicate.value == SCHEMA_TEXT:
                parts.append(f'<h2>Text</h2><div class="text">{html.escape(t.object.value)}</div>')
        if pointing:
            parts.append("<h2>Referred to by</h2>" + self.property_table(pointing, about=False))
        if cut:
            parts.append(
                f'<p class="note">Only the first {MAX_DESCRIPTION} statements are shown;'
                ' ask <a href="/sparql">SPARQL</a> for the others.</p>'
            )
        head = "".join(
            f'<link rel="alternate" type="{media}" href="{html.escape(path)}.{ext}">'
            for media, (ext, _, _) in RDF_MEDIA.items()
        )
        return self.page(name, "".join(parts), head)

    def void_html(self) -> bytes:
        subjects = sorted({q.subject.value for q in self.void})
        parts = [f"<h1>About the dataset: {html.escape(self.title)}</h1>"]
        for subject in subjects:
            triples = [
                q.triple for q in self.void.quads_for_pattern(NamedNode(subject), None, None)
            ]
            parts.append(f"<h2>{html.escape(self.short(subject))}</h2>")
            parts.append(self.property_table(triples, about=True))
        return self.page("About the dataset", "".join(parts))

    def home_page(self) -> bytes:
        cell = self.value_html
        dumps = ", ".join(
            f'<a href="{html.escape(p)}">{html.escape(p.rsplit("/", 1)[-1])}</a>'
            for p in sorted(self.dumps)
        )
        parts = [
            f"<h1>{html.escape(self.title)}</h1><p>{html.escape(self.description)}</p>",
            f"<p>{len(self.store):,} statements. Every name is a link, and every page is also"
            f' data (Turtle, JSON-LD, N-Triples). Dumps: {dumps}. <a href="/void">About the'
            ' dataset</a> · <a href="/sparql">Ask in SPARQL</a>.</p>',
            "<h2>Documents</h2><table><tr><th>date</th><th>document</th></tr>",
        ]
        listed = run_query(self.store, HOME_DOCUMENTS, limit=MAX_HOME)
        for doc, date in listed.rows:
            when = html.escape(date.value) if date else "undated"
            parts.append(f"<tr><td>{when}</td><td>{cell(doc)}</td></tr>")
        parts.append("</table>" + (MORE if listed.truncated else ""))
        for title, query in (("States", HOME_STATES), ("People", HOME_PEOPLE)):
            parts.append(
                f"<h2>{title}</h2><table><tr><th>name</th><th>Wikidata</th><th>documents</th></tr>"
            )
            listed = run_query(self.store, query, limit=MAX_HOME)
            for node, item, n in listed.rows:
                parts.append(
                    f"<tr><td>{cell(node)}</td><td>{cell(item)}</td><td>{n.value}</td></tr>"
                )
            parts.append("</table>" + (MORE if listed.truncated else ""))
        parts.append("<h2>Questions a historian asks</h2><ul>")
        for q in self.queries:
            summary = html.escape(q.header.get("summary", q.name))
            if "federated" in q.header:
                parts.append(
                    f"<li>{summary} <em>(joins Wikidata: not run here)</em><details>"
                    f"<summary>the query</summary><pre>{html.escape(q.text)}</pre></details></li>"
                )
            else:
                href = "/sparql?" + urllib.parse.urlencode({"query": q.text})
                parts.append(f'<li><a href="{html.escape(href)}">{summary}</a></li>')
        parts.append("</ul>")
        return self.page(self.title, "".join(parts))

    def sparql_form(self) -> bytes:
        used = ("dcterms", "fond", "rdfs", "schema", "skos", "wd")
        example = "".join(f"PREFIX {p}: <{self.names[p]}>\n" for p in used if p in self.names)
        example += (
            "\nSELECT ?doc ?title WHERE {\n  ?doc a fond:Document ; dcterms:title ?title .\n}"
        )
        options = "".join(f'<option value="{f}">{f}</option>' for f in FORMAT_NAMES if f != "html")
        body = (
            # query-safe: HTML help text
            "<h1>SPARQL</h1><p>Queries only (SELECT, ASK, CONSTRUCT, DESCRIBE) over the whole"
            f" graph; at most {self.max_rows:,} results per answer, and a query that runs too"
            " long is stopped. Programs: GET or POST <code>/sparql</code> (SPARQL 1.1"
            " Protocol).</p>"
            '<form method="get" action="/sparql"><textarea name="query" rows="12">'
            f'{html.escape(example)}</textarea><p><label>answer as <select name="format">'
            f'<option value="html">a table</option>{options}</select></label>'
            " <button>Run</button></p></form>"
        )
        return self.page("SPARQL", body)

    def results_html(self, result: Result) -> bytes:
        if result.kind == "boolean":
            return self.page("Answer", f"<h1>Answer</h1><p>{'yes' if result.boolean else 'no'}</p>")
        if result.kind == "triples":
            names = ["subject", "predicate", "object"]
            rows = [[t.subject, t.predicate, t.object] for t in result.triples]
        else:
            names, rows = result.variables, result.rows
        head = "".join(f"<th>{html.escape(v)}</th>" for v in names)
        body = "".join(
            "<tr>" + "".join(f"<td>{self.value_html(t)}</td>" for t in row) + "</tr>"
            for row in rows
        )
        note = (
            f'<p class="note">Only the first {self.max_rows:,} results are shown.</p>'
            if result.truncated
            else ""
        )
        return self.page(
            "Answer",
            f"<h1>Answer</h1><p>{len(rows)} result{'' if len(rows) == 1 else 's'}.</p>{note}"
            f'<table class="results"><tr>{head}</tr>{body}</table>',
        )

    # -- SPARQL (in a worker process)

    def answer(self, query: str, accept: str | None, fmt: str | None) -> Page:
        """One query, answered in the format asked for (``format`` parameter, else Accept)."""
        try:
            result = run_query(self.store, query, limit=self.max_rows)
        except InputError as error:
            return text(400, str(error))
        headers = {"X-SPARQL-MaxRows": str(self.max_rows)} if result.truncated else {}
        graph = result.kind == "triples"
        offers = [*RDF_MEDIA, HTML] if graph else [*RESULT_MEDIA, HTML]
        if fmt:
            media = FORMAT_NAMES.get(fmt)
            if media not in offers:
                return text(400, f"format={fmt}: this answer is one of {', '.join(offers)}")
        else:
            media = negotiate(accept, offers)
        if media is None:
            return text(406, f"not acceptable: this answer is one of {', '.join(offers)}")
        if media == HTML:
            body = self.results_html(result)
        elif graph:
            body = self.rdf(result.triples, media)
        else:
            body = write_results(result, RESULT_MEDIA[media])
        return Page(200, body, media + "; charset=utf-8", headers)


HOME_DOCUMENTS = """PREFIX fond: <https://w3id.org/fond/ns#>
SELECT ?doc ?date WHERE {
  ?doc a fond:Document . OPTIONAL { ?doc fond:date ?date } OPTIONAL { ?doc fond:earliestDate ?e }
} ORDER BY ?e ?doc"""
HOME_STATES = """PREFIX fond: <https://w3id.org/fond/ns#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?item (COUNT(DISTINCT ?doc) AS ?n) WHERE {
  ?s a fond:State . ?doc a fond:Document ; schema:mentions ?s .
  OPTIONAL { ?s skos:exactMatch|skos:closeMatch ?item }
} GROUP BY ?s ?item ORDER BY DESC(?n) ?s"""
HOME_PEOPLE = """PREFIX fond: <https://w3id.org/fond/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?p ?item (COUNT(DISTINCT ?doc) AS ?n) WHERE {
  ?p a fond:Person . ?doc a fond:Document ; ?role ?p .
  OPTIONAL { ?p skos:exactMatch|skos:closeMatch ?item }
} GROUP BY ?p ?item ORDER BY DESC(?n) ?p"""
CSS = (
    "body{font:16px/1.5 Georgia,serif;margin:0;color:#222;background:#fdfcf8}"
    "nav{background:#2b3a4a;padding:.5em 1em}nav a{color:#fff}"
    "main{max-width:62em;margin:1em auto;padding:0 1em}"
    "h1{font-size:1.6em;margin:.3em 0}h2{font-size:1.2em;margin-top:1.5em}"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;"
    "padding:.3em .5em;border-bottom:1px solid #ddd}th{width:14em;font-weight:normal;color:#555}"
    "table.results th{width:auto}.iri{color:#555;font-size:.9em}.dt{color:#888;font-size:.8em}"
    "a{color:#1a5c99}a.external::after{content:' \\2197'}.note{color:#8a4b00}"
    ".text{white-space:pre-wrap;font-size:.9em;background:#fff;border:1px solid #ddd;"
    "padding:1em;max-height:40em;overflow:auto}textarea{width:100%;font:14px monospace}"
    "pre{white-space:pre-wrap}"
)


# ----------------------------------------------------------------------------- workers


def _worker_main(conn, folder: str, max_rows: int, memory_mb: int) -> None:  # noqa: ANN001
    """A query worker: its own copy of the graph; answers one query at a time."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which stops us
    if memory_mb:
        try:
            import resource

            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass
    site = Site(Path(folder), max_rows, home=False)
    conn.send("ready")
    while True:
        try:
            query, accept, fmt = conn.recv()
        except (EOFError, OSError):
            return
        try:
            page = site.answer(query, accept, fmt)
        except MemoryError:
            page = text(503, "the query needed more memory than a worker may use")
        except Exception as error:  # noqa: BLE001 - a bad query must not kill the worker
            page = text(500, f"the query failed: {type(error).__name__}: {error}")
        conn.send(page)


class QueryPool:
    """Worker processes that answer SPARQL queries, each killed and replaced past the timeout."""

    def __init__(
        self,
        folder: Path,
        workers: int = 2,
        timeout: float = 10.0,
        max_rows: int = 10_000,
        memory_mb: int = 2048,
        queue_wait: float = 5.0,
    ) -> None:
        self.args = (str(folder), max_rows, memory_mb)
        self.timeout, self.queue_wait = timeout, queue_wait
        self.context = multiprocessing.get_context("spawn")
        self.idle: queue.Queue = queue.Queue()
        self.closed = False
        self.lock = threading.Lock()
        self.all: list = []
        started = [self._spawn() for _ in range(max(1, workers))]
        for worker in started:
            self._ready(worker)
            self.idle.put(worker)

    def _spawn(self) -> tuple:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_worker_main, args=(child, *self.args), daemon=True)
        process.start()
        child.close()
        with self.lock:
            self.all.append((process, parent))
        return process, parent

    def _ready(self, worker: tuple) -> None:
        process, conn = worker
        if not conn.poll(120) or conn.recv() != "ready":
            raise InputError("a query worker did not start (see the messages above)")

    def _replace(self, worker: tuple) -> None:
        process, conn = worker
        process.kill()
        process.join(5)
        conn.close()
        with self.lock:
            if worker in self.all:
                self.all.remove(worker)
            if self.closed:
                return
        fresh = self._spawn()
        try:
            self._ready(fresh)
        except (InputError, EOFError, OSError):
            return
        self.idle.put(fresh)

    def run(self, query: str, accept: str | None, fmt: str | None) -> Page:
        try:
            worker = self.idle.get(timeout=self.queue_wait)
        except queue.Empty:
            return text(503, "every query worker is busy; try again", **{"Retry-After": "5"})
        process, conn = worker
        try:
            conn.send((query, accept, fmt))
            if conn.poll(self.timeout):
                page = conn.recv()
                self.idle.put(worker)
                return page
        except (EOFError, OSError):  # the worker died (memory limit): replace it
            threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
            return text(503, "the query worker stopped (too much memory?); try a smaller query")
        threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
        return text(504, f"the query ran longer than {self.timeout:g} s and was stopped")

    def close(self) -> None:
        with self.lock:
            self.closed = True
            workers = list(self.all)
        for process, conn in workers:
            process.kill()
            process.join(5)
            conn.close()


# ----------------------------------------------------------------------------- HTTP


class Handler(BaseHTTPRequestHandler):
    server_version = "Fond"
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may take to send its request

    def version_string(self) -> str:
        return self.server_version

    @property
    def site(self) -> Site:
        return self.server.site  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        if not self.server.quiet:  # type: ignore[attr-defined]
            super().log_message(format, *args)

    # -- methods

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.send(self.route(head=False))

    def do_HEAD(self) -> None:  # noqa: N802
        self.send(self.route(head=True), head=True)

    def do_POST(self) -> None:  # noqa: N802
        path = urllib.parse.urlsplit(self.path).path
        if path != "/sparql":
            self.close_connection = True  # the body is not read
            self.send(text(405, "read-only: only /sparql takes POST", Allow="GET, HEAD"))
            return
        self.send(self.sparql_post())

    def refuse(self) -> None:
        self.close_connection = True  # the body is not read
        self.send(text(405, "this server is read-only", Allow="GET, HEAD, POST"))

    do_PUT = do_DELETE = do_PATCH = refuse  # noqa: N815

    def do_OPTIONS(self) -> None:  # noqa: N802
        self.send(Page(204, headers={"Allow": "GET, HEAD, POST, OPTIONS"}))

    # -- routes

    def route(self, head: bool) -> Page:
        parts = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(parts.path)
        accept = self.headers.get("Accept")
        site = self.site
        if path == "/":
            return Page(200, site.home, HTML + "; charset=utf-8")
        if path == "/sparql":
            params = urllib.parse.parse_qs(parts.query)
            if "query" not in params:
                if negotiate(accept, [HTML]) and not head:
                    return Page(200, site.sparql_form(), HTML + "; charset=utf-8")
                return text(400, "give a query: /sparql?query=...")
            return self.sparql(params)
        if path == "/void":
            media = negotiate(accept, [*RDF_MEDIA, HTML])
            if media is None:
                return text(406, "the dataset description is " + ", ".join([*RDF_MEDIA, HTML]))
            if media == HTML:
                return Page(200, site.void_html(), HTML + "; charset=utf-8", {"Vary": "Accept"})
            triples = [q.triple for q in site.void]
            return Page(
                200, site.rdf(triples, media), media + "; charset=utf-8", {"Vary": "Accept"}
            )
        if path == "/context.jsonld":
            data = json.dumps(context_document(), indent=2, ensure_ascii=False).encode("utf-8")
            return Page(200, data, "application/ld+json; charset=utf-8")
        if path in site.dumps:
            file, media = site.dumps[path]
            return Page(200, media=media + "; charset=utf-8", file=file)
        if path.startswith(site.base_path):
            return self.resource(path, accept)
        return self.not_found()

    def resource(self, path: str, accept: str | None) -> Page:
        site = self.site
        iri = site.base + path[len(site.base_path) :]
        if iri == site.base:
            return Page(303, headers={"Location": "/"})
        if iri == site.base + "dataset":
            return Page(303, headers={"Location": "/void", "Vary": "Accept"})
        if site.exists(iri):  # the thing: see a document about it
            media = negotiate(accept, [*RDF_MEDIA, HTML])
            if media is None:
                return text(406, "a description is one of " + ", ".join([*RDF_MEDIA, HTML]))
            ext = "html" if media == HTML else RDF_MEDIA[media][0]
            location = urllib.parse.quote(path) + "." + ext
            return Page(303, headers={"Location": location, "Vary": "Accept"})
        stem, dot, ext = iri.rpartition(".")
        if dot and ext in EXTENSIONS and site.exists(stem):  # a document about the thing
            page = site.resource(stem, EXTENSIONS[ext])
            page.headers["Link"] = (
                f'<{urllib.parse.quote(path.rpartition(".")[0])}>; rel="describes"'
            )
            return page
        return self.not_found()

    def not_found(self) -> Page:
        body = self.site.page(
            "Not found",
            "<h1>Not found</h1><p>No resource of this graph has this address."
            ' Start from <a href="/">the home page</a>.</p>',
        )
        return Page(404, body, HTML + "; charset=utf-8")

    # -- SPARQL protocol

    def sparql(self, params: dict[str, list[str]]) -> Page:
        if "update" in params:
            return text(400, "this endpoint answers queries only; updates are refused")
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            return text(400, "this endpoint has one graph: leave out default-graph-uri")
        queries = params.get("query", [])
        if len(queries) != 1:
            return text(400, "give exactly one query")
        fmt = (params.get("format") or [None])[0]
        return self.server.pool.run(queries[0], self.headers.get("Accept"), fmt)  # type: ignore[attr-defined]

    def sparql_post(self) -> Page:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            return text(411, "send a Content-Length")
        if int(length) > MAX_BODY:
            self.close_connection = True
            return text(413, f"a query may have at most {MAX_BODY} bytes")
        body = self.rfile.read(int(length))
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        query_params = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        try:
            decoded = body.decode("utf-8")
        except UnicodeDecodeError:
            return text(400, "the body is not UTF-8")
        if kind == "application/x-www-form-urlencoded":
            return self.sparql(urllib.parse.parse_qs(decoded) | _only_format(query_params))
        if kind == "application/sparql-query":
            return self.sparql({**query_params, "query": [decoded]})
        if kind == "application/sparql-update":
            return text(400, "this endpoint answers queries only; updates are refused")
        return text(415, "POST a form (query=...) or application/sparql-query")

    # -- output

    def send(self, page: Page, head: bool = False) -> None:
        size = page.file.stat().st_size if page.file else len(page.body)
        self.send_response(page.status)
        self.send_header("Content-Type", page.media)
        self.send_header("Content-Length", str(size))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Access-Control-Allow-Origin", "*")
        if page.media.startswith(HTML):
            self.send_header(
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
            )
            self.send_header("Referrer-Policy", "no-referrer")
        for key, value in page.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if head:
            return
        if page.file:
            with page.file.open("rb") as f:
                shutil.copyfileobj(f, self.wfile, 1 << 16)
        else:
            self.wfile.write(page.body)


def _only_format(params: dict[str, list[str]]) -> dict[str, list[str]]:
    return {"format": params["format"]} if "format" in params else {}


class Server(ThreadingHTTPServer):
    """A thread per connection, at most ``max_threads`` at once (the others wait)."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        site: Site,
        pool: QueryPool,
        quiet: bool,
        max_threads: int = 64,
    ) -> None:
        self.site, self.pool, self.quiet = site, pool, quiet
        self.slots = threading.BoundedSemaphore(max_threads)
        super().__init__(address, Handler)

    def process_request(self, request, client_address) -> None:  # noqa: ANN001
        self.slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:  # noqa: ANN001
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def server_close(self) -> None:
        super().server_close()
        if self.pool is not None:
            self.pool.close()


def make_server(
    folder: Path = GRAPH,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    workers: int = 2,
    timeout: float = 10.0,
    max_rows: int = 10_000,
    memory_mb: int = 2048,
    quiet: bool = False,
) -> Server:
    """The server, bound and ready (call serve_forever; server_close stops the workers)."""
    site = Site(folder, max_rows)
    try:
        server = Server((host, port), site, None, quiet)  # type: ignore[arg-type]
    except OSError as error:
        raise InputError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    try:
        server.pool = QueryPool(folder, workers, timeout, max_rows, memory_mb)
    except BaseException:
        server.socket.close()
        raise
    return server


# ----------------------------------------------------------------------------- CLI


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "serve",
        help="a local read-only server: every IRI dereferenceable, /sparql, /void",
        description="Serve the built graph on loopback: each IRI at its own path (303 See"
        " Other to .html, .ttl, .jsonld or .nt by content negotiation), a SPARQL 1.1 Protocol"
        " endpoint (queries only, bounded in time and size), the VoID description and dumps.",
        epilog="exit codes: 0 stopped with Ctrl-C, 2 no graph, bad option or port in use",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any free)")
    parser.add_argument(
        "--graph", type=Path, default=GRAPH, help="folder of the built graph (default: graph/)"
    )
    parser.add_argument("--workers", type=int, default=2, help="query processes (default: 2)")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds a query may run (default: 10)"
    )
    parser.add_argument(
        "--max-rows", type=int, default=10_000, help="rows or triples per answer (default: 10000)"
    )
    parser.add_argument("--quiet", action="store_true", help="no request log")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == "localhost"
    if not loopback:
        print(
            f"warning: {args.host} is not a loopback address: the server is reachable from"
            " other machines",
            file=sys.stderr,
        )
    started = time.monotonic()
    server = make_server(
        args.graph,
        args.host,
        args.port,
        workers=args.workers,
        timeout=args.timeout,
        max_rows=args.max_rows,
        quiet=args.quiet,
    )
    host, port = server.server_address[:2]
    site = server.site
    example = site.first(site.base + "dataset", "http://rdfs.org/ns/void#exampleResource")
    print(
        f"serving:  {len(site.store):,} triples at http://{host}:{port}/ (ready in"
        f" {time.monotonic() - started:.1f} s; Ctrl-C stops)\n"
        f"example:  http://{host}:{port}{site.local(example or site.base) or '/'}\n"
        f"sparql:   http://{host}:{port}/sparql",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
