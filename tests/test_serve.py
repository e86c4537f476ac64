"""`publish.py serve`: every IRI dereferenceable, a SPARQL endpoint, read-only and bounded.

One server for the module, on a free loopback port, stopped at the end. A headless
Chromium (Debian package `chromium`) opens a document and a state; the test skips, saying
so, where Chromium is not installed.
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from fond.cli import main
from fond.query import GRAPH, QUERIES, read_query
from fond.serve import make_server, negotiate

BASE = "https://w3id.org/fond/id/"
DOC = "/fond/id/doc/000_0dc14e63435743eb"
STATE = "/fond/id/entity/german-democratic-republic"
TIMEOUT = 2.0
MAX_ROWS = 1000
SERVICE = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.fixture(scope="module")
def server():
    started = time.monotonic()
    srv = make_server(GRAPH, "127.0.0.1", 0, timeout=TIMEOUT, max_rows=MAX_ROWS, quiet=True)
    srv.startup_seconds = time.monotonic() - started
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


def fetch(url: str, path: str, *, accept: str | None = None, follow: bool = True, **kw):
    """(status, headers, body) of a GET, or of a POST when ``data`` is given."""
    headers = {"Accept": accept} if accept else {}
    headers.update(kw.pop("headers", {}))
    request = urllib.request.Request(url + path, headers=headers, **kw)
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def raw(url: str, method: str, path: str, body: bytes | None = None, headers=None):  # noqa: ANN001
    """A request sent as is (urllib would tidy the path)."""
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, response.headers, data


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links += [v for k, v in attrs if k == "href" and v]


def links_of(page: bytes) -> list[str]:
    parser = Links()
    parser.feed(page.decode("utf-8"))
    return parser.links


# ----------------------------------------------------------------------------- dereferencing


def test_starts_in_a_few_seconds(server):
    assert server.startup_seconds < 5, server.startup_seconds


@pytest.mark.parametrize(
    ("accept", "ext"),
    [
        (None, "ttl"),
        ("*/*", "ttl"),
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/n-triples", "nt"),
        (BROWSER, "html"),
        ("text/*;q=0.5, application/ld+json;q=0.9", "jsonld"),
    ],
)
def test_an_iri_is_303_see_other_to_a_description(url, accept, ext):
    status, headers, _ = fetch(url, DOC, accept=accept, follow=False)
    assert status == 303
    assert headers["Location"] == f"{DOC}.{ext}" and headers["Vary"] == "Accept"


def test_not_acceptable_is_406(url):
    assert fetch(url, DOC, accept="image/png", follow=False)[0] == 406


def test_descriptions_in_every_format_say_the_same(url):
    graphs = {}
    for ext, fmt in (
        ("ttl", RdfFormat.TURTLE),
        ("nt", RdfFormat.N_TRIPLES),
        ("jsonld", RdfFormat.JSON_LD),
    ):
        status, headers, body = fetch(url, f"{DOC}.{ext}")
        assert status == 200, ext
        graphs[ext] = {str(t) for t in parse(body, format=fmt)}
    assert graphs["ttl"] == graphs["nt"] == graphs["jsonld"]
    title = (
        f"<{BASE}doc/000_0dc14e63435743eb> <http://purl.org/dc/terms/title>"
        ' "Memorandum from Mikhail Gorbachev to the CC CPSU Politburo on Topical Questions'
        ' regarding Collaboration with Socialist Countries"'
    )
    assert title in graphs["nt"]
    # also what points to it: the texts that are versions of it
    assert any("exampleOfWork" in t for t in graphs["nt"])


def iris_of_the_graph() -> set[str]:
    iris = set()
    for triple in parse(path=str(GRAPH / "dataset.nt"), format=RdfFormat.N_TRIPLES):
        for term in (triple.subject, triple.object):
            if term.value.startswith(BASE) and type(term).__name__ == "NamedNode":
                iris.add(term.value)
    return iris


def test_every_iri_of_the_graph_is_dereferenceable(url):
    iris = sorted(iris_of_the_graph())
    assert len(iris) > 700

    def check(iri: str) -> tuple[str, int, int]:
        path = "/fond/id/" + iri[len(BASE) :]
        status, headers, _ = raw(url, "HEAD", urllib.parse.quote(path))
        location = headers.get("Location", "")
        described = raw(url, "GET", location, headers={"Accept": "application/n-triples"})
        return iri, status, described[0] if location.endswith(".ttl") else 0

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(check, iris))
    assert [r for r in results if r[1:] != (303, 200)] == []


def test_the_html_page_of_a_document_links_its_people_states_and_texts(url):
    status, headers, page = fetch(url, DOC, accept=BROWSER)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "script-src" not in headers["Content-Security-Policy"]  # no scripts at all
    text = page.decode("utf-8")
    assert "<h1>Memorandum from Mikhail Gorbachev" in text
    for target in (
        "/fond/id/entity/mikhail-gorbachev",
        STATE,
        "/fond/id/text/000_0dc14e63435743eb",
    ):
        assert f'href="{target}"' in text, target
    assert 'href="http://www.wikidata.org/entity/' not in text or "external" in text
    assert f'href="{DOC}.ttl"' in text


def test_every_local_link_on_a_document_and_a_state_works(url):
    for path in (DOC, STATE, "/"):
        page = fetch(url, path, accept=BROWSER)[2]
        local = {link for link in links_of(page) if link.startswith("/")}
        assert len(local) > 5, path
        for link in sorted(local):
            status, headers, _ = fetch(url, link, accept=BROWSER)
            assert status == 200, (path, link)


def test_the_state_page_lists_the_documents_that_name_it(url):
    page = fetch(url, STATE + ".html")[2].decode("utf-8")
    assert "German Democratic Republic" in page and "wd:Q16957" in page
    assert "mentions of" in page and 'href="/fond/id/doc/001_2e3a8a1114611db8"' in page


@pytest.mark.parametrize(
    "path",
    [
        "/fond/id/../../etc/passwd",
        "/../../../../etc/passwd",
        "/fond/id/%2e%2e/%2e%2e/etc/passwd",
        "//etc/passwd",
        "/fond/id/doc/000_0dc14e63435743eb/../../../../pyproject.toml",
        "/graph/dataset.nt",
        "/dataset.nt",
        "/fond/id/doc/x> } ; DROP ALL ; #",
        "/fond/id/doc/000_0dc14e63435743eb.py",
        "/fond/id/nothing",
        "/corpus/README.md",
        "/favicon.ico",
    ],
)
def test_nothing_outside_the_graph_is_served(url, path):
    status, _, body = raw(url, "GET", urllib.parse.quote(path, safe="/%"))
    assert status == 404
    assert b"root:" not in body and b"[project]" not in body


def test_dumps_void_and_context_are_served(url):
    status, headers, body = fetch(url, "/fond/id/linkset.nt")
    assert status == 200 and body == (GRAPH / "linkset.nt").read_bytes()
    assert headers["Content-Type"].startswith("application/n-triples")
    assert fetch(url, "/fond/id/dataset.nt")[2] == (GRAPH / "dataset.nt").read_bytes()
    status, headers, body = fetch(url, "/void")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    void = {str(t) for t in parse(body, format=RdfFormat.TURTLE)}
    assert (
        f"<{BASE}dataset/wikidata-links> <http://rdfs.org/ns/void#dataDump> <{BASE}linkset.nt>"
        in void
    )
    assert fetch(url, "/fond/id/dataset", follow=False)[1]["Location"] == "/void"
    assert fetch(url, "/void", accept=BROWSER)[2].count(b"<h2>") > 5
    assert (
        json.loads(fetch(url, "/context.jsonld")[2])["@context"]["fond"]
        == "https://w3id.org/fond/ns#"
    )


def test_the_home_page_lists_documents_and_the_historians_questions(url):
    page = fetch(url, "/", accept=BROWSER)[2].decode("utf-8")
    assert page.count('href="/fond/id/doc/') >= 4
    assert "Documents translated by a given person" in page and "not run here" in page


# ----------------------------------------------------------------------------- SPARQL


def test_sparql_get_and_both_posts(url):
    query = read_query(str(QUERIES / "documents-translated-by.rq")).text
    expected = "Svetlana Savranskaya"
    answers = [
        fetch(url, "/sparql?" + urllib.parse.urlencode({"query": query})),
        fetch(url, "/sparql", data=urllib.parse.urlencode({"query": query}).encode()),
        fetch(
            url,
            "/sparql",
            data=query.encode(),
            headers={"Content-Type": "application/sparql-query"},
        ),
    ]
    for status, headers, body in answers:
        assert status == 200 and headers["Content-Type"].startswith(
            "application/sparql-results+json"
        )
        bindings = json.loads(body)["results"]["bindings"]
        assert bindings[0]["translator"]["value"] == expected


def test_sparql_answers_as_csv_xml_html_and_rdf(url):
    query = urllib.parse.urlencode(
        {"query": "SELECT ?d WHERE { ?d a <https://w3id.org/fond/ns#Document> } ORDER BY ?d"}
    )
    status, headers, body = fetch(url, "/sparql?" + query, accept="text/csv")
    assert headers["Content-Type"].startswith("text/csv") and body.count(b"\r\n") == 5
    assert b"<sparql" in fetch(url, "/sparql?" + query, accept="application/sparql-results+xml")[2]
    page = fetch(url, "/sparql?" + query, accept=BROWSER)[2]
    assert b"4 results" in page and b'href="/fond/id/doc/' in page
    construct = urllib.parse.urlencode(
        {"query": f"CONSTRUCT WHERE {{ <{BASE}entity/cuba> ?p ?o }}", "format": "nt"}
    )
    status, headers, body = fetch(url, "/sparql?" + construct)
    cuba = sum(
        1 for line in (GRAPH / "dataset.nt").open() if line.startswith(f"<{BASE}entity/cuba> ")
    )
    assert headers["Content-Type"].startswith("application/n-triples") and body.count(b"\n") == cuba


def test_results_are_capped_and_say_so(url):
    query = urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"})
    status, headers, body = fetch(url, "/sparql?" + query)
    assert status == 200 and headers["X-SPARQL-MaxRows"] == str(MAX_ROWS)
    assert len(json.loads(body)["results"]["bindings"]) == MAX_ROWS


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": b"update=DROP+ALL"}, 400),
        ({"data": b"DROP ALL", "headers": {"Content-Type": "application/sparql-update"}}, 400),
        ({"data": b"query=INSERT+DATA+%7B%3Curn%3Aa%3E+%3Curn%3Ab%3E+%3Curn%3Ac%3E%7D"}, 400),
        ({"data": b"query=SELECT+*+WHERE+%7B+%3Fs"}, 400),
        ({"data": urllib.parse.urlencode({"query": SERVICE}).encode()}, 400),
        ({"data": b"x", "headers": {"Content-Type": "text/plain"}}, 415),
        ({"data": b"x", "method": "PUT"}, 405),
        ({"method": "DELETE"}, 405),
    ],
)
def test_updates_and_bad_requests_are_refused(url, kwargs, status):
    assert fetch(url, "/sparql", **kwargs)[0] == status
    count = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    assert json.loads(fetch(url, "/sparql?" + count)[2])["results"]["bindings"][0]["n"][
        "value"
    ] == str(sum(1 for _ in (GRAPH / "dataset.nt").open(encoding="utf-8")))


def test_a_long_query_is_stopped_and_the_server_goes_on(url):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    status, _, body = fetch(url, "/sparql", data=urllib.parse.urlencode({"query": slow}).encode())
    assert status == 504 and b"longer than" in body
    assert time.monotonic() - started < TIMEOUT + 2
    ask = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    assert json.loads(fetch(url, "/sparql?" + ask)[2])["boolean"] is True


def test_concurrent_requests(url):
    paths = [DOC, STATE, "/", "/void"] * 5 + [
        "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    ] * 10
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda p: fetch(url, p, accept=BROWSER)[0], paths))
    assert statuses == [200] * len(paths)


def test_negotiation_rules():
    offers = ["text/turtle", "text/html"]
    assert negotiate(None, offers) == "text/turtle"
    assert negotiate(BROWSER, offers) == "text/html"
    assert negotiate("text/*", offers) == "text/turtle"
    assert negotiate("text/html;q=0, */*", offers) == "text/turtle"
    assert negotiate("application/json", offers) is None


def test_cli_refuses_a_port_in_use(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port), "--quiet"]) == 2
    assert "cannot listen" in capsys.readouterr().err


# ----------------------------------------------------------------------------- a browser


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_chromium(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
            url,
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(
    chromium() is None,
    reason="Chromium is not installed (Debian: apt-get install -y chromium); .ci/run installs it",
)
def test_a_browser_shows_a_document_and_a_state(url, tmp_path):
    shot = tmp_path / "document.png"
    done = run_chromium(url + DOC, tmp_path, f"--screenshot={shot}", "--window-size=1200,900")
    assert shot.is_file(), done.stderr.decode(errors="replace")[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1200, 900) and len(png) > 20_000  # a page, not a blank
    done = run_chromium(url + STATE, tmp_path, "--dump-dom")
    dom = done.stdout.decode("utf-8")
    assert "<h1>German Democratic Republic</h1>" in dom
    links = [link for link in links_of(dom.encode()) if link.startswith("/fond/id/doc/")]
    assert links and all(fetch(url, link, accept=BROWSER)[0] == 200 for link in links)
