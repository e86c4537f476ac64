"""The dumps: what graph/ holds is exactly what the build makes; every format is the same graph
to a second parser; no blank nodes; the JSON-LD reads offline with the published context."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyld import jsonld
from pyoxigraph import BlankNode, RdfFormat, parse
from rdflib import Graph
from rdflib.compare import graph_diff, to_isomorphic

from fond.readdump import jsonld_to_graph, offline_loader
from tests.conftest import GRAPH, ROOT

PUBLISHED = ["dataset.nt", "dataset.ttl", "dataset.jsonld", "void.ttl", "context.jsonld"]


@pytest.mark.parametrize("name", PUBLISHED)
def test_committed_graph_is_what_the_build_produces(seed_out: Path, name: str) -> None:
    assert (seed_out / name).read_bytes() == (GRAPH / name).read_bytes(), (
        f"graph/{name} is stale: run `python publish.py` and commit graph/"
    )


def test_two_builds_are_byte_identical(seed_out: Path, tmp_path: Path) -> None:
    from fond.pipeline import BuildOptions, build

    build(BuildOptions(corpus=ROOT / "corpus", out=tmp_path, workers=1, progress=False))
    for name in PUBLISHED:
        assert (tmp_path / name).read_bytes() == (seed_out / name).read_bytes(), name


def test_turtle_and_ntriples_are_one_graph_to_pyoxigraph(seed_out: Path) -> None:
    nt = set(parse(path=str(seed_out / "dataset.nt"), format=RdfFormat.N_TRIPLES))
    ttl = set(parse(path=str(seed_out / "dataset.ttl"), format=RdfFormat.TURTLE))
    assert nt == ttl
    assert len(nt) == sum(1 for _ in (seed_out / "dataset.nt").open())  # no duplicate lines


def test_no_blank_nodes(seed_out: Path) -> None:
    for triple in parse(path=str(seed_out / "dataset.nt"), format=RdfFormat.N_TRIPLES):
        assert not isinstance(triple.subject, BlankNode)
        assert not isinstance(triple.object, BlankNode)


def test_jsonld_expands_with_pyld_to_the_turtle_graph(seed_out: Path) -> None:
    from_jsonld = jsonld_to_graph(json.loads((seed_out / "dataset.jsonld").read_text()))
    from_turtle = Graph().parse(seed_out / "dataset.ttl", format="turtle")
    a, b = to_isomorphic(from_jsonld), to_isomorphic(from_turtle)
    if a != b:
        _, only_jsonld, only_turtle = graph_diff(a, b)
        pytest.fail(f"differ:\n+ {list(only_jsonld)[:5]}\n- {list(only_turtle)[:5]}")


def test_jsonld_embeds_the_published_context(seed_out: Path) -> None:
    dump = json.loads((seed_out / "dataset.jsonld").read_text())
    published = json.loads((ROOT / "ontology" / "context.jsonld").read_text())
    assert dump["@context"] == published["@context"]
    assert json.loads((seed_out / "context.jsonld").read_text()) == published


def test_a_remote_context_is_never_fetched() -> None:
    hostile = {"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "http://ex/a", "name": "x"}
    with pytest.raises(jsonld.JsonLdError):
        jsonld_to_graph(hostile)
    with pytest.raises(jsonld.JsonLdError):
        offline_loader("file:///etc/passwd")


def test_wikidata_links_use_concept_iris(seed_out: Path) -> None:
    text = (seed_out / "dataset.nt").read_text()
    assert "https://www.wikidata.org/" not in text
    assert "<http://www.wikidata.org/entity/Q" in text
