"""`publish.py load`: into a real Oxigraph server (and offline database), idempotently.

The protocol details (request order, retries, auth, errors) are checked against a local
stand-in (pytest-httpserver); loading and reloading against `oxigraph serve` on a free
loopback port, started and stopped by the fixture.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from werkzeug import Request, Response

from fond.cli import main
from fond.load import (
    Client,
    StoreError,
    chunks,
    count_lines,
    load_http,
    oxigraph_command,
    query_endpoint_for,
)
from fond.query import GRAPH, QUERIES, read_query
from mappings.errors import InputError

DUMP = GRAPH / "dataset.nt"
TRIPLES = sum(1 for _ in DUMP.open(encoding="utf-8"))  # the committed dump
G = "https://w3id.org/fond/id/dataset"
COUNT = '{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"%d"}}]}}'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[str]:
    """`oxigraph serve` on 127.0.0.1:<free port>; yields its base URL; always stopped."""
    try:
        command = oxigraph_command()
    except InputError:
        pytest.skip("the `oxigraph` command is missing: pip install -e '.[test]'")
    port = free_port()
    log = (tmp_path / "oxigraph.log").open("wb")
    process = subprocess.Popen(
        [command, "serve", "--location", str(tmp_path / "db"), "--bind", f"127.0.0.1:{port}"]
        + ["--union-default-graph"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.get(url + "/", timeout=1)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"oxigraph did not start: {(tmp_path / 'oxigraph.log').read_text()}"
                    )
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def stored(url: str, graph: str = G) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    response = requests.post(
        url + "/query",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=10,
    )
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


# ----------------------------------------------------------------------------- a real store


def test_loading_twice_into_oxigraph_leaves_one_copy(oxigraph, capsys):
    argv = ["load", "--endpoint", oxigraph + "/store", "--chunk-size", "1000"]
    assert main(argv) == 0
    assert stored(oxigraph) == TRIPLES
    assert main(argv) == 0  # again, in chunks
    assert main(argv[:3]) == 0  # again, in one chunk
    assert stored(oxigraph) == TRIPLES
    out = capsys.readouterr().out
    assert out.count(f"the store holds {TRIPLES:,} triples in the graph") == 3
    assert "Oxigraph bulk loader" in out


def test_reload_drops_what_the_previous_release_had(oxigraph):
    assert main(["load", "--endpoint", oxigraph + "/store", "--chunk-size", "2000"]) == 0
    stale = '<https://w3id.org/fond/id/entity/gone> <urn:p> "from the previous release" .\n'
    requests.post(
        oxigraph + "/store",
        params={"graph": G},
        data=stale.encode(),
        headers={"Content-Type": "application/n-triples"},
        timeout=10,
    ).raise_for_status()
    assert stored(oxigraph) == TRIPLES + 1
    assert main(["load", "--endpoint", oxigraph + "/store", "--chunk-size", "2000"]) == 0
    assert stored(oxigraph) == TRIPLES


def test_the_example_queries_answer_the_same_on_the_store(oxigraph):
    """A historian's query runs unchanged on the loaded store (started with union default graph)."""
    assert main(["load", "--endpoint", oxigraph + "/store"]) == 0
    query = read_query(str(QUERIES / "documents-published-twice.rq"))
    response = requests.post(
        oxigraph + "/query", data={"query": query.text}, headers={"Accept": "text/csv"}, timeout=10
    )
    expected = (GRAPH.parent / query.header["expect"]).read_text(encoding="utf-8")
    assert response.text.replace("\r\n", "\n") == expected


def test_a_second_graph_is_left_alone(oxigraph):
    other = "https://example.org/other-archive/graph"
    assert main(["load", "--endpoint", oxigraph + "/store", "--graph", other]) == 0
    assert main(["load", "--endpoint", oxigraph + "/store"]) == 0
    assert stored(oxigraph, other) == TRIPLES and stored(oxigraph) == TRIPLES


def test_bulk_location_loads_offline_and_idempotently(tmp_path, capsys):
    try:
        oxigraph_command()
    except InputError:
        pytest.skip("the `oxigraph` command is missing: pip install -e '.[test]'")
    location = tmp_path / "oxidb"
    for _ in range(2):
        assert main(["load", "--bulk-location", str(location)]) == 0
    assert f"the store holds {TRIPLES:,} triples" in capsys.readouterr().out


@pytest.fixture
def virtuoso(tmp_path: Path) -> Iterator[str]:
    """Debian's Virtuoso 7 on loopback ports, with a private database; optional."""
    exe, ini = shutil.which("virtuoso-t"), Path("/etc/virtuoso-opensource-7/virtuoso.ini")
    if exe is None or not ini.is_file():
        pytest.skip(
            "Virtuoso is not installed (optional; Debian: apt-get install virtuoso-opensource)"
        )
    isql, http = free_port(), free_port()
    config = ini.read_text(encoding="utf-8").replace(
        "/var/lib/virtuoso-opensource-7/db", str(tmp_path)
    )
    config = re.sub(r"(?m)^ServerPort\s*=\s*1111$", f"ServerPort = 127.0.0.1:{isql}", config)
    config = re.sub(r"(?m)^ServerPort\s*=\s*8890$", f"ServerPort = 127.0.0.1:{http}", config)
    config = re.sub(r"(?m)^ServerName\s*=.*$", "", config)  # announce nothing
    (tmp_path / "virtuoso.ini").write_text(config, encoding="utf-8")
    log = tmp_path / "out.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [exe, "-f", "-c", str(tmp_path / "virtuoso.ini")], cwd=tmp_path, stdout=out, stderr=out
        )
        try:
            deadline = time.monotonic() + 60
            while b"Server online" not in log.read_bytes():
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"Virtuoso did not start: {log.read_text(errors='replace')[-2000:]}"
                    )
                time.sleep(0.2)
            yield f"http://127.0.0.1:{http}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_loading_twice_into_virtuoso_leaves_one_copy(virtuoso, capsys):
    """Digest auth, Virtuoso's CLEAR GRAPH on reload, the count from its /sparql."""
    argv = ["load", "--endpoint", virtuoso + "/sparql-graph-crud-auth", "--user", "dba"]
    argv += ["--password", "dba", "--chunk-size", "2000"]  # dba/dba: a throwaway test database
    for _ in range(2):
        assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.count(f"the store holds {TRIPLES:,} triples") == 2 and "Virtuoso CLEAR" in out


# ----------------------------------------------------------------------------- the protocol


def test_chunks_are_whole_lines_and_cover_the_dump():
    parts = list(chunks(DUMP, 1000))
    full, rest = divmod(TRIPLES, 1000)
    assert [p.count(b"\n") for p in parts] == [1000] * full + ([rest] if rest else [])
    assert b"".join(parts) == DUMP.read_bytes()
    assert count_lines(DUMP) == (TRIPLES, False)


def test_request_sequence_put_empty_then_post_chunks(httpserver):
    seen: list[tuple[str, dict, int]] = []

    def store(request: Request) -> Response:
        seen.append((request.method, dict(request.args), request.get_data().count(b"\n")))
        assert request.headers["Content-Type"] == "application/n-triples"
        return Response(status=201 if request.method == "PUT" else 204)

    httpserver.expect_request("/store").respond_with_handler(store)
    httpserver.expect_request("/query", method="POST").respond_with_data(
        COUNT % TRIPLES, content_type="application/sparql-results+json"
    )
    report = load_http(
        DUMP,
        httpserver.url_for("/store"),
        G,
        httpserver.url_for("/query"),
        Client(),
        2000,
        log=lambda s: None,
    )
    posts = [2000] * (TRIPLES // 2000) + ([TRIPLES % 2000] if TRIPLES % 2000 else [])
    assert seen == [("PUT", {"graph": G}, 0)] + [("POST", {"graph": G}, n) for n in posts]
    assert report.ok and report.requests == len(posts) + 3  # and a count before, and one after


def test_a_dump_with_blank_nodes_is_one_put(httpserver, tmp_path):
    dump = tmp_path / "dataset.nt"
    dump.write_text('_:b0 <urn:p> "x" .\n_:b0 <urn:q> <urn:o> .\n', encoding="utf-8")
    seen = []

    def store(request: Request) -> Response:
        seen.append((request.method, request.get_data().count(b"\n")))
        return Response(status=201)

    httpserver.expect_request("/store").respond_with_handler(store)
    httpserver.expect_request("/query", method="POST").respond_with_data(
        COUNT % 2, content_type="application/sparql-results+json"
    )
    report = load_http(
        dump, httpserver.url_for("/store"), G, httpserver.url_for("/query"), Client(), 1
    )
    assert seen == [("PUT", 2)] and report.ok and "blank nodes" in report.notes[0]


def test_retries_honour_retry_after_and_back_off(httpserver):
    httpserver.expect_ordered_request("/query").respond_with_data(
        COUNT % 0, content_type="application/sparql-results+json"
    )
    httpserver.expect_ordered_request("/store").respond_with_data(
        "busy", status=503, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request("/store").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    httpserver.expect_ordered_request("/store").respond_with_data("", status=502)
    httpserver.expect_ordered_request("/store").respond_with_data("", status=201)
    httpserver.expect_ordered_request("/store", method="POST").respond_with_data("", status=204)
    httpserver.expect_ordered_request("/query").respond_with_data(
        COUNT % TRIPLES, content_type="application/sparql-results+json"
    )
    slept: list[float] = []
    client = Client(sleep=slept.append, log=lambda s: None, max_wait=30)
    report = load_http(
        DUMP, httpserver.url_for("/store"), G, httpserver.url_for("/query"), client, 10_000
    )
    # Retry-After as given, then capped at 30 s, then exponential backoff (attempt 3: 2 s)
    assert slept == [7.0, 30.0, 2.0] and report.retries == 3 and report.ok


class FlakySession(requests.Session):
    """Resets the connection on the first two requests, as a restarting proxy would."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 2

    def request(self, method, url, *args, **kwargs):  # noqa: ANN001, ANN201
        if self.failures:
            self.failures -= 1
            raise requests.ConnectionError("Connection reset by peer")
        return super().request(method, url, *args, **kwargs)


def test_connection_reset_is_retried(httpserver):
    httpserver.expect_request("/store").respond_with_data("", status=201)
    httpserver.expect_request("/query").respond_with_data(
        COUNT % TRIPLES, content_type="application/sparql-results+json"
    )
    slept: list[float] = []
    client = Client(FlakySession(), sleep=slept.append, log=lambda s: None)
    report = load_http(
        DUMP, httpserver.url_for("/store"), G, httpserver.url_for("/query"), client, 10_000
    )
    assert report.ok and slept == [0.5, 1.0]


def test_gives_up_after_the_last_attempt():
    port = free_port()  # nothing listens there
    client = Client(sleep=lambda s: None, log=lambda s: None, attempts=3)
    with pytest.raises(StoreError, match="failed 3 times"):
        load_http(
            DUMP, f"http://127.0.0.1:{port}/store", G, f"http://127.0.0.1:{port}/query", client
        )


def test_credentials_are_sent_and_never_shown(httpserver, capsys):
    seen = []

    def store(request: Request) -> Response:
        seen.append(request.headers.get("Authorization"))
        return Response("no", status=401, headers={"WWW-Authenticate": 'Basic realm="store"'})

    httpserver.expect_request("/query").respond_with_handler(store)
    url = httpserver.url_for("/store")
    assert main(["load", "--endpoint", url, "--user", "fond", "--password", "s3cret"]) == 3
    assert main(["load", "--endpoint", url, "--token", "t0ken"]) == 3
    assert seen[0].startswith("Basic ") and seen[1] == "Bearer t0ken"
    err = capsys.readouterr().err
    assert "HTTP 401" in err and "--token" in err and "s3cret" not in err and "t0ken" not in err


def test_digest_auth_when_the_store_asks_for_it(httpserver):
    """Virtuoso's authenticated Graph Store endpoint wants HTTP Digest, not Basic."""
    challenge = 'Digest realm="SPARQL", nonce="0ec7", opaque="5ebe", qop="auth", algorithm="MD5"'

    def store(request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        if not (auth.startswith("Digest ") and 'username="dba"' in auth):
            return Response("", status=401, headers={"WWW-Authenticate": challenge})
        if request.path == "/query":
            return Response(COUNT % TRIPLES, content_type="application/sparql-results+json")
        return Response("", status=201)

    httpserver.expect_request("/store").respond_with_handler(store)
    httpserver.expect_request("/query").respond_with_handler(store)
    client = Client(auth=("dba", "dba"), sleep=lambda s: None, log=lambda s: None)
    url = httpserver.url_for("/store")
    assert load_http(DUMP, url, G, httpserver.url_for("/query"), client, log=lambda s: None).ok


def test_virtuoso_graph_is_cleared_with_sparql_first(httpserver):
    """Dropping a graph over the Graph Store Protocol is ~60x slower there than CLEAR GRAPH."""
    calls = []

    def answer(request: Request) -> Response:
        calls.append((request.method, request.path, request.form.get("update")))
        if request.path == "/sparql" and request.method == "POST" and "query" in request.form:
            return Response(
                COUNT % TRIPLES,
                content_type="application/sparql-results+json",
                headers={"Server": "Virtuoso/07.20.3229"},
            )
        return Response("", status=201, headers={"Server": "Virtuoso/07.20.3229"})

    for path in ("/sparql-graph-crud", "/sparql"):
        httpserver.expect_request(path).respond_with_handler(answer)
    endpoint = httpserver.url_for("/sparql-graph-crud")
    report = load_http(
        DUMP, endpoint, G, query_endpoint_for(endpoint), Client(), log=lambda s: None
    )
    assert calls[1] == ("POST", "/sparql", f"CLEAR SILENT GRAPH <{G}>")
    assert [c[:2] for c in calls[2:4]] == [
        ("PUT", "/sparql-graph-crud"),
        ("POST", "/sparql-graph-crud"),
    ]
    assert report.ok and "Virtuoso CLEAR GRAPH" in report.method


def test_a_wrong_count_is_exit_code_1(httpserver, capsys):
    httpserver.expect_request("/store").respond_with_data("", status=204)
    httpserver.expect_request("/query").respond_with_data(
        COUNT % (TRIPLES - 1), content_type="application/sparql-results+json"
    )
    assert main(["load", "--endpoint", httpserver.url_for("/store")]) == 1
    assert f"holds {TRIPLES - 1:,} triples" in capsys.readouterr().err


def test_query_endpoint_is_derived_for_known_stores():
    assert query_endpoint_for("http://h:7878/store") == "http://h:7878/query"
    assert query_endpoint_for("http://h:3030/ds/data") == "http://h:3030/ds/sparql"
    assert query_endpoint_for("http://h:8890/sparql-graph-crud-auth") == "http://h:8890/sparql"
    assert (
        query_endpoint_for("http://h/rdf4j-server/repositories/fond/rdf-graphs/service")
        == "http://h/rdf4j-server/repositories/fond"
    )
    with pytest.raises(InputError, match="--query-endpoint"):
        query_endpoint_for("http://h/somewhere")


@pytest.mark.parametrize(
    "argv",
    [
        ["--endpoint", "http://127.0.0.1:9/store", "--graph", "http://x/a b"],
        ["--endpoint", "http://127.0.0.1:9/store", "--graph", "http://x/> } ; DROP ALL ; #"],
        ["--endpoint", "http://127.0.0.1:9/store", "--graph", "file:///etc/passwd"],
        ["--endpoint", "ftp://127.0.0.1/store"],
        ["--endpoint", "http://user:pw@127.0.0.1:9/store"],
        ["--endpoint", "http://127.0.0.1:9/store", "--dumps", "/nonexistent"],
        ["--endpoint", "http://127.0.0.1:9/store", "--chunk-size", "0"],
    ],
)
def test_bad_options_are_exit_code_2_before_any_request(argv, capsys):
    assert main(["load", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "pw" not in err


def test_http_errors_name_the_request(httpserver):
    httpserver.expect_request("/query").respond_with_data(
        COUNT % 0, content_type="application/sparql-results+json"
    )
    httpserver.expect_request("/store").respond_with_data("Method Not Allowed", status=405)
    with pytest.raises(
        StoreError, match=r"PUT http://(?:localhost|127\.0\.0\.1):\d+/store\?graph=.*HTTP 405"
    ):
        load_http(DUMP, httpserver.url_for("/store"), G, httpserver.url_for("/query"), Client())


def test_graph_iri_is_url_encoded_in_the_request(httpserver):
    graph = "https://example.org/g?x=1&y=2"
    httpserver.expect_request("/store", query_string={"graph": graph}).respond_with_data(
        "", status=201
    )
    httpserver.expect_request("/query").respond_with_data(
        COUNT % TRIPLES, content_type="application/sparql-results+json"
    )
    assert load_http(
        DUMP, httpserver.url_for("/store"), graph, httpserver.url_for("/query"), Client()
    ).ok
