"""What a historian reading each seed would list is in the published graph.

The facts come from tests/fixtures/golden/<seed>.expected.toml (written by reading the
seeds); the test asks the built graph with SPARQL, as a user would.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store

from mappings.read.names import same_person
from tests.conftest import CORPUS, FIXTURES

BASE = "https://w3id.org/fond/id/"
PREFIXES = """
PREFIX fond: <https://w3id.org/fond/ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
SEEDS = sorted(p.stem for p in CORPUS.glob("*.txt"))


@pytest.fixture(scope="module")
def store(seed_out: Path) -> Store:
    store = Store()
    store.bulk_load(path=str(seed_out / "dataset.nt"), format=RdfFormat.N_TRIPLES)
    return store


def expected(seed: str) -> dict:
    return tomllib.loads((FIXTURES / "golden" / f"{seed}.expected.toml").read_text())["expected"]


def values(store: Store, query: str, **iris: str) -> set[str]:
    for key, iri in iris.items():
        query = query.replace(f"?{key}", f"<{iri}>")
    return {str(row[0].value) for row in store.query(PREFIXES + query)}


def work_of(store: Store, seed: str) -> str:
    (work,) = values(
        store, "SELECT ?w WHERE { ?t schema:exampleOfWork ?w }", t=f"{BASE}text/{seed}"
    )
    return work


def names_of(store: Store, node: str, prop: str) -> dict[str, set[str]]:
    """Entity -> its label and alternative labels, for the entities in a role."""
    out: dict[str, set[str]] = {}
    query = (
        f"SELECT ?e ?l WHERE {{ ?w {prop} ?e ."
        " { ?e rdfs:label ?l } UNION { ?e skos:altLabel ?l } }"
    )
    for row in store.query(PREFIXES + query.replace("?w", f"<{node}>")):
        out.setdefault(row[0].value, set()).add(row[1].value)
    return out


def matches(expected_name: str, names: set[str]) -> bool:
    return any(same_person(expected_name, n) or expected_name == n for n in names)


@pytest.mark.parametrize("seed", SEEDS)
def test_title_type_date_language(store: Store, seed: str) -> None:
    facts = expected(seed)
    text = f"{BASE}text/{seed}"
    work = work_of(store, seed)
    if "title" in facts:
        assert values(store, "SELECT ?x WHERE { ?t dcterms:title ?x }", t=text) == {facts["title"]}
    assert values(store, "SELECT ?x WHERE { ?w dcterms:type ?x }", w=work) == {
        f"{BASE}type/{facts['type']}"
    }
    dates = values(store, "SELECT ?x WHERE { ?w fond:earliestDate ?x }", w=work) | values(
        store, "SELECT ?x WHERE { ?w fond:latestDate ?x }", w=work
    )
    if "date" in facts:
        assert dates == {facts["date_earliest"], facts["date_latest"]}
    else:
        assert dates == set(), "a date the text does not give must not be invented"
    assert values(store, "SELECT ?x WHERE { ?t schema:inLanguage ?x }", t=text) == {
        facts["language"]
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_people_in_their_roles(store: Store, seed: str) -> None:
    facts = expected(seed)
    work = work_of(store, seed)
    text = f"{BASE}text/{seed}"

    for key, prop, node in (
        ("authors", "schema:author", work),
        ("recipients", "schema:recipient", work),
        ("participants", "fond:participant", work),
        ("speakers", "fond:speaker", work),
        ("note_takers", "fond:noteTaker", work),
        ("translators", "schema:translator", text),
        ("editors", "schema:editor", text),
    ):
        entities = names_of(store, node, prop)
        wanted = facts.get(key, [])
        assert len(entities) == len(wanted), (key, entities)
        for name in wanted:
            assert any(matches(name, names) for names in entities.values()), (key, name)


@pytest.mark.parametrize("seed", SEEDS)
def test_sources_and_archive(store: Store, seed: str) -> None:
    facts = expected(seed)
    text = f"{BASE}text/{seed}"
    published = values(store, "SELECT ?x WHERE { ?t schema:isPartOf/dcterms:title ?x }", t=text)
    assert published == ({facts["published_in"]["title"]} if "published_in" in facts else set())
    derived = values(store, "SELECT ?x WHERE { ?t dcterms:source/dcterms:title ?x }", t=text)
    wanted = {facts[k]["title"] for k in ("translated_from", "cited_from") if k in facts}
    assert derived == wanted
    archive = values(
        store,
        "SELECT ?x WHERE { ?w fond:archivalReference ?r ."
        " ?r fond:fond ?f ; fond:opis ?o ; fond:delo ?d ."
        ' BIND(CONCAT(?f, "/", ?o, "/", ?d) AS ?x) }',
        w=work_of(store, seed),
    )
    if "archive" in facts:
        a = facts["archive"]
        assert archive == {f"{a['fond']}/{a['opis']}/{a['delo']}"}
    else:
        assert archive == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_states_named_in_the_text_link_to_wikidata_as_of_the_date(store: Store, seed: str) -> None:
    facts = expected(seed)
    qids = values(
        store,
        "SELECT ?q WHERE { ?t schema:mentions ?e . ?e a fond:State ;"
        " skos:exactMatch|skos:closeMatch ?q }",
        t=f"{BASE}text/{seed}",
    )
    assert qids == {f"http://www.wikidata.org/entity/{q}" for q in facts["mentions"]["states"]}


def test_the_letter_published_twice_is_one_document(store: Store) -> None:
    full, excerpt = "001_2e3a8a1114611db8", "003_2d7284f948b3b7ed"
    assert work_of(store, full) == work_of(store, excerpt)
    work = work_of(store, full)
    assert values(store, "SELECT ?t WHERE { ?w schema:workExample ?t }", w=work) == {
        f"{BASE}text/{full}",
        f"{BASE}text/{excerpt}",
    }
    (share,) = values(store, "SELECT ?c WHERE { ?w fond:overlap/fond:containment ?c }", w=work)
    assert float(share) > 0.9
    # The date comes from 003's headnote, and the evidence says so.
    (source,) = values(
        store,
        "SELECT ?src WHERE { ?ev fond:about ?w ; fond:property fond:date ;"
        " <http://www.w3.org/ns/oa#hasTarget>/<http://www.w3.org/ns/oa#hasSource> ?src }",
        w=work,
    )
    assert source == f"{BASE}text/{excerpt}"


def test_a_document_without_author_or_date_is_flagged_not_invented(seed_out: Path) -> None:
    report = (seed_out / "validation-report.txt").read_text()
    assert "document 004_b269804334c0b786" in report
    assert "No author is known" in report and "date is unknown" in report


def test_the_extraction_report_shows_each_statement_with_its_evidence(seed_out: Path) -> None:
    import csv

    with (seed_out / "extraction-report.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    date = next(
        r
        for r in rows
        if r["document"].endswith("doc/001_2e3a8a1114611db8") and r["field"] == "fond:date"
    )
    assert date["value"] == "1988-10-06" and date["origin"] == "fond:Extraction"
    assert date["text"].endswith("text/003_2d7284f948b3b7ed")  # stated by the other version
    assert date["quote"] in ("October 6, 1988", "6 October 1988")
    assert date["rule"] in ("headnote-dated", "citation-date") and int(date["start"]) < int(
        date["end"]
    )
