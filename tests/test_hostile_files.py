"""Bad corpus files: each gets one clear message naming the file (and the line where it
helps, and what to do); the run skips it (exit 4) or stops (--strict, exit 2); the good
documents are always published, and nothing from outside the corpus is.

The cases themselves are defined once, in fond.reliability (BAD_FILES, ACCEPTED_FILES),
and also run by ``python publish.py reliability``.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from fond.pipeline import BuildOptions, BuildResult, build
from fond.reliability.checks import build_argv, check_dumps, leftovers, run_cli, snapshot
from fond.reliability.corpus import (
    ACCEPTED_FILES,
    BAD_FILES,
    LETTER,
    BadFile,
    catalogue_record,
    document,
    make_corpus,
)
from mappings.errors import DocumentError
from mappings.read import read_text
from mappings.read.text import read_corpus_bytes


def quiet_build(corpus: Path, out: Path, **kw: object) -> BuildResult:
    options = BuildOptions(corpus=corpus, out=out, workers=1, progress=False, **kw)  # type: ignore[arg-type]
    return build(options, log=lambda _: None)


def good_corpus(folder: Path, n: int = 2) -> list[str]:
    return make_corpus(folder, n, seed=21, extras=False)


@pytest.mark.parametrize("case", BAD_FILES, ids=lambda c: c.case)
def test_a_bad_file_is_skipped_with_one_message_naming_it(case: BadFile, tmp_path: Path) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    good = good_corpus(corpus)
    case.write(corpus)
    result = quiet_build(corpus, out)
    mine = [m for m in result.skipped if m.startswith(case.shown + ":")]
    assert len(mine) == 1 and len(result.skipped) == 1, result.skipped
    assert case.expect in mine[0]
    if case.line is not None:
        assert re.search(rf"\bline {case.line}\b", mine[0]), mine[0]
    assert "\n" not in mine[0]  # one line, whatever the file name holds
    assert result.published
    dump = (out / "dataset.nt").read_text(encoding="utf-8")
    for name in good:
        assert f'"{name}"' in dump  # fond:sourceFile of every good document
    assert "TOP-SECRET-CONTENT" not in dump


@pytest.mark.parametrize("case", ACCEPTED_FILES, ids=lambda c: c.case)
def test_repairable_input_is_published_with_a_warning(case, tmp_path: Path) -> None:  # noqa: ANN001
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    good_corpus(corpus)
    case.write(corpus)
    result = quiet_build(corpus, out)
    assert result.skipped == [] and result.published
    assert f'"{case.shown}"' in (out / "dataset.nt").read_text(encoding="utf-8")
    if case.warning:
        warnings = [w for w in result.read_warnings if w.startswith(case.shown + ":")]
        assert any(case.warning in w for w in warnings), result.read_warnings


def test_one_bad_file_among_many_publishes_all_the_good_ones(tmp_path: Path) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    good = make_corpus(corpus, 45, seed=8)
    (corpus / "letters" / "scanned-latin1.txt").write_bytes(
        (LETTER + "Caf\u00e9 on Unter den Linden\n").encode("latin-1")
    )
    code, stdout, _ = run_cli(build_argv(corpus, out, "--workers", "2"))
    assert code == 4
    assert "(45 texts read, 1 skipped)" in stdout
    message = "letters/scanned-latin1.txt: line 4: byte 0xe9 is not UTF-8"
    assert re.search(rf"skipped: +{message}", stdout)
    dump = (out / "dataset.nt").read_text(encoding="utf-8")
    assert all(f'"{name}"' in dump for name in good)
    assert check_dumps(out)[0] == []


def test_strict_stops_at_the_bad_file_and_keeps_the_previous_dumps(tmp_path: Path) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    good_corpus(corpus, 4)
    assert run_cli(build_argv(corpus, out, "--workers", "1"))[0] == 0
    before = snapshot(out)
    (corpus / "zz-mojibake.txt").write_text(LETTER + "the Congress\u00e2\u20ac\u2122 resolutions\n")
    code, _, stderr = run_cli(build_argv(corpus, out, "--workers", "1", "--strict"))
    assert code == 2
    assert "zz-mojibake.txt: line 4: 'â€™' looks like mojibake" in stderr
    assert "(stopped: --strict)" in stderr
    assert snapshot(out) == before and leftovers(out) == []


def test_a_200_mb_file_is_refused_from_its_size_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    huge = corpus / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(200_000_000)  # sparse: nothing is written to disk
    opened: list[Path] = []
    real_open, real_read_bytes = Path.open, Path.read_bytes

    def spy_open(self: Path, *args: object, **kwargs: object):  # noqa: ANN202
        opened.append(self)
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    def spy_read_bytes(self: Path) -> bytes:
        opened.append(self)
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "open", spy_open)
    monkeypatch.setattr(Path, "read_bytes", spy_read_bytes)
    with pytest.raises(DocumentError, match=r"huge.txt: the file is 200 MB, over the 50 MB limit"):
        read_text(huge, corpus)
    assert huge.resolve() not in [p.resolve() for p in opened]


def test_a_file_that_grows_after_stat_is_still_bounded(tmp_path: Path) -> None:
    path = tmp_path / "growing.txt"
    path.write_bytes(b"x" * 2000)
    with pytest.raises(DocumentError, match="over the"):
        read_corpus_bytes(path, tmp_path, "growing.txt", limit=1000)


def test_a_linked_catalogue_record_outside_the_corpus_is_refused(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    good_corpus(corpus)
    (corpus / "doc.txt").write_text(document(random.Random(1), 1), encoding="utf-8")
    outside = tmp_path / "elsewhere.toml"
    outside.write_text('title = "Not from this corpus"\n', encoding="utf-8")
    (corpus / "doc.toml").symlink_to(outside)
    result = quiet_build(corpus, tmp_path / "out")
    assert result.skipped == [
        "doc.toml: the catalogue record is a link to a file outside the corpus;"
        " copy the file into the corpus instead of linking to it"
    ]


def test_a_catalogue_id_rescues_a_file_name_without_latin_letters(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    good_corpus(corpus)
    (corpus / "Письмо Хонеккеру.txt").write_text(LETTER + "On Poland.\n", encoding="utf-8")
    (corpus / "Письмо Хонеккеру.toml").write_text('id = "letter-honecker"\n', encoding="utf-8")
    result = quiet_build(corpus, tmp_path / "out")
    assert result.skipped == []
    assert "<https://w3id.org/fond/id/text/letter-honecker>" in (
        tmp_path / "out" / "dataset.nt"
    ).read_text(encoding="utf-8")


def test_text_ids_never_collide_with_minted_sub_iris(tmp_path: Path) -> None:
    """'x/evidence/title.txt' would be the IRI of text x's title evidence."""
    corpus = tmp_path / "corpus"
    good_corpus(corpus)
    (corpus / "x.txt").write_text(LETTER + "On Poland.\n", encoding="utf-8")
    for sub in ("evidence/title", "mention/1-2-poland", "letters/evidence"):
        path = corpus / "x" / f"{sub}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(LETTER + "On Hungary.\n", encoding="utf-8")
    result = quiet_build(corpus, tmp_path / "out")
    assert sorted(m.split(":")[0] for m in result.skipped) == [
        "x/evidence/title.txt",
        "x/letters/evidence.txt",
        "x/mention/1-2-poland.txt",
    ]
    assert all("is reserved" in m for m in result.skipped)


def test_catalogue_values_that_would_break_the_map_stage_are_refused_at_read(
    tmp_path: Path,
) -> None:
    """Before: a bad url stopped the whole build with a traceback; year = "abc" was
    published as an ill-typed xsd:gYear; a dict where a name was expected was published
    as its Python repr."""
    corpus = tmp_path / "corpus"
    good_corpus(corpus)
    bad = {
        "url": {"sources": [{"title": "Site", "url": "https://example.org/a b"}]},
        "ipv6": {"sources": [{"title": "Site", "url": "http://[::1/x"}]},
        "year": {"sources": [{"title": "Book", "year": "abc"}]},
        "accessed": {"sources": [{"title": "Book", "accessed": "yesterday-ish"}]},
        "publisher": {"sources": [{"title": "Book", "publisher": ["a", "b"]}]},
        "fond": {"archives": [{"archive": "GARF", "fond": [1]}]},
        "name": {"authors": ["<>"]},
    }
    for name, record in bad.items():
        (corpus / f"{name}.txt").write_text(LETTER + "On Cuba.\n", encoding="utf-8")
        (corpus / f"{name}.toml").write_text(catalogue_record(record), encoding="utf-8")
    result = quiet_build(corpus, tmp_path / "out")
    assert sorted(m.split(":")[0] for m in result.skipped) == sorted(f"{n}.toml" for n in bad)
    assert result.published


def test_names_in_other_scripts_stay_different_entities(tmp_path: Path) -> None:
    """Before: every Cyrillic or Chinese name was entity/x, and all but one label were lost."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    names = ["Иван Петров", "Мария Иванова", "毛泽东", "Gоrbachev Mikhail", "Gorbachev Mikhail"]
    for i, name in enumerate(names):
        (corpus / f"n{i}.txt").write_text(document(random.Random(i), i), encoding="utf-8")
        (corpus / f"n{i}.toml").write_text(catalogue_record({"authors": [name]}), "utf-8")
    quiet_build(corpus, tmp_path / "out")
    dump = (tmp_path / "out" / "dataset.nt").read_text(encoding="utf-8")
    authors = {
        m.group(2)
        for m in re.finditer(r"<[^>]*/doc/(n\d)> <https://schema.org/author> <([^>]*)>", dump)
    }
    assert len(authors) == len(names)
    for name in names:
        assert f'<http://www.w3.org/2000/01/rdf-schema#label> "{name}" .' in dump


def test_one_name_written_many_ways_keeps_one_label_and_every_spelling(tmp_path: Path) -> None:
    """Before: 'Oleg Ivanov' and 'OLEG IVANOV,' gave entity/oleg-ivanov two rdfs:labels: a
    SHACL violation that stopped the whole corpus (exit 1, no dumps)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    spellings = ["Oleg Ivanov", "OLEG IVANOV", "Oleg  Ivanov.", "Oleg-Ivanov"]
    for i, name in enumerate(spellings * 6):  # spread over more than one batch
        (corpus / f"d{i:02d}.txt").write_text(document(random.Random(i), i), encoding="utf-8")
        (corpus / f"d{i:02d}.toml").write_text(
            catalogue_record({"authors": [name], "archives": [{"archive": name}]}), "utf-8"
        )
    result = quiet_build(corpus, tmp_path / "out")
    assert result.conforms and result.published and not result.skipped
    dump = (tmp_path / "out" / "dataset.nt").read_text(encoding="utf-8")
    labels = re.findall(r"entity/oleg-ivanov> <http://www.w3.org/2000/01/rdf-schema#label>", dump)
    assert len(labels) == 1
    alt = re.findall(r"entity/oleg-ivanov> <http://www.w3.org/2004/02/skos/core#altLabel>", dump)
    assert len(alt) == len(set(spellings)) - 1
    label = '<http://www.w3.org/2000/01/rdf-schema#label> "Oleg Ivanov" .'
    assert f"<https://w3id.org/fond/id/entity/oleg-ivanov> {label}" in dump  # the plainest
