"""The curated tables are well-formed: ids unique, Wikidata ids well-typed and sourced."""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

from mappings.align.gazetteer import build_gazetteer, read_entities

TABLES = Path(__file__).resolve().parent.parent / "mappings" / "tables"


def test_entities_table_loads_and_every_qid_has_its_sources() -> None:
    entries = read_entities(TABLES / "entities.csv")
    with (TABLES / "entities.csv").open(encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    for entry in entries.values():
        if entry.qid:
            assert entry.confidence in ("verified", "single-source", "curator"), entry.id
            assert rows[entry.id]["sources"] or "curator" in rows[entry.id]["note"], entry.id


def test_every_sovereign_state_of_the_reference_period_is_in_the_gazetteer() -> None:
    entries = read_entities(TABLES / "entities.csv")
    states = [e for e in entries.values() if e.kind == "state"]
    assert len(states) >= 300
    assert {"Q15180", "Q16957", "Q211274", "Q853348", "Q83286", "Q212056"} <= {
        e.qid for e in states
    }


def test_alias_demonym_and_type_tables_refer_to_known_things() -> None:
    gazetteer = build_gazetteer(TABLES)  # raises, naming file and line, on a dangling reference
    assert gazetteer.demonyms and gazetteer.context_nouns
    types = tomllib.loads((TABLES / "document_types.toml").read_text())
    for key, spec in types.items():
        assert spec.get("label"), key
        if spec.get("qid"):
            assert re.fullmatch(r"Q[1-9]\d*", spec["qid"]) and spec.get("sources"), key
            assert spec.get("match") in ("exactMatch", "closeMatch")
        for pattern in spec.get("title_cues", []) + spec.get("text_cues", []):
            re.compile(pattern)
