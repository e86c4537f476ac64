"""Queries and the network: nothing builds a query by pasting user text; reading JSON-LD
never fetches a context (no network, no file outside the project); the test suite itself
runs offline (tests/conftest.py)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer

from fond.readdump import jsonld_to_graph, read_dump
from fond.reliability.checks import pasted_queries, project_sources, run_cli
from fond.wikidata import WikidataClient
from mappings.errors import InputError

FOND_CONTEXT = "https://w3id.org/fond/context.jsonld"


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


# ---------------------------------------------------------------------- pasted queries


def test_no_query_in_the_project_is_built_by_pasting_values() -> None:
    findings, seen = pasted_queries(project_sources())
    assert findings == []
    assert seen > 5  # the scan does see the project's (bound) queries


def test_the_scan_finds_pasted_sparql_and_sql(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def q(label, ident, n):\n"
        "    a = f'SELECT ?s WHERE {{ ?s rdfs:label \"{label}\" }}'\n"
        '    b = "SELECT data FROM r WHERE id = \'" + ident + "\'"\n'
        '    c = "DELETE WHERE {{ <{}> ?p ?o }}".format(ident)\n'
        '    d = "SELECT * FROM t WHERE n = %s" % n\n'
        '    e = f"SELECT * FROM t LIMIT {LIMIT}"  # a module constant: fine\n'
        '    f = "SELECT * FROM t WHERE id = ?"  # bound: fine\n'
        "    g = f'SELECT ?s WHERE {{ ?s ?p \"{label}\" }}'  # query-safe: escaped above\n"
    )
    findings, _ = pasted_queries([bad])
    assert [f.split(":")[1] for f in findings] == ["2", "3", "4", "5"]


def test_wikidata_search_text_is_sent_as_one_bound_parameter(httpserver: HTTPServer) -> None:
    hostile = "x&action=wbeditentity&id=Q1#\"<>\n' OR 1=1 --"
    httpserver.expect_request("/w/api.php").respond_with_json({"search": []})
    client = WikidataClient(httpserver.url_for("/w/api.php"), sleep=lambda s: None)
    assert client.search(hostile, max_pages=1) == []
    (request, _), *_ = httpserver.log
    assert request.args.getlist("search") == [hostile]
    assert request.args.getlist("action") == ["wbsearchentities"]


# ---------------------------------------------------------------------- JSON-LD contexts


def remote_documents(server: HTTPServer, tmp_path: Path) -> dict[str, dict]:
    ctx = server.url_for("/context.jsonld")
    local = tmp_path / "ctx.jsonld"
    local.write_text(json.dumps({"@context": {"t": "http://example.org/t"}}))
    return {
        "http": {"@context": ctx},
        "https": {"@context": "https://example.org/context.jsonld"},
        "file outside the project": {"@context": local.as_uri()},
        "file:///etc/passwd": {"@context": "file:///etc/passwd"},
        "@import": {"@context": {"@version": 1.1, "@import": ctx}},
        "scoped": {
            "@context": {"@version": 1.1, "p": {"@id": "http://x/p", "@context": ctx}},
            "p": {"@id": "http://x/o", "http://x/q": "v"},
        },
        "ours, then a remote one": {"@context": [FOND_CONTEXT, ctx]},
    }


@pytest.mark.parametrize(
    "kind",
    [
        "http",
        "https",
        "file outside the project",
        "file:///etc/passwd",
        "@import",
        "scoped",
        "ours, then a remote one",
    ],
)
def test_reading_json_ld_never_loads_a_context(
    kind: str, httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/context.jsonld").respond_with_json(
        {"@context": {"t": "http://example.org/t"}}
    )
    doc = {**remote_documents(httpserver, tmp_path)[kind], "@id": "http://x/s", "t": "v"}
    path = tmp_path / "dump.jsonld"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match="refusing to load the context"):
        read_dump(path)
    assert httpserver.log == []  # not a single request
    code, _, stderr = run_cli(["validate", str(path)])
    assert code == 2 and "refusing to load the context" in stderr
    assert httpserver.log == []


def test_fonds_own_context_is_read_from_the_project(tmp_path: Path) -> None:
    doc = {"@context": FOND_CONTEXT, "@id": "http://x/s", "title": "T"}
    graph = jsonld_to_graph(doc)
    assert len(graph) == 1  # resolved offline: the network guard is on


# ---------------------------------------------------------------------- the network guard


def test_the_test_suite_cannot_reach_the_network() -> None:
    blocked = "network access blocked in tests"  # conftest.NetworkBlocked, an OSError
    with pytest.raises(OSError, match=blocked):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    with pytest.raises(OSError, match=blocked):
        socket.socket().connect(("192.0.2.1", 80))
    with pytest.raises(OSError, match=blocked):
        socket.getaddrinfo("www.wikidata.org", 443)
    with pytest.raises(requests.ConnectionError) as caught:
        requests.get("https://www.wikidata.org/w/api.php", timeout=1)
    assert "network access blocked" in str(caught.value)


def test_loopback_stays_open(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/ok").respond_with_data("ok")
    assert requests.get(httpserver.url_for("/ok"), timeout=5).text == "ok"
    with socket.create_connection(("127.0.0.1", httpserver.port), timeout=5):
        pass
