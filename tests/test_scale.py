"""Scale: the synthetic corpus, the streaming build, its second pass, and its SHACL engines."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse
from rdflib import Graph

from fond.batch import read_one
from fond.curation import extraction_report
from fond.pipeline import BuildOptions, build, iter_corpus
from fond.synth import BAD_SHARE, _head, _rng, generate, render
from fond.validate import results_of, validate_ntriples, validate_text
from tests.scale_helpers import ROOT, mixed_corpus, same_files

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LINK_PREDICATE_IRIS = {
    "http://www.w3.org/2004/02/skos/core#exactMatch",
    "http://www.w3.org/2004/02/skos/core#closeMatch",
    "https://w3id.org/fond/ns#presentDayState",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_corpus(tmp_path_factory.mktemp("mixed") / "corpus")


@pytest.fixture(scope="module")
def built(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("out")
    result = build(BuildOptions(corpus, out, batch_size=7, progress=False))
    return out, result


def test_synth_is_reproducible_and_prefix_stable(tmp_path: Path) -> None:
    generate(40, tmp_path / "a", seed=7)
    generate(40, tmp_path / "b", seed=7)
    generate(25, tmp_path / "c", seed=7)
    files = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert len(files) > 40
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    for rel in (p.relative_to(tmp_path / "c") for p in (tmp_path / "c").rglob("*.txt")):
        assert (tmp_path / "c" / rel).read_bytes() == (tmp_path / "a" / rel).read_bytes(), rel
    sizes = [p.stat().st_size for p in (tmp_path / "a").rglob("*.txt")]
    assert min(sizes) >= 500 and max(sizes) <= 25_000


def test_synth_bad_files_are_refused_with_a_message(tmp_path: Path) -> None:
    bad = [i for i in range(3000) if _head(_rng(0, i))[0] < BAD_SHARE][:5]
    assert bad, "no bad file in the first 3,000 documents"
    for index in bad:
        path, data, _ = render(0, index)
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        message = read_one(str(target), str(tmp_path))
        assert isinstance(message, str) and path in message


def test_seed_corpus_reproduces_graph_byte_for_byte(tmp_path: Path) -> None:
    result = build(BuildOptions(ROOT / "corpus", tmp_path, progress=False))
    assert result.published
    assert same_files(ROOT / "graph", tmp_path) == []


def test_streaming_build_of_a_mixed_corpus(built: tuple[Path, object]) -> None:
    out, result = built
    assert result.published and result.violations == 0, result.report_text
    assert len(result.skipped) >= 2  # the two bad files, each named with its problem
    assert any("bad/empty.txt" in s for s in result.skipped)
    assert result.works < result.texts  # versions were joined into works
    triples = sum(1 for _ in (out / "dataset.nt").open(encoding="utf-8"))
    assert triples == result.triples
    void = (out / "void.ttl").read_text(encoding="utf-8")
    assert f'"{result.triples}"' in void or f"{result.triples}" in void


def test_dumps_are_the_same_graph(built: tuple[Path, object]) -> None:
    """N-Triples, Turtle and JSON-LD (expanded by pyld, offline: the context is embedded)."""
    from pyld import jsonld

    out, _ = built
    nt = set(parse(path=str(out / "dataset.nt"), format=RdfFormat.N_TRIPLES))
    ttl = set(parse(path=str(out / "dataset.ttl"), format=RdfFormat.TURTLE))
    assert nt == ttl
    document = json.loads((out / "dataset.jsonld").read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    from_jsonld = set(parse(nquads.encode("utf-8"), format=RdfFormat.N_QUADS))
    assert {(q.subject, q.predicate, q.object) for q in from_jsonld} == {
        (t.subject, t.predicate, t.object) for t in nt
    }


def test_reports_made_while_streaming_match_the_finished_dump(
    built: tuple[Path, object],
) -> None:
    """The extraction report and the linkset are made batch by batch, never by re-reading
    the dump: they must say what a reading of the finished dump says."""
    out, _ = built
    streamed = (out / "extraction-report.csv").read_text(encoding="utf-8")
    assert streamed.count("\n") > 20
    assert streamed == extraction_report(out / "dataset.nt")
    links = sorted(
        {
            f"{t} .\n"
            for t in parse(path=str(out / "dataset.nt"), format=RdfFormat.N_TRIPLES)
            if t.predicate.value in LINK_PREDICATE_IRIS
            and t.object.value.startswith("http://www.wikidata.org/entity/Q")
        }
    )
    assert links and (out / "linkset.nt").read_text(encoding="utf-8") == "".join(links)


def test_streamed_report_is_the_report_of_the_whole_dump(built: tuple[Path, object]) -> None:
    """Batches see a document with its entities' types only, and entities are checked once
    in the shared pass: together they must say what pySHACL says of the finished dump.
    (The Turtle report does not keep sh:value, so values are left out of the comparison.)"""
    out, _ = built
    report = Graph()
    report.parse(out / "validation-report.ttl", format="turtle")
    streamed = {replace(row, value="") for row in results_of(report)}
    dump = (out / "dataset.nt").read_text(encoding="utf-8")
    whole = {replace(row, value="") for row in validate_ntriples([dump])}
    assert len(streamed) > 20
    assert streamed == whole


def test_turbo_gives_pyshacl_report(
    built: tuple[Path, object], corpus: Path, tmp_path: Path
) -> None:
    """pyshacl-turbo stands in for pySHACL only because the reports are identical."""
    out, _ = built
    reference = build(BuildOptions(corpus, tmp_path, batch_size=7, shacl="pyshacl", progress=False))
    assert reference.published
    assert same_files(out, tmp_path) == []


def test_turbo_and_pyshacl_agree_on_violations() -> None:
    data = (ROOT / "graph" / "dataset.nt").read_text(encoding="utf-8")
    broken = (
        data.replace("<https://w3id.org/fond/ns#Aligned>", "<https://w3id.org/fond/ns#Broken>", 3)
        + f"<https://w3id.org/fond/id/doc/x> <{RDF_TYPE}> <https://w3id.org/fond/ns#Document> .\n"
    )
    turbo = validate_text(broken, "turbo")
    assert any(r.severity == "Violation" for r in turbo)
    assert turbo == validate_ntriples([broken])


def test_cross_document_checks(tmp_path: Path) -> None:
    """A work pinned onto another text's id, and a text id that extends another's."""
    corpus = tmp_path / "corpus"
    (corpus / "a" / "annex").mkdir(parents=True)
    seed = (ROOT / "corpus" / "000_0dc14e63435743eb.txt").read_text(encoding="utf-8")
    other = (ROOT / "corpus" / "004_b269804334c0b786.txt").read_text(encoding="utf-8")
    (corpus / "a.txt").write_text(seed, encoding="utf-8")
    (corpus / "a" / "annex" / "title.txt").write_text(other, encoding="utf-8")
    (corpus / "b.txt").write_text(other[:3000], encoding="utf-8")
    (corpus / "c.txt").write_text(seed[5000:], encoding="utf-8")
    (corpus / "c.toml").write_text('work = "b"\n', encoding="utf-8")
    result = build(BuildOptions(corpus, tmp_path / "out", batch_size=1, progress=False))
    assert not result.published
    report = (tmp_path / "out" / "validation-report.ttl").read_text(encoding="utf-8")
    assert "UniqueNodeConstraint" in report
    text = (tmp_path / "out" / "validation-report.txt").read_text(encoding="utf-8")
    assert "text/a/annex/title" in text


def test_corpus_order_is_sorted_paths(tmp_path: Path) -> None:
    for rel in ("a/b.txt", "a-c.txt", "a.txt", "b/.hidden.txt", ".git/x.txt", "z/y/x.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    expected = sorted(
        p.relative_to(tmp_path).as_posix()
        for p in tmp_path.rglob("*.txt")
        if not any(part.startswith(".") for part in p.relative_to(tmp_path).parts)
    )
    assert list(iter_corpus(tmp_path)) == expected
