"""Catalogue records: a curator's word wins, is marked as such, and a typo is an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from mappings.errors import DocumentError
from mappings.read import read_text
from tests.conftest import CORPUS


def _copy(tmp_path: Path, name: str = "004_b269804334c0b786") -> Path:
    target = tmp_path / f"{name}.txt"
    target.write_bytes((CORPUS / f"{name}.txt").read_bytes())
    return target


def test_curated_fields_replace_extracted_ones(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    path.with_suffix(".toml").write_text(
        'type = "memorandum"\ndate = "late December 1988"\nauthors = ["Anatoly Chernyaev"]\n'
        '[curator]\nname = "A. Curator"\nnote = "test record"\n'
    )
    record = read_text(path, tmp_path)
    assert record.document_type.value == "memorandum"
    assert record.document_type.evidence.origin == "catalogue"
    assert record.date.value.earliest.isoformat() == "1988-12-21"
    (author,) = [a for a in record.agents if a.role == "author"]
    assert author.name == "Anatoly Chernyaev" and author.evidence.origin == "catalogue"
    # Extracted fields the record does not name are kept.
    assert [a.name for a in record.agents if a.role == "translator"] == ["Svetlana Savranskaya"]


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ('titel = "x"\n', "unknown field(s) titel"),
        ('date = "the thirty-second of Smarch"\n', "is not a date Fond can read"),
        ('type = "postcard"\n', "is not in document_types.toml"),
        ('authors = "one name"\n', "must be a list of names"),
        ("title = \n", "not valid TOML"),
        ('[[archives]]\nfond = "1"\n', "archive must be a non-empty string"),
    ],
)
def test_a_bad_record_names_the_file_and_the_problem(
    tmp_path: Path, record: str, problem: str
) -> None:
    path = _copy(tmp_path)
    path.with_suffix(".toml").write_text(record)
    with pytest.raises(DocumentError) as error:
        read_text(path, tmp_path)
    assert "004_b269804334c0b786.toml" in str(error.value) and problem in str(error.value)
