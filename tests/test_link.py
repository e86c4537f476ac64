"""Versions of one document are found from their text and linked to one work."""

from __future__ import annotations

import random
from pathlib import Path

from mappings.link import link_works
from mappings.read import read_text
from tests.conftest import CORPUS, FIXTURES


def _records(folder: Path, names: list[str]):  # noqa: ANN202
    return [read_text(folder / f"{n}.txt", folder) for n in names]


def test_the_seed_letter_and_its_excerpt_are_one_work() -> None:
    records = _records(CORPUS, sorted(p.stem for p in CORPUS.glob("*.txt")))
    links = link_works(records)
    assert set(links) == {"001_2e3a8a1114611db8", "003_2d7284f948b3b7ed"}
    link = links["003_2d7284f948b3b7ed"]
    assert link.work_id == "001_2e3a8a1114611db8"
    ((shorter, longer, share),) = link.overlap
    assert (shorter, longer) == ("003_2d7284f948b3b7ed", "001_2e3a8a1114611db8") and share > 0.9


def test_links_do_not_depend_on_the_order_of_files() -> None:
    names = sorted(p.stem for p in CORPUS.glob("*.txt"))
    records = _records(CORPUS, names)
    expected = link_works(records)
    random.Random(7).shuffle(records)
    assert link_works(records) == expected


def test_two_translations_are_one_work() -> None:
    folder = FIXTURES / "documents"
    names = [
        "pair-b-zhivkov-message-translation-a",
        "pair-b-zhivkov-message-translation-b",
        "memo-medvedev-poland-1988",
    ]
    links = link_works(_records(folder, names))
    assert links[names[0]].work_id == links[names[1]].work_id
    assert names[2] not in links
