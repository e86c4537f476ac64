"""Import the verified reference table into the project's gazetteer.

``publish.py import-reference DIR`` reads ``DIR/entities.csv`` (Wikidata ids
confirmed against public sources, see that folder's README) and merges it into
``mappings/tables/entities.csv``. Rows already in the gazetteer are kept as the
curator left them; only new rows are added. Aliases that would match ordinary
words ("Can", "by", "the Union") or that are disambiguation labels ("Republic of
China (1912-1949)") are not matched: they are kept in ``unmatched_aliases`` so
that a curator sees what was set aside.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

from mappings.align.gazetteer import ENTITY_COLUMNS, slugify

STATE_KINDS = {
    "country",
    "country_realm",
    "historical_state",
    "union_republic",
    "occupation_regime",
    "protectorate",
    "free_territory",
    "unrecognized_state",
    "confederation",
}
ENTITY_KINDS = {"person", "organization", "event", "place", "concept"}

# Short forms that are in common use in historical prose. Any other alias of three
# characters or fewer (ISO, IOC and licence-plate codes) matches too many words.
SHORT_ALIASES_KEPT = {
    "US", "USA", "UK", "UN", "U.N.", "GDR", "DDR", "FRG", "BRD", "PRC", "ROC", "ROK", "UAR",
    "DRV", "RVN", "SRV", "DRA", "MPR", "PRL", "NRB", "RSR", "YAR", "SEV", "MFA", "MID", "NYC",
    "WTO", "KGB", "CMEA", "CSSR", "ČSSR", "SFRY", "DPRK", "KPDR", "PDRY", "PRG",
}  # fmt: skip
# Nicknames and generic phrases that name a state only in a context the matcher cannot see.
GENERIC_ALIASES = {
    "the Union", "The Union", "Union", "Oz", "Down Under", "Straya", "'Straya", "Stralia",
    "Stria", "Aussieland", "the Party", "Central Committee", "New State", "Fourth Republic",
    "Communist", "Neocolonial Republic", "Green Libya", "Horthy era", "Horthy system",
    "the States", "States", "Murica", "Merica", "Liber", "Isl", "Ukr", "Silla", "Surya",
    "Maurice", "Salvador", "Dania", "Moris", "Viti", "restructuring", "Emirates",
}  # fmt: skip
SEED_SPELLING = re.compile(r"\s*\((seed [a-z ]+)\)$")
QUALIFIED = re.compile(r"\(.*\)")


def classify_alias(alias: str) -> str:
    """'match' if the alias may be matched in text, else the reason it is set aside."""
    if alias in GENERIC_ALIASES:
        return "generic"
    if QUALIFIED.search(alias):
        return "qualified"
    if len(alias) <= 3 and alias not in SHORT_ALIASES_KEPT:
        return "code"
    if alias == alias.lower() and not any(ch.isupper() for ch in alias) and len(alias) <= 4:
        return "code"
    if any(unicodedata.category(ch) == "Lo" for ch in alias) and not alias.isascii():
        # Scripts other than Latin cannot occur in the English translations we read, and
        # would only slow the matcher; keep them listed for reconciliation.
        return "script"
    return "match"


def _split_aliases(raw: str, label: str) -> tuple[list[str], list[str]]:
    matched: list[str] = []
    set_aside: list[str] = []
    for alias in (a.strip() for a in raw.split(";")):
        if not alias or alias == label:
            continue
        alias = SEED_SPELLING.sub("", alias)
        if alias.startswith("NSA") or alias == "the West (partly)":
            set_aside.append(alias)  # flagged as wrong readings in the reference itself
            continue
        target = matched if classify_alias(alias) == "match" else set_aside
        if alias not in target:
            target.append(alias)
    return matched, set_aside


def _entity_row(ref: dict[str, str], taken: set[str]) -> dict[str, str] | None:
    ref_kind = ref["kind"].strip()
    if ref_kind in STATE_KINDS:
        kind, subkind = "state", ref_kind
    elif ref_kind in ENTITY_KINDS:
        kind, subkind = ref_kind, ""
    else:
        return None  # classes and languages live in document_types.csv / languages.csv
    label = re.sub(r"\s*\(identification doubtful\)$", "", ref["label"].strip())
    matched, set_aside = _split_aliases(ref.get("aliases", ""), label)
    ident = slugify(label)
    if ident in taken:
        ident = f"{ident}-{ref['qid'].lower()}" if ref["qid"] else f"{ident}-{len(taken)}"
    note = ""
    if "(identification doubtful)" in ref["label"]:
        note = "identification doubtful: keep the name as written; do not link without review"
    return {
        "id": ident,
        "kind": kind,
        "subkind": subkind,
        "label": label,
        "qid": ref["qid"].strip(),
        "aliases": ";".join(matched),
        "unmatched_aliases": ";".join(set_aside),
        "valid_from": ref.get("valid_from", "").strip(),
        "valid_to": ref.get("valid_to", "").strip(),
        "successor_qids": ref.get("successor_qid", "").strip(),
        "confidence": ref.get("confidence", "").strip(),
        "sources": ref.get("sources", "").strip(),
        "note": note,
    }


def import_reference(reference_dir: Path, entities_csv: Path) -> tuple[int, int]:
    """Merge the reference entities into the gazetteer; returns (rows kept, rows added)."""
    with (reference_dir / "entities.csv").open(encoding="utf-8", newline="") as f:
        reference = list(csv.DictReader(f))
    existing: list[dict[str, str]] = []
    if entities_csv.exists():
        with entities_csv.open(encoding="utf-8", newline="") as f:
            existing = list(csv.DictReader(f))
    known = {(r["qid"] or r["label"]) for r in existing}
    taken = {r["id"] for r in existing}
    added = []
    for ref in reference:
        key = ref["qid"].strip() or re.sub(r"\s*\(identification doubtful\)$", "", ref["label"])
        if key in known:
            continue
        row = _entity_row(ref, taken)
        if row is None:
            continue
        taken.add(row["id"])
        known.add(key)
        added.append(row)
    rows = existing + added
    rows.sort(key=lambda r: (r["kind"], r["id"]))
    tmp = entities_csv.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=ENTITY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in ENTITY_COLUMNS} for r in rows)
    tmp.replace(entities_csv)
    return len(existing), len(added)
