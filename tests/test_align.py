"""Alignment: names resolve to the gazetteer entity that existed at the document's date; what
the data cannot support is never linked."""

from __future__ import annotations

import re

import pytest

from mappings.align import choose_state, find_mentions, resolve_name
from mappings.read.dates import parse_date
from mappings.records import Region


def _qid(gazetteer, entity_id: str) -> str:  # noqa: ANN001
    return gazetteer.entries[entity_id].qid if entity_id in gazetteer.entries else ""


@pytest.mark.parametrize(
    ("name", "date", "qid"),
    [
        ("Poland", "1986", "Q211274"),
        ("Poland", "1995", "Q36"),
        ("Poland", None, "Q36"),
        ("Hungary", "June 1986", "Q16410"),
        ("Czechoslovakia", "1988", "Q853348"),
        ("Czechoslovakia", "1947", "Q2454585"),
        ("Yugoslavia", "1986", "Q83286"),
        ("Mongolia", "1986", "Q212056"),
        ("Romania", "1988", "Q842794"),
        ("Vietnam", "1986", "Q881"),
        ("Germany", "1947", "Q2415901"),
        ("Germany", "1995", "Q183"),
        ("FRG", "1987", "Q713750"),
        ("Afghanistan", "early 1987", "Q476757"),
        ("GDR", "1988", "Q16957"),
        ("KPDR", "1988", "Q423"),
    ],
)
def test_states_as_of_the_date(gazetteer, name: str, date: str | None, qid: str) -> None:  # noqa: ANN001
    value = parse_date(date) if date else None
    found = resolve_name(name, "state", gazetteer, value)
    assert _qid(gazetteer, found.entity_id) == qid


def test_undated_state_falls_back_to_the_present_day_country_with_lower_confidence(
    gazetteer,
) -> None:  # noqa: ANN001
    entry, method = choose_state(gazetteer.find_by_name("Hungary"), None)
    assert entry is not None and entry.qid == "Q28" and method == "undated-generic"


def _mentions(text: str, gazetteer, date: str = "1986"):  # noqa: ANN001, ANN202
    found = find_mentions(text, (Region("body", 0, len(text)),), gazetteer, parse_date(date))
    return [
        (
            m.quote,
            _qid(gazetteer, m.resolution.entity_id) or m.resolution.entity_id,
            m.resolution.method,
        )
        for m in found
    ]


def test_demonyms_count_only_where_they_stand_for_the_state(gazetteer) -> None:  # noqa: ANN001
    got = _mentions(
        "The Polish leadership met Soviet-led units; Polish sausage is good.", gazetteer
    )
    assert ("Polish", "Q211274", "demonym-context") in got
    assert ("Soviet", "Q15180", "demonym-context") in got
    assert len([g for g in got if g[0] == "Polish"]) == 1


def test_names_that_only_look_like_names_are_not_linked(gazetteer) -> None:  # noqa: ANN001
    got = _mentions(
        "Workers of the Lenin Shipyard struck. Can the Union survive? The States agreed.", gazetteer
    )
    assert all(q != "Q1394" for _, q, _ in got), got
    assert not any(quote in ("Can", "Union", "States") for quote, _, _ in got), got


def test_editorial_brackets_that_complete_a_name(gazetteer) -> None:  # noqa: ANN001
    text = "talks with [East German leader] E[rich] Honecker and M.S. [Gorbachev]"
    regions = (
        Region("body", 0, 11),
        Region("editorial", 11, 31),
        Region("body", 31, 34),
        Region("editorial", 34, 40),
        Region("body", 40, 60),
        Region("editorial", 60, len(text)),
    )
    found = {
        (m.quote, m.region, m.resolution.entity_id)
        for m in find_mentions(text, regions, gazetteer, parse_date("1988"))
    }
    assert ("E[rich] Honecker", "body", "erich-honecker") in found
    assert ("M.S. [Gorbachev]", "body", "mikhail-gorbachev") in found
    assert ("East German", "editorial", "german-democratic-republic") in found


def test_unknown_names_get_a_local_entity_never_a_guessed_qid(gazetteer) -> None:  # noqa: ANN001
    found = resolve_name("Wojciech Jaruzelski", "person", gazetteer, None)
    assert found.status == "unaligned" and found.entity_id == "wojciech-jaruzelski"
    assert found.entity_id not in gazetteer.entries


def test_every_published_wikidata_link_comes_from_the_alignment_data(seed_out, gazetteer) -> None:  # noqa: ANN001
    import tomllib
    from pathlib import Path

    allowed = {e.qid for e in gazetteer.entries.values() if e.qid}
    allowed |= {q for e in gazetteer.entries.values() for q in e.successor_qids}
    types = tomllib.loads(
        (Path(__file__).parent.parent / "mappings/tables/document_types.toml").read_text()
    )
    allowed |= {spec["qid"] for spec in types.values() if spec.get("qid")}
    linked = set(
        re.findall(
            r"<http://www\.wikidata\.org/entity/(Q\d+)>", (seed_out / "dataset.nt").read_text()
        )
    )
    assert linked and linked <= allowed
