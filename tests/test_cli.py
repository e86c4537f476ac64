"""The command line, called in-process: exit codes as documented in --help and the README."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fond.cli import EXIT_CODES, main
from tests.conftest import FIXTURES, GRAPH


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes" in out and "SHACL violation" in out
    assert EXIT_CODES.strip().splitlines()[1].strip() in out


def test_build_any_folder(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["build", "--corpus", str(small_corpus), "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "documents: 4 (5 texts read, 0 skipped)" in printed
    assert "aligned with Wikidata" in printed and "warnings" in printed
    for name in (
        "dataset.ttl",
        "dataset.nt",
        "dataset.jsonld",
        "void.ttl",
        "validation-report.ttl",
    ):
        assert (out / name).stat().st_size > 0


def test_a_new_document_is_published_without_code_change(
    small_corpus: Path, tmp_path: Path
) -> None:
    new = FIXTURES / "documents" / "letter-gorbachev-honecker-1986.txt"
    shutil.copy(new, small_corpus / "letters-1986.txt")
    out = tmp_path / "out"
    assert main(["build", "--corpus", str(small_corpus), "--out", str(out), "--no-progress"]) == 0
    nt = (out / "dataset.nt").read_text()
    assert "<https://w3id.org/fond/id/doc/letters-1986>" in nt
    assert "<https://w3id.org/fond/id/entity/erich-honecker>" in nt


def test_base_iri_is_configurable(small_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    base = "https://archive.example.org/kg/"
    assert (
        main(
            [
                "build",
                "--corpus",
                str(small_corpus),
                "--out",
                str(out),
                "--base",
                base,
                "--no-progress",
            ]
        )
        == 0
    )
    nt = (out / "dataset.nt").read_text()
    assert f"<{base}doc/000_0dc14e63435743eb>" in nt and "w3id.org/fond/id/" not in nt
    assert (
        main(["build", "--corpus", str(small_corpus), "--out", str(out), "--base", "not an iri"])
        == 2
    )


@pytest.mark.parametrize("name", ["dataset.ttl", "dataset.nt", "dataset.jsonld"])
def test_validate_a_conforming_dump(name: str) -> None:
    assert main(["validate", str(GRAPH / name)]) == 0


def test_validate_a_violating_dump(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    lines = (GRAPH / "dataset.nt").read_text().splitlines(keepends=True)
    bad.write_text(
        "".join(line for line in lines if "<http://purl.org/dc/terms/title>" not in line)
    )
    assert main(["validate", str(bad), "--format", "nt"]) == 1


def test_validate_unreadable_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("<http://ex/a> <http://ex/b> ")
    assert main(["validate", str(broken)]) == 2
    assert "broken.ttl: not readable as turtle" in capsys.readouterr().err
    assert main(["validate", str(tmp_path / "missing.nt")]) == 2


def test_missing_corpus_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--corpus", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")]) == 2
    assert "corpus folder not found" in capsys.readouterr().err


def test_a_bad_file_is_skipped_and_reported(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (small_corpus / "broken.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    out = tmp_path / "out"
    assert main(["build", "--corpus", str(small_corpus), "--out", str(out), "--no-progress"]) == 4
    printed = capsys.readouterr().out
    assert "skipped:   broken.txt: line 1: byte 0xe9 is not UTF-8" in printed
    assert (out / "dataset.nt").exists()
    assert (
        main(["build", "--corpus", str(small_corpus), "--out", str(tmp_path / "o2"), "--strict"])
        == 2
    )


def test_a_violation_stops_the_publish_and_keeps_the_previous_dumps(
    small_corpus: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    assert main(["build", "--corpus", str(small_corpus), "--out", str(out), "--no-progress"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.name.startswith("dataset")}
    strict = tmp_path / "shapes"
    strict.mkdir()
    (strict / "abstract.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:x:AbstractShape> a sh:NodeShape ;\n"
        "  sh:targetClass <https://w3id.org/fond/ns#Document> ;\n"
        "  sh:property [ sh:path <http://purl.org/dc/terms/abstract> ; sh:minCount 1 ;\n"
        '    sh:message "Every document needs an abstract. Fix: write one." ] .\n'
    )
    monkeypatch.delenv("FOND_SHAPES", raising=False)
    code = main(
        [
            "build",
            "--corpus",
            str(small_corpus),
            "--out",
            str(out),
            "--no-progress",
            "--shapes",
            str(strict),
        ]
    )
    assert code == 1
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name.startswith("dataset")} == before
    report = (out / "validation-report.txt").read_text()
    assert "DOES NOT CONFORM" in report and "Every document needs an abstract" in report
    assert "document 000_0dc14e63435743eb, from 000_0dc14e63435743eb.txt" in report
    assert "NOT written (previous dumps kept)" in capsys.readouterr().out
    assert not list(out.glob(".fond-staging-*"))
