"""`publish.py query`: the example queries answer the historian's questions on the seed graph.

Each ontology/queries/*.rq names its expected answer (``#+ expect:``); the federated one is
shown, not run by Fond (it would fetch Wikidata), and is checked against a local stand-in.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pyoxigraph import QueryResultsFormat, RdfFormat, Store, parse_query_results

from fond.cli import main
from fond.query import (
    GRAPH,
    QUERIES,
    ROOT,
    calls_service,
    example_queries,
    format_table,
    open_store,
    read_query,
    run_query,
    write_results,
)
from mappings.errors import InputError

EXAMPLES = example_queries()
LOCAL = [q for q in EXAMPLES if "federated" not in q.header]
FEDERATED = [q for q in EXAMPLES if "federated" in q.header]


@pytest.fixture(scope="module")
def store():
    return open_store()


def rows_of(data: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data)))


def test_the_historians_questions_are_all_there():
    names = {q.name for q in EXAMPLES}
    assert {
        "documents-by-date-range",
        "documents-mentioning-state",
        "who-wrote-to-whom",
        "co-mentioned-states",
        "documents-translated-by",
        "documents-published-twice",
        "federated-present-day-countries",
    } <= names
    for query in EXAMPLES:
        assert query.header.get("summary"), f"{query.path}: no '#+ summary:' line"
        assert ("expect" in query.header) != ("federated" in query.header), query.path
        assert calls_service(query.text) == ("federated" in query.header), query.path


@pytest.mark.parametrize("query", LOCAL, ids=lambda q: q.name)
def test_example_query_gives_its_expected_answer_on_the_seeds(store, query):
    expected = (ROOT / query.header["expect"]).read_text(encoding="utf-8")
    result = run_query(store, query.text)
    assert rows_of(write_results(result, "csv").decode("utf-8")) == rows_of(expected)
    assert not result.empty and not result.truncated


def test_answers_read_as_a_historian_expects(store):
    """A few facts of the seed corpus, stated plainly (the fixtures hold the full answers)."""

    def column(name: str, var: str) -> list[str]:
        result = run_query(store, read_query(str(QUERIES / f"{name}.rq")).text)
        i = result.variables.index(var)
        return [row[i].value if row[i] else "" for row in result.rows]

    # 1986: Gorbachev's memorandum of 26 June and the Politburo session of 3 July.
    assert column("documents-by-date-range", "date") == ["1986-06-26", "1986-07-03"]
    # Shakhnazarov's letter of 6 October 1988 is published in full and as an excerpt.
    assert column("documents-published-twice", "excerpt") == ["false", "true"]
    assert column("who-wrote-to-whom", "recipient") == [
        "Politburo of the CC CPSU",
        "Mikhail Gorbachev",
    ]


def test_federated_query_is_refused_offline(capsys):
    assert main(["query", str(FEDERATED[0].path)]) == 2
    assert "remote SERVICE" in capsys.readouterr().err


class _FakeWikidata(BaseHTTPRequestHandler):
    """Answers any query with three sovereign states, as WDQS would for the SERVICE pattern."""

    queries: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8")
        form = urllib.parse.parse_qs(body)
        self.queries.append(form.get("query", [body])[0])
        rows = [("Q183", "DE", "Germany"), ("Q28", "HU", "Hungary"), ("Q30", "US", "United States")]
        bindings = [
            {
                "item": {"type": "uri", "value": f"http://www.wikidata.org/entity/{q}"},
                "iso": {"type": "literal", "value": iso},
                "country": {"type": "literal", "value": name, "xml:lang": "en"},
            }
            for q, iso, name in rows
        ]
        data = json.dumps(
            {"head": {"vars": ["item", "iso", "country"]}, "results": {"bindings": bindings}}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_federated_query_joins_wikidata_rows_with_the_graph(store):
    """Run against a stand-in for WDQS on loopback: the join and grouping are right."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeWikidata)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
        text = FEDERATED[0].text.replace("https://query.wikidata.org/sparql", url)
        rows = [[t.value for t in row] for row in store.query(text)]
    finally:
        server.shutdown()
        server.server_close()
    # The GDR is Germany today; the seeds name the US in two documents; Hungary's state of
    # 1986-1988 is the Hungarian People's Republic.
    assert rows == [
        ["DE", "Germany", "German Democratic Republic", "2"],
        ["HU", "Hungary", "Hungarian People's Republic", "3"],
        ["US", "United States", "United States", "2"],
    ]
    assert "wd:Q3624078" in _FakeWikidata.queries[0] or "Q3624078" in _FakeWikidata.queries[0]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * where { ?a ?b ?c .service silent <http://x/> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://x/> { ?s ?p ?o } }",
        "SELECT * WHERE { # a comment\n SERVICE <http://x/> { ?s ?p ?o } }",
        'SELECT * WHERE { ?s ?p "a\\"b" . SERVICE <http://x/> { ?s ?p ?o } }',
    ],
)
def test_a_service_clause_cannot_hide_from_the_offline_check(query):
    assert calls_service(query)


@pytest.mark.parametrize(
    "query",
    [
        'SELECT ?service WHERE { ?service ?p "SERVICE <http://x/> {}" }',
        "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o } # SERVICE <http://x/>",
        "PREFIX service: <http://x/> SELECT * WHERE { ?s service:p ex:service }",
        "SELECT * WHERE { ?s ?p '''SERVICE\n<http://x/> { }''' }",
    ],
)
def test_the_word_service_elsewhere_is_not_a_service_clause(query):
    assert not calls_service(query)


SAMPLE = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX fond: <https://w3id.org/fond/ns#>
SELECT ?s ?label ?until ?excerpt ?none WHERE {
  ?s rdfs:label ?label . OPTIONAL { ?s fond:validTo ?until } OPTIONAL { ?s fond:isExcerpt ?excerpt }
  OPTIONAL { ?s <urn:nothing> ?none }
} ORDER BY ?s ?label LIMIT 40"""


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_own_result_writers_agree_with_pyoxigraph(store, fmt):
    ours = write_results(run_query(store, SAMPLE), fmt)
    theirs = store.query(SAMPLE).serialize(format=getattr(QueryResultsFormat, fmt.upper()))
    parsed = [
        [
            list(s)
            for s in parse_query_results(data, format=getattr(QueryResultsFormat, fmt.upper()))
        ]
        for data in (ours, theirs)
    ]
    assert parsed[0] == parsed[1] and len(parsed[0]) == 40


def test_own_csv_writer_agrees_with_pyoxigraph(store):
    ours = write_results(run_query(store, SAMPLE), "csv")
    theirs = store.query(SAMPLE).serialize(format=QueryResultsFormat.CSV)
    assert ours == theirs


def test_a_cap_keeps_the_first_rows_and_says_so(store):
    result = run_query(store, "SELECT * WHERE { ?s ?p ?o }", limit=10)
    assert len(result.rows) == 10 and result.truncated


def test_table_shortens_iris_for_a_reader(store):
    text = format_table(
        run_query(store, read_query(str(QUERIES / "who-wrote-to-whom.rq")).text),
        "https://w3id.org/fond/id/",
    )
    assert "<doc/000_0dc14e63435743eb>" in text and "wd:Q30487" in text and "(2 rows;" in text


def test_cli_formats_and_exit_codes(capsys, tmp_path):
    assert main(["query", str(QUERIES / "documents-translated-by.rq"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["results"]["bindings"][0]["translator"]["value"] == "Svetlana Savranskaya"
    # no result is exit code 1, as for grep
    assert main(["query", "ASK { ?s a <urn:no-such-class> }"]) == 1
    assert capsys.readouterr().out.strip() == "no"
    assert main(["query", "CONSTRUCT WHERE { ?s a <https://w3id.org/fond/ns#Text> }"]) == 0
    assert "fond:Text" in capsys.readouterr().out
    # bad input is exit code 2, with a one-line message
    for argv in (
        ["query", "SELECT * WHERE { ?s ?p }"],
        ["query", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"],
        ["query", "no-such-file.rq"],
        ["query", "ASK {}", "--graph", str(tmp_path)],
    ):
        assert main(argv) == 2, argv
        assert capsys.readouterr().err.startswith("error: ")


def test_update_is_not_a_query(store):
    with pytest.raises(InputError, match="only queries"):
        run_query(store, "DELETE WHERE { ?s ?p ?o }")
    assert len(store) == sum(1 for _ in (GRAPH / "dataset.nt").open(encoding="utf-8"))


def test_query_file_header(tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("#+ summary: a question\n#+ expect: x.csv\nASK {}\n", encoding="utf-8")
    query = read_query(str(path))
    assert query.header == {"summary": "a question", "expect": "x.csv"} and query.name == "q"
    assert read_query("ASK {}").path is None
    assert Path(QUERIES).is_dir()


def test_the_linkset_is_the_wikidata_links_of_the_graph_sorted_and_described():
    """graph/linkset.nt: what another archive needs to join on Wikidata, and no more."""
    predicates = (
        "<http://www.w3.org/2004/02/skos/core#exactMatch>",
        "<http://www.w3.org/2004/02/skos/core#closeMatch>",
        "<https://w3id.org/fond/ns#presentDayState>",
    )
    links = sorted(
        line
        for line in (GRAPH / "dataset.nt").read_text(encoding="utf-8").splitlines(keepends=True)
        if line.split(" ")[1] in predicates
        and line.split(" ")[2].startswith("<http://www.wikidata.org/entity/Q")
    )
    linkset = (GRAPH / "linkset.nt").read_text(encoding="utf-8")
    assert linkset == "".join(links) and len(links) > 20
    void = Store()
    void.load(path=str(GRAPH / "void.ttl"), format=RdfFormat.TURTLE)
    described = run_query(
        void,
        """PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?triples ?dump WHERE {
          ?ls a void:Linkset ; void:triples ?triples ; void:dataDump ?dump }""",
    )
    assert [[t.value for t in row] for row in described.rows] == [
        [str(len(links)), "https://w3id.org/fond/id/linkset.nt"]
    ]
    predicates_described = run_query(
        void, "SELECT ?p WHERE { ?ls <http://rdfs.org/ns/void#linkPredicate> ?p }"
    )
    assert {f"<{row[0].value}>" for row in predicates_described.rows} == set(predicates)
