"""Versions of one document are found from their text and linked to one work."""

from __future__ import annotations

import random
from collections import Counter
from itertools import combinations
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.link import (
    MAX_POSTINGS,
    MIN_CONTAINMENT,
    MIN_SHARED_SAMPLES,
    Fingerprint,
    WorkIndex,
    link_works,
)
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


def _pairs_by_counting_every_pair(fingerprints: list[Fingerprint]) -> list[tuple[str, str, float]]:
    """The definition: count the common samples every two texts share."""
    postings = Counter(h for fp in fingerprints for h in fp.samples)
    common = {
        fp.text_id: {h for h in fp.samples if postings[h] <= MAX_POSTINGS} for fp in fingerprints
    }
    sizes = {fp.text_id: len(fp.samples) for fp in fingerprints}
    pairs = []
    for a, b in combinations(sorted(sizes), 2):
        shorter, longer = (a, b) if (sizes[a], a) <= (sizes[b], b) else (b, a)
        shared = len(common[a] & common[b])
        containment = shared / max(1, sizes[shorter])
        if shared >= MIN_SHARED_SAMPLES and containment >= MIN_CONTAINMENT:
            pairs.append((shorter, longer, round(containment, 3)))
    return sorted(pairs)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sets(st.integers(0, 40), max_size=30),  # samples drawn from a small pool...
            st.integers(0, 3),  # ...plus this many from a pool every text shares
        ),
        min_size=2,
        max_size=60,
    )
)
def test_text_pairs_are_the_pairs_of_counting_every_pair(
    texts: list[tuple[set[int], int]],
) -> None:
    """Prefix filtering finds exactly the pairs that counting every pair finds."""
    fingerprints = [
        Fingerprint(
            f"t{i:02d}", tuple(sorted(own | set(range(1000, 1000 + shared)))), (), None, None
        )
        for i, (own, shared) in enumerate(texts)
    ]
    index = WorkIndex()
    index.add_all(fingerprints)
    assert sorted(index._text_pairs()) == _pairs_by_counting_every_pair(fingerprints)
