"""Extraction and alignment measured against what a historian would extract."""

from __future__ import annotations

from fond.evaluate import FIELDS, SETS, Tally, evaluate_set


def _totals(scores):  # noqa: ANN001, ANN202
    totals = {name: Tally() for name in FIELDS}
    for score in scores:
        for name, tally in score.fields.items():
            totals[name].add(tally)
    return totals


def test_the_seeds_are_read_exactly_as_their_golden_files_say(gazetteer) -> None:  # noqa: ANN001
    scores = evaluate_set(*SETS["seeds"], gazetteer)
    misses = [f"{s.name}: {m}" for s in scores for m in s.misses]
    assert not misses, "\n".join(misses)


def test_the_development_documents_stay_above_the_published_figures(gazetteer) -> None:  # noqa: ANN001
    scores = evaluate_set(*SETS["documents"], gazetteer)
    assert len(scores) >= 27
    for name, tally in _totals(scores).items():
        floor_p, floor_r = (0.85, 0.6) if name == "unlisted_people" else (0.9, 0.85)
        if tally.precision is not None:
            assert tally.precision >= floor_p, (name, tally)
        if tally.recall is not None:
            assert tally.recall >= floor_r, (name, tally)


def test_the_held_out_documents_stay_above_the_published_figures(gazetteer) -> None:  # noqa: ANN001
    scores = evaluate_set(*SETS["holdout"], gazetteer)
    assert len(scores) >= 15
    total = Tally()
    for name, tally in _totals(scores).items():
        if name != "unlisted_people":
            total.add(tally)
    assert total.precision is not None and total.precision >= 0.9, total
    assert total.recall is not None and total.recall >= 0.8, total
