"""``publish.py load``: the graph into a triple store, replacing one named graph, idempotently.

Over HTTP, with the SPARQL 1.1 Graph Store Protocol (any store that speaks it)::

    PUT  ENDPOINT?graph=G   an empty graph: drops whatever G held
    POST ENDPOINT?graph=G   each chunk of dataset.nt: adds to G

so loading twice leaves exactly one copy, and a reload drops the triples of the previous
release. A retried POST cannot duplicate anything: Fond publishes no blank nodes, and a
graph is a set of triples (a dump with blank nodes is sent in one PUT, since chunks would
split its blank nodes apart). The PUT carries no body because a store may take many seconds
to drop a large graph before it reads one (Oxigraph: ~20-30k triples/s), and the client's
send would time out meanwhile. The N-Triples are streamed in chunks of ``--chunk-size``
lines, so memory does not grow with the dump. Transient failures (connection reset,
timeout, 429/502/503/504) are retried with a capped backoff that honours Retry-After.

Afterwards Fond asks the store's SPARQL endpoint how many triples G holds and checks that it
equals the dump's line count (exit 1 if not).

Faster paths (Oxigraph): a transactional PUT or POST runs at ~15-20k triples/s, the bulk
loader at ~100-200k/s.
  * over HTTP, when the store says it is Oxigraph (``Server: Oxigraph/...``), the chunks are
    sent with Oxigraph's ``no_transaction`` parameter, which uses its bulk loader;
  * ``--bulk-location DIR`` loads a local Oxigraph database offline (the server stopped):
    ``oxigraph update`` drops G, ``oxigraph load`` bulk-loads the dump, ``oxigraph query``
    counts.
  * Virtuoso drops a graph ~60x faster with SPARQL ``CLEAR GRAPH`` than over the Graph Store
    Protocol: when the store says it is Virtuoso and the graph holds triples, ``load`` clears
    it at Virtuoso's update endpoint first. (Its Graph Store endpoint also wants HTTP Digest,
    which the client switches to when Basic is refused.)
Replacing a large graph still costs its deletion (~20-30k triples/s in Oxigraph): to publish a
new release without that, load it into a new graph (``--graph .../graph/v2``) and drop the
old one later.
"""

from __future__ import annotations

import argparse
import email.utils
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests
from pyoxigraph import NamedNode
from requests.auth import HTTPDigestAuth

from fond.query import GRAPH, graph_base
from mappings.errors import InputError

RETRY_STATUS = {429, 502, 503, 504}
N_TRIPLES = "application/n-triples"
# Where a store's SPARQL query endpoint is, given its Graph Store Protocol endpoint.
QUERY_ENDPOINTS = [
    ("/store", "/query"),  # Oxigraph
    ("/sparql-graph-crud-auth", "/sparql"),  # Virtuoso
    ("/sparql-graph-crud", "/sparql"),  # Virtuoso
    ("/rdf-graphs/service", ""),  # RDF4J, GraphDB: /repositories/{id}
    ("/data", "/sparql"),  # Fuseki: /{dataset}/data
]


class StoreError(Exception):
    """The store failed or refused (exit code 3)."""


@dataclass
class Report:
    triples: int  # lines in dataset.nt
    stored: int = -1  # triples the store holds in the graph afterwards
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0
    method: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.stored == self.triples


# ----------------------------------------------------------------------------- input


def check_graph_iri(iri: str) -> str:
    """An absolute IRI (http, https or urn), checked by pyoxigraph: safe inside <...>."""
    try:
        NamedNode(iri)
    except ValueError as error:
        raise InputError(f"--graph {iri!r}: not a valid IRI ({error})") from None
    if urllib.parse.urlsplit(iri).scheme not in ("http", "https", "urn"):
        raise InputError(f"--graph {iri!r}: expected an http(s) or urn IRI")
    return iri


def check_endpoint(url: str, option: str = "--endpoint") -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{option} {shown(url)!r}: expected an http(s) URL")
    if parts.username or parts.password:
        raise InputError(f"{option}: put credentials in --user/--password or --token, not the URL")
    return url


def shown(url: str) -> str:
    """A URL fit for a message: without credentials, query or fragment."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def query_endpoint_for(endpoint: str) -> str:
    """The SPARQL query endpoint of a store, from its Graph Store Protocol endpoint."""
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    for gsp, query in QUERY_ENDPOINTS:
        if path.endswith(gsp):
            new = path[: -len(gsp)] + query
            return urllib.parse.urlunsplit((parts.scheme, parts.netloc, new, "", ""))
    raise InputError(
        f"cannot tell the SPARQL query endpoint of {shown(endpoint)}; give --query-endpoint"
        " (known: " + ", ".join(f"...{g} -> ...{q or '/'}" for g, q in QUERY_ENDPOINTS) + ")"
    )


def virtuoso_update_endpoint(endpoint: str) -> str:
    """Virtuoso's SPARQL Update endpoint beside its Graph Store endpoint ('' if unknown)."""
    parts = urllib.parse.urlsplit(endpoint)
    for gsp, update in (
        ("/sparql-graph-crud-auth", "/sparql-auth"),
        ("/sparql-graph-crud", "/sparql"),
    ):
        if parts.path.rstrip("/").endswith(gsp):
            path = parts.path.rstrip("/")[: -len(gsp)] + update
            return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return ""


def count_lines(dump: Path) -> tuple[int, bool]:
    """Triples in an N-Triples dump (one per line) and whether it has blank nodes."""
    lines, blank = 0, False
    with dump.open("rb") as f:
        for line in f:
            stripped = line.strip()
            if not stripped or stripped.startswith(b"#"):
                continue
            lines += 1
            blank = blank or stripped.startswith(b"_:") or b" _:" in stripped
    return lines, blank


def chunks(dump: Path, size: int) -> Iterator[bytes]:
    """The dump in chunks of ``size`` lines (whole lines: every chunk is valid N-Triples)."""
    batch: list[bytes] = []
    with dump.open("rb") as f:
        for line in f:
            batch.append(line)
            if len(batch) >= size:
                yield b"".join(batch)
                batch = []
    if batch:
        yield b"".join(batch)


# ----------------------------------------------------------------------------- HTTP


class Client:
    """requests with retries on transient failures; ``sleep`` is injectable for tests."""

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        auth: tuple[str, str] | None = None,
        token: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
        attempts: int = 6,
        max_wait: float = 30.0,
        timeout: tuple[float, float] = (30.0, 600.0),  # (connect and send, answer)
    ) -> None:
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = "Fond/0.1 (publish.py load)"
        self.credentials = auth
        if auth:
            self.session.auth = auth  # Basic; Digest when the store asks for it (Virtuoso)
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.sleep, self.log = sleep, log
        self.attempts, self.max_wait, self.timeout = attempts, max_wait, timeout
        self.requests = self.retries = 0
        self.server = ""  # the Server header of the last answer: which store this is

    def wait_for(self, attempt: int, response: requests.Response | None) -> float:
        """Seconds to wait before the next attempt: Retry-After if given, else backoff."""
        backoff = min(self.max_wait, 0.5 * 2**attempt)
        value = response.headers.get("Retry-After", "").strip() if response is not None else ""
        if value.isdigit():
            return min(self.max_wait, float(value))
        if value:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return backoff
            return max(0.0, min(self.max_wait, when.timestamp() - time.time()))
        return backoff

    def _wants_digest(self, response: requests.Response) -> bool:
        """Basic was refused without a Basic challenge: try Digest (Virtuoso answers so)."""
        challenge = response.headers.get("WWW-Authenticate", "").lower()
        return (
            response.status_code == 401
            and self.credentials is not None
            and not isinstance(self.session.auth, HTTPDigestAuth)
            and not challenge.startswith("basic")
        )

    def send(
        self, method: str, url: str, *, body: bytes = b"", **kwargs: object
    ) -> requests.Response:
        problem = ""
        for attempt in range(self.attempts):
            self.requests += 1
            response = None
            try:
                response = self.session.request(
                    method, url, data=body, timeout=self.timeout, allow_redirects=False, **kwargs
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                problem = f"{type(error).__name__}: {error}"
            else:
                if self._wants_digest(response):
                    self.session.auth = HTTPDigestAuth(*self.credentials)  # type: ignore[misc]
                    response = self.session.request(
                        method,
                        url,
                        data=body,
                        timeout=self.timeout,
                        allow_redirects=False,
                        **kwargs,
                    )
                self.server = response.headers.get("Server", "")
                if response.status_code not in RETRY_STATUS:
                    return response
                problem = f"HTTP {response.status_code} {response.reason}"
            if attempt + 1 < self.attempts:
                self.retries += 1
                wait = self.wait_for(attempt, response)
                self.log(f"retry:    {method} {shown(url)}: {problem[:120]}; again in {wait:.1f} s")
                self.sleep(wait)
        raise StoreError(
            f"{method} {shown(url)} failed {self.attempts} times; last: {problem[:300]}"
        )


def _expect(response: requests.Response, what: str) -> None:
    if 200 <= response.status_code < 300:
        return
    detail = " ".join(response.text.split())[:300]
    hint = {
        401: " (check --user/--password or --token)",
        403: " (the credentials may not be allowed to write)",
        404: " (is the URL the store's Graph Store Protocol endpoint?)",
        405: " (is the URL the store's Graph Store Protocol endpoint, and writable?)",
        413: " (lower --chunk-size)",
    }.get(response.status_code, "")
    if 300 <= response.status_code < 400:
        hint = f" (redirected to {response.headers.get('Location', '?')}; give that URL)"
    raise StoreError(
        f"{what}: HTTP {response.status_code} {response.reason}{hint}"
        + (f": {detail}" if detail else "")
    )


def count_in_store(client: Client, query_endpoint: str, graph: str) -> int:
    """SELECT (COUNT(*) ...) on the store; the graph IRI has been checked by check_graph_iri."""
    # query-safe: a NamedNode: validated, <>-wrapped
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {NamedNode(graph)} {{ ?s ?p ?o }} }}"
    response = client.send(
        "POST",
        query_endpoint,
        body=urllib.parse.urlencode({"query": query}).encode("ascii"),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json",
        },
    )
    _expect(response, f"counting triples at {shown(query_endpoint)}")
    try:
        bindings = response.json()["results"]["bindings"]
        return int(bindings[0]["n"]["value"]) if bindings else 0
    except (ValueError, KeyError, IndexError, TypeError):
        raise StoreError(
            f"{shown(query_endpoint)} did not answer the count with SPARQL JSON results:"
            f" {response.text[:200]!r}"
        ) from None


def load_http(
    dump: Path,
    endpoint: str,
    graph: str,
    query_endpoint: str,
    client: Client,
    chunk_size: int = 100_000,
    log: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
) -> Report:
    started = time.monotonic()
    triples, blank = count_lines(dump)
    report = Report(triples, method="Graph Store Protocol")
    headers = {"Content-Type": N_TRIPLES}
    if blank:  # chunks would split blank nodes apart: one PUT of the whole dump
        report.notes.append("the dump has blank nodes: sent in one PUT")
        response = client.send(
            "PUT", endpoint, body=dump.read_bytes(), params={"graph": graph}, headers=headers
        )
        _expect(response, f"PUT {shown(endpoint)}?graph={graph}")
    else:
        before = count_in_store(client, query_endpoint, graph)
        update = virtuoso_update_endpoint(endpoint) if "virtuoso" in client.server.lower() else ""
        if before and update:  # its SPARQL CLEAR drops a graph ~60x faster than a GSP PUT
            form = {"update": f"CLEAR SILENT GRAPH {NamedNode(graph)}"}
            response = client.send(
                "POST",
                update,
                body=urllib.parse.urlencode(form).encode("ascii"),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            _expect(response, f"CLEAR GRAPH at {shown(update)}")
            report.method += ", Virtuoso CLEAR GRAPH"
        # An empty PUT first: the store may take a while to drop a large graph, and a PUT
        # with a body would have to wait unread meanwhile (a send timeout, then retries).
        response = client.send("PUT", endpoint, body=b"", params={"graph": graph}, headers=headers)
        _expect(response, f"PUT {shown(endpoint)}?graph={graph}")
        params = {"graph": graph}
        if "oxigraph" in response.headers.get("Server", "").lower():
            params["no_transaction"] = ""  # Oxigraph's bulk loader: several times faster
            report.method += ", Oxigraph bulk loader"
        sent = 0
        for body in chunks(dump, chunk_size):
            response = client.send("POST", endpoint, body=body, params=params, headers=headers)
            _expect(response, f"POST {shown(endpoint)}?graph={graph}")
            sent += body.count(b"\n")
            log(f"load:     {sent:,}/{triples:,} triples sent")
    report.stored = count_in_store(client, query_endpoint, graph)
    report.requests, report.retries = client.requests, client.retries
    report.seconds = time.monotonic() - started
    return report


# ----------------------------------------------------------------------------- Oxigraph offline


def oxigraph_command() -> str:
    """The `oxigraph` CLI (PyPI package `oxigraph`), beside this Python or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if not found:
        raise InputError(
            "--bulk-location needs the `oxigraph` command: pip install oxigraph (see README)"
        )
    return found


def _oxigraph(args: list[str], what: str) -> str:
    done = subprocess.run(
        [oxigraph_command(), *args], capture_output=True, text=True, check=False, timeout=3600
    )
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no message"])[0]
        hint = " (stop the Oxigraph server using it first)" if "lock" in first.lower() else ""
        raise StoreError(f"oxigraph {args[0]} ({what}) failed: {first}{hint}")
    return done.stdout


def load_bulk(dump: Path, location: Path, graph: str) -> Report:
    """Replace graph G in a local Oxigraph database with the bulk loader (server stopped)."""
    started = time.monotonic()
    triples, _ = count_lines(dump)
    report = Report(triples, method="oxigraph load (offline bulk loader)")
    location.mkdir(parents=True, exist_ok=True)
    iri = str(NamedNode(graph))
    _oxigraph(
        ["update", "--location", str(location), "--update", f"DROP SILENT GRAPH {iri}"], "drop"
    )
    _oxigraph(
        ["load", "--location", str(location), "--file", str(dump), "--graph", graph], "bulk load"
    )
    out = _oxigraph(
        [
            "query",
            "--location",
            str(location),
            "--query",
            # query-safe: iri is NamedNode(...) of a checked IRI
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {iri} {{ ?s ?p ?o }} }}",
            "--results-format",
            "json",
        ],
        "count",
    )
    bindings = json.loads(out)["results"]["bindings"]
    report.stored = int(bindings[0]["n"]["value"]) if bindings else 0
    report.seconds = time.monotonic() - started
    return report


# ----------------------------------------------------------------------------- CLI


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "load",
        help="load the dumps into a triple store (Graph Store Protocol), replacing one graph",
        description="Replace a named graph of a triple store with graph/dataset.nt: PUT an"
        " empty graph, POST the dump in chunks (SPARQL 1.1 Graph Store Protocol), retry"
        " transient failures, then check the store's triple count against the dump. Loading"
        " twice leaves one copy.",
        epilog="exit codes: 0 loaded and counted, 1 the store holds a different number of"
        " triples than the dump, 2 bad option or missing dump, 3 the store failed",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--endpoint", help="Graph Store Protocol endpoint, e.g. http://127.0.0.1:7878/store"
    )
    where.add_argument(
        "--bulk-location",
        type=Path,
        help="a local Oxigraph database folder, loaded offline with `oxigraph load`",
    )
    parser.add_argument("--graph", help="named graph IRI (default: BASE + 'dataset')")
    parser.add_argument(
        "--query-endpoint", help="SPARQL query endpoint for the count (default: derived)"
    )
    parser.add_argument(
        "--user", help="user for HTTP Basic or Digest auth (password: --password or $FOND_PASSWORD)"
    )
    parser.add_argument("--password", default=os.environ.get("FOND_PASSWORD"))
    parser.add_argument("--token", default=os.environ.get("FOND_TOKEN"), help="bearer token")
    parser.add_argument(
        "--chunk-size", type=int, default=100_000, help="triples per request (default: 100000)"
    )
    parser.add_argument(
        "--dumps", type=Path, default=GRAPH, help="folder with dataset.nt (default: graph/)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    dump = args.dumps / "dataset.nt"
    if not dump.is_file():
        raise InputError(f"{dump}: not found; build the graph first with `python publish.py`")
    graph = check_graph_iri(args.graph or graph_base(args.dumps) + "dataset")
    if args.chunk_size < 1:
        raise InputError("--chunk-size must be at least 1")
    try:
        if args.bulk_location:
            report = load_bulk(dump, args.bulk_location, graph)
            where = str(args.bulk_location)
        else:
            endpoint = check_endpoint(args.endpoint)
            query = check_endpoint(
                args.query_endpoint or query_endpoint_for(endpoint), "--query-endpoint"
            )
            if args.user and not args.password:
                raise InputError("--user needs --password (or $FOND_PASSWORD)")
            if args.user and args.token:
                raise InputError("give --user/--password or --token, not both")
            client = Client(
                auth=(args.user, args.password) if args.user else None, token=args.token
            )
            report = load_http(dump, endpoint, graph, query, client, args.chunk_size)
            where = shown(endpoint)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    rate = report.triples / report.seconds if report.seconds else 0.0
    print(
        f"loaded:   {report.triples:,} triples of {dump} into <{graph}> at {where}"
        f" in {report.seconds:.1f} s ({rate:,.0f} triples/s; {report.method}"
        + (f"; {report.requests} requests, {report.retries} retries" if report.requests else "")
        + ")"
    )
    for note in report.notes:
        print(f"note:     {note}")
    if not report.ok:
        print(
            f"error: the store holds {report.stored:,} triples in <{graph}>,"
            f" the dump has {report.triples:,}",
            file=sys.stderr,
        )
        return 1
    print(f"checked:  the store holds {report.stored:,} triples in the graph, as the dump")
    return 0
