"""Hostile strings: quotes, angle brackets, backslashes, newlines, triple quotes, '#',
look-alikes and right-to-left marks in titles, names, catalogue fields and texts come out
as exactly the same values in every dump, and every minted IRI is a valid RFC 3987 IRI,
derived the same way each time.

Property tests (hypothesis) build tiny corpora and check each dump with a second, strict
parser (pyoxigraph) and the JSON-LD with pyld through Fond's offline loader.
"""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

import pytest
import rfc3987
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pyoxigraph import NamedNode
from rdflib import Graph, Literal, Namespace, URIRef

from fond.pipeline import BuildOptions, build
from fond.reliability.checks import check_dumps
from fond.reliability.corpus import FRAGMENTS, LETTER, catalogue_record, document, toml_string
from mappings.align import mint_local
from mappings.align.gazetteer import load_gazetteer, stable_slug
from mappings.errors import DocumentError, InputError
from mappings.read import text_id_for
from mappings.read.catalogue import URL
from mappings.read.text import check_id_segments, check_value, decode_text
from mappings.to_rdf.iris import Iris

BASE = "https://w3id.org/fond/id/"
DCT = Namespace("http://purl.org/dc/terms/")
SCHEMA = Namespace("https://schema.org/")
FOND = Namespace("https://w3id.org/fond/ns#")
SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

any_char = st.characters(codec="utf-8", exclude_categories=("Cs",))
hostile = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(any_char, max_size=6)), min_size=1, max_size=5
).map("".join)
# What a text file may hold (decode_text refuses other control characters).
text_char = st.characters(
    codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00\x0b\x7f\r\x0c"
).filter(lambda c: ord(c) >= 0x20 or c in "\n\t")
in_text = [f for f in FRAGMENTS if f != "\ufeff"]
hostile_line = st.lists(
    st.one_of(st.sampled_from(in_text), st.text(text_char, max_size=6)),
    min_size=1,
    max_size=6,
).map("".join)


def valid_iri(iri: str) -> bool:
    try:
        NamedNode(iri)
    except ValueError:
        return False
    return bool(rfc3987.match(iri, rule="IRI"))


def build_one(folder: Path, text: str, record: str | None) -> tuple[Path, list[str]]:
    corpus, out = folder / "corpus", folder / "out"
    corpus.mkdir(parents=True)
    (corpus / "doc.txt").write_text(text, encoding="utf-8")
    if record is not None:
        (corpus / "doc.toml").write_text(record, encoding="utf-8")
    (corpus / "other.txt").write_text(document(__import__("random").Random(3), 3), "utf-8")
    result = build(
        BuildOptions(corpus=corpus, out=out, workers=1, progress=False), log=lambda _: None
    )
    assert result.published, result.report_text
    return out, result.skipped


def accepted(value: str) -> str | None:
    """The value as the catalogue stores it, or None if a catalogue must refuse it."""
    if not value.strip():
        return None
    try:
        return check_value(value.strip(), "field")
    except ValueError:
        return None


@SETTINGS
@given(title=hostile, rights=hostile, name=hostile, source=hostile, series=hostile, fond=hostile)
def test_catalogue_strings_round_trip_through_every_dump(
    tmp_path_factory: pytest.TempPathFactory,
    title: str,
    rights: str,
    name: str,
    source: str,
    series: str,
    fond: str,
) -> None:
    record = catalogue_record(
        {
            "title": title,
            "rights": rights,
            "authors": [name],
            "sources": [{"title": source, "series": series, "publisher": name, "place": name}],
            "archives": [{"archive": name, "fond": fond}],
            "curator": {"name": name, "note": series},
        }
    )
    folder = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp()))
    out, skipped = build_one(folder, LETTER + "On Poland.\n", record)
    values = [title, rights, name, source, series, fond]
    stored = [accepted(v) for v in values]
    name_ok = stored[2] is not None and any(c.isalnum() or c == "_" for c in stored[2])
    if any(v is None for v in stored) or not name_ok:
        # Refused: one message naming the catalogue record, never a crash or a broken dump.
        assert len(skipped) == 1 and skipped[0].startswith("doc.toml: "), skipped
        assert "\n" not in skipped[0]
        assert check_dumps(out)[0] == []
        return
    assert skipped == []
    problems, _ = check_dumps(out)
    assert problems == []
    g = Graph().parse(out / "dataset.nt", format="nt")
    text, work = URIRef(BASE + "text/doc"), URIRef(BASE + "doc/doc")
    assert set(g.objects(text, DCT.title)) == {Literal(stored[0])}
    assert set(g.objects(work, DCT.title)) == {Literal(stored[0])}
    assert set(g.objects(text, DCT.rights)) == {Literal(stored[1])}
    (publication,) = g.objects(text, SCHEMA.isPartOf)
    assert set(g.objects(publication, DCT.title)) == {Literal(stored[3])}
    assert set(g.objects(publication, FOND.series)) == {Literal(stored[4])}
    (reference,) = g.objects(work, FOND.archivalReference)
    assert set(g.objects(reference, FOND.fond)) == {Literal(stored[5])}


@SETTINGS
@given(lines=st.lists(hostile_line, min_size=1, max_size=4), crlf=st.booleans())
def test_document_text_round_trips_through_every_dump(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str], crlf: bool
) -> None:
    body = LETTER + "\n".join(lines) + "\n"
    data = (body.replace("\n", "\r\n") if crlf else body).encode("utf-8")
    try:
        expected, _ = decode_text(data, "doc.txt")
    except DocumentError:
        assume(False)  # mojibake-like or over-long: covered by test_hostile_files
    folder = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp()))
    corpus = folder / "corpus"
    corpus.mkdir()
    (corpus / "doc.txt").write_bytes(data)
    out = folder / "out"
    result = build(
        BuildOptions(corpus=corpus, out=out, workers=1, progress=False), log=lambda _: None
    )
    assert result.published and result.skipped == []
    assert check_dumps(out)[0] == []
    g = Graph().parse(out / "dataset.nt", format="nt")
    assert set(g.objects(URIRef(BASE + "text/doc"), SCHEMA.text)) == {Literal(expected)}


@settings(max_examples=300, deadline=None)
@given(name=st.text(any_char, min_size=1, max_size=40), folder=st.text(any_char, max_size=12))
def test_text_ids_from_any_file_name_give_valid_stable_iris(name: str, folder: str) -> None:
    assume("/" not in name + folder and "\x00" not in name + folder)
    assume(name not in (".", "..") and folder not in (".", ".."))
    relative = Path(folder, name + ".txt") if folder else Path(name + ".txt")
    try:  # as read_text derives it
        text_id = check_id_segments(text_id_for(relative), str(relative))
    except DocumentError as error:
        assert "cannot make an identifier" in str(error) or "is reserved" in str(error)
        return
    iri = Iris().text(text_id)
    assert valid_iri(iri), iri
    assert text_id_for(relative) == text_id  # derived the same way each time


@settings(max_examples=300, deadline=None)
@given(title=hostile, year=st.one_of(st.none(), st.integers(1000, 2999).map(str)))
def test_publication_iris_are_valid_and_stable(title: str, year: str | None) -> None:
    iri = Iris().source(title, year)
    assert valid_iri(iri), iri
    assert Iris().source(title, year) == iri


@settings(max_examples=300, deadline=None)
@given(name=hostile, kind=st.sampled_from(["person", "organization", "place"]))
def test_local_entity_iris_are_valid_and_stable(name: str, kind: str) -> None:
    gazetteer = load_gazetteer()
    first = mint_local(name, kind, gazetteer).entity_id
    assert valid_iri(Iris().entity(first)), first
    assert mint_local(name, kind, gazetteer).entity_id == first


@settings(max_examples=200, deadline=None)
@given(
    a=st.text(st.characters(min_codepoint=0x400, max_codepoint=0x4FF), min_size=1, max_size=12),
    b=st.text(st.characters(min_codepoint=0x400, max_codepoint=0x4FF), min_size=1, max_size=12),
)
def test_names_in_another_script_never_share_an_id(a: str, b: str) -> None:
    """Cyrillic names used to slugify to 'x' all alike."""
    norm = lambda s: unicodedata.normalize("NFC", " ".join(s.split()))  # noqa: E731
    assume(norm(a) != norm(b) and any(c.isalnum() for c in a + b))
    assume(any(c.isalnum() for c in a) and any(c.isalnum() for c in b))
    assert stable_slug(a) != stable_slug(b)


@settings(max_examples=300, deadline=None)
@given(url=st.one_of(hostile, hostile.map(lambda s: "https://example.org/" + s)))
def test_catalogue_urls_are_accepted_only_when_they_are_iris(url: str) -> None:
    if URL.fullmatch(url):
        assert valid_iri(url), url


def test_toml_string_escapes_everything_tomllib_needs() -> None:
    import tomllib

    for value in FRAGMENTS + ['a"b\\c\n\t\x07\x7f\u2028', '"""', "'''"]:
        assert tomllib.loads(f"v = {toml_string(value)}")["v"] == value


def test_control_characters_in_catalogue_values_are_refused_with_the_line(
    tmp_path: Path,
) -> None:
    record = 'date = "1988"\n\ntitle = "Memo \\u001b[31m red"\n'
    out, skipped = build_one(tmp_path, LETTER, record)
    assert skipped == ["doc.toml: line 3: title contains the control character U+001B; remove it"]
    del out


def test_a_hostile_base_is_refused() -> None:
    for base in [
        'https://x.org/a"b/',
        "https://x.org/a b/",
        "file:///etc/",
        "https://x.org/a",
        "https://w3id.org/fond/id/\n",  # "$" matched before a final newline
    ]:
        with pytest.raises(InputError):
            Iris(base)
