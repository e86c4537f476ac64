"""Reconcile the gazetteer with Wikidata: propose links and refreshes, never decide.

Why: the build is offline and trusts ``mappings/tables/entities.csv``; Wikidata keeps
changing (labels, merges, deletions, dates) and many document names have no Wikidata id
yet. This module asks Wikidata, writes every finding as a *proposal* row for a curator
(``decision`` = accept / reject), and applies only the rows the curator accepted. Nothing is
linked automatically: ``match`` is an OpenRefine-style hint, true only for a single exact
label match whose description (and, for dated kinds, inception/dissolution years) fits.

Only ``reconcile()`` and the ``reconcile`` subcommand without ``--apply`` talk to Wikidata;
reading tables and ``apply_proposals()`` never construct a client.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fond.wikidata import (
    API_URL,
    DEFAULT_USER_AGENT,
    QID,
    WikidataClient,
    WikidataError,
    parse_time,
)
from mappings.align.gazetteer import KINDS, TABLES, Entry, name_key, read_entities, slugify
from mappings.errors import InputError

PROPOSAL_COLUMNS = [
    "entity_id",
    "name",
    "kind",
    "action",
    "current",
    "proposed",
    "qid",
    "label",
    "description",
    "score",
    "match",
    "retrieved",
    "decision",
    "note",
]
ACTIONS = ("link", "relabel", "redate", "redirect", "missing")
REPORT_STATUSES = {"unaligned", "ambiguous"}
DECISIONS = {"", "accept", "reject"}
SCORE_LABEL = 100  # candidate label == the name (case and punctuation aside)
SCORE_ALIAS = 80  # an alias on either side matches
SCORE_OTHER = 50  # Wikidata found it, nothing else agrees
DATED_KINDS = {"state", "organization"}  # kinds whose valid_from/valid_to mirror P571/P576
INCEPTION, DISSOLVED = "P571", "P576"
YEAR_TOLERANCE = 1  # founding dates differ by a year between sources; still the same polity
DATE_FIELDS = {"valid_from": INCEPTION, "valid_to": DISSOLVED}

# Words a Wikidata description of each kind usually contains. A heuristic for the `match`
# hint only; a curator still decides every row.
_NEVER = re.compile(
    r"\b(disambiguation|family name|surname|given name|Wikimedia|scientific article|album|"
    r"song|single|film|television series|video game|asteroid|genus|species)\b",
    re.IGNORECASE,
)
KIND_HINTS: dict[str, re.Pattern[str]] = {
    kind: re.compile(r"\b(" + words + r")\b", re.IGNORECASE)
    for kind, words in {
        "person": r"politician|statesman|stateswoman|diplomat|historian|journalist|writer|poet|"
        r"author|translator|editor|economist|scientist|philosopher|lawyer|jurist|officer|"
        r"general|marshal|admiral|soldier|military|leader|activist|dissident|revolutionary|"
        r"secretary|minister|president|premier|chairman|ambassador|professor|scholar|"
        r"researcher|academic|actor|actress|singer|musician|artist|engineer|physicist|"
        r"cosmonaut|businessman|businesswoman|official|functionary|person|born",
        "state": r"state|country|republic|kingdom|empire|federation|confederation|principality|"
        r"duchy|sultanate|emirate|monarchy|union|colony|protectorate|territory|dominion|"
        r"nation|sovereign|socialist|polity|regime|occupation|zone",
        "organization": r"organi[sz]ation|party|committee|council|ministry|department|agency|"
        r"service|bureau|commission|publisher|publishing|press|company|corporation|"
        r"institution|institute|center|centre|archives?|library|university|academy|alliance|"
        r"pact|union|association|society|foundation|body|assembly|parliament|government|"
        r"newspaper|journal|magazine|international|intergovernmental|security",
        "event": r"event|war|revolution|uprising|revolt|rebellion|coup|invasion|occupation|"
        r"intervention|crisis|disaster|accident|catastrophe|congress|conference|summit|"
        r"meeting|session|speech|address|treaty|agreement|accords?|battle|protest|"
        r"demonstration|strike|election|referendum|period|era|movement|reforms?|campaign|"
        r"operation|trial|massacre|blockade|airlift|visit",
        "place": r"city|town|village|capital|settlement|municipality|commune|region|province|"
        r"oblast|krai|district|county|state|territory|island|peninsula|river|lake|sea|ocean|"
        r"mountains?|valley|border|area|continent|neighbou?rhood|street|square|building|"
        r"palace|castle|location|place|geographic(al)?",
        "concept": r"concept|ideology|doctrine|theory|polic(y|ies)|movement|term|idea|"
        r"political|philosophy|principle|system|reforms?|metaphor|notion|programm?e|"
        r"school of thought|worldview|phrase",
    }.items()
}
_LIFESPAN = re.compile(r"\(\s*(c\.\s*)?\d{3,4}\s*[–-]\s*(\d{3,4})?\s*\)")

Progress = Callable[[str], Any]


@dataclass(frozen=True)
class ReconcileSummary:
    """What a reconcile run did, for the progress line and for tests."""

    names_searched: int
    entities_fetched: int
    proposals: int
    by_action: dict[str, int]
    matches: int
    without_candidates: tuple[str, ...]
    requests_sent: int


@dataclass
class _Target:
    """A thing to find on Wikidata: a gazetteer row without qid, or a report name."""

    entity_id: str
    name: str
    kind: str
    aliases: list[str]
    searches: list[str]
    current_qid: str = ""
    valid_from: int | None = None
    valid_to: int | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class _Candidate:
    qid: str
    label: str
    description: str
    rank: int
    score: int = SCORE_OTHER
    why: str = ""
    match: bool = False
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- reading tables


def read_report(path: Path) -> list[dict[str, str]]:
    """Rows of an alignment report whose status is ``unaligned`` or ``ambiguous``.

    Other statuses (a report may list aligned names too) are skipped: there is nothing to
    reconcile for them.
    """
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("name", "kind", "status") if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
        rows = []
        for row in reader:
            clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
            if clean["status"] in REPORT_STATUSES and clean["name"]:
                rows.append(clean)
        return rows


def _norm(name: str) -> str:
    """The form two names are compared in: word tokens, casefolded, leading 'the' dropped."""
    return " ".join(name_key(name)).casefold()


def _targets(entries: Mapping[str, Entry], report: Iterable[Mapping[str, str]]) -> list[_Target]:
    targets: dict[str, _Target] = {}
    for e in entries.values():
        if not e.qid:
            targets[e.id] = _Target(
                entity_id=e.id,
                name=e.label,
                kind=e.kind,
                aliases=list(e.aliases),
                searches=[e.label, *e.aliases],
                valid_from=e.valid_from,
                valid_to=e.valid_to,
            )
    for row in report:
        name, status = row["name"], row["status"]
        ids = [i for i in re.split(r"[;|,\s]+", row.get("entity_id", "")) if i]
        entry = entries.get(ids[0]) if len(ids) == 1 else None
        if entry is not None and entry.id in targets:
            t = targets[entry.id]
            if name not in t.searches:
                t.searches.append(name)
                t.notes.append(f"report: {status} as {name!r}")
            continue
        key = entry.id if entry is not None else f"~{name}"
        if key in targets:
            continue
        t = _Target(
            entity_id=entry.id if entry else "",
            name=entry.label if entry else name,
            kind=entry.kind if entry else row.get("kind", ""),
            aliases=list(entry.aliases) if entry else [],
            searches=[name] if not entry or name == entry.label else [entry.label, name],
            current_qid=entry.qid if entry else "",
            valid_from=entry.valid_from if entry else None,
            valid_to=entry.valid_to if entry else None,
            notes=[f"report: {status}" + (f" as {name!r}" if entry else "")],
        )
        if len(ids) > 1:
            t.notes.append("gazetteer candidates: " + ", ".join(ids))
        targets[key] = t
    return list(targets.values())


# ---------------------------------------------------------------------- Wikidata helpers


def _text(value: Any, *path: str) -> str:
    for key in path:
        if not isinstance(value, dict):
            return ""
        value = value.get(key)
    return value if isinstance(value, str) else ""


def claim_years(entity: Mapping[str, Any], pid: str) -> list[int]:
    """Years of the best-ranked time statements for ``pid`` (preferred, else normal).

    Deprecated statements, unknown/no values and values too coarse or too old for
    ``parse_time`` are left out: they cannot confirm or correct a year.
    """
    statements = [
        s
        for s in (entity.get("claims") or {}).get(pid, [])
        if isinstance(s, dict) and s.get("rank") != "deprecated"
    ]
    preferred = [s for s in statements if s.get("rank") == "preferred"]
    years = []
    for s in preferred or statements:
        snak = s.get("mainsnak") or {}
        datavalue = snak.get("datavalue") or {}
        if snak.get("snaktype") != "value" or datavalue.get("type") != "time":
            continue
        try:
            years.append(parse_time(datavalue["value"]).year)
        except (KeyError, TypeError, ValueError):
            continue
    return sorted(set(years))


def _description_fits(kind: str, description: str) -> bool:
    if not description or _NEVER.search(description):
        return False
    if kind == "person" and _LIFESPAN.search(description):
        return True
    hint = KIND_HINTS.get(kind)
    return bool(hint and hint.search(description))


def _years_fit(t: _Target, entity: Mapping[str, Any] | None) -> tuple[bool, list[str]]:
    """Whether Wikidata's P571/P576 agree with the gazetteer years that are known."""
    wanted = [(INCEPTION, t.valid_from, "valid_from"), (DISSOLVED, t.valid_to, "valid_to")]
    wanted = [w for w in wanted if w[1] is not None]
    if t.kind not in DATED_KINDS or not wanted:
        return True, []
    if entity is None or "missing" in entity:
        return False, ["claims not fetched"]
    ok, notes = True, []
    for pid, year, column in wanted:
        years = claim_years(entity, pid)
        assert year is not None
        if not any(abs(y - year) <= YEAR_TOLERANCE for y in years):
            ok = False
            found = ", ".join(map(str, years)) or "none"
            notes.append(f"{pid} {found} vs {column} {year}")
    return ok, notes


def _candidates(t: _Target, hits: list[dict[str, Any]]) -> list[_Candidate]:
    label = _norm(t.name)
    aliases = {_norm(a) for a in t.aliases} - {""}
    names = {label} | aliases | {_norm(s) for s in t.searches}
    out: list[_Candidate] = []
    for rank, hit in enumerate(hits):
        qid = hit.get("id", "")
        if not isinstance(qid, str) or not QID.match(qid) or qid == t.current_qid:
            continue
        c = _Candidate(
            qid=qid,
            label=_text(hit, "label") or _text(hit, "display", "label", "value"),
            description=_text(hit, "description") or _text(hit, "display", "description", "value"),
            rank=rank,
        )
        hit_aliases = [a for a in hit.get("aliases") or [] if isinstance(a, str)]
        matched = _text(hit, "match", "text")
        if _norm(c.label) == label:
            c.score, c.why = SCORE_LABEL, "exact label"
        elif _norm(c.label) in aliases:
            c.score, c.why = SCORE_ALIAS, f"label matches alias {c.label!r}"
        elif any(_norm(a) in names for a in hit_aliases) or (
            _text(hit, "match", "type") == "alias" and _norm(matched) in names
        ):
            c.score, c.why = SCORE_ALIAS, f"Wikidata alias {(hit_aliases or [matched])[0]!r}"
        out.append(c)
    return out


# ---------------------------------------------------------------------- reconcile


def reconcile(
    entities_csv: Path,
    report_csv: Path | None,
    proposals_csv: Path,
    client: WikidataClient,
    retrieved: str,
    *,
    max_candidates: int = 10,
    search_pages: int = 1,
    progress: Progress | None = None,
) -> ReconcileSummary:
    """Search, fetch and compare, then write sorted proposal rows for a curator.

    ``retrieved`` (YYYY-MM-DD) is written on every row so an accepted proposal records when
    Wikidata said so; answers reused from the client's cache may be older, which is
    reported. One search page (7 hits) per name is the default: a curator reads the top
    candidates, and every extra page is another request to a shared service. The proposals
    file is replaced atomically.
    """
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", retrieved):
        raise InputError(f"retrieved {retrieved!r} is not a date (expected YYYY-MM-DD)")
    say = progress or (lambda _line: None)
    entries = read_entities(entities_csv)
    report = read_report(report_csv) if report_csv is not None else []
    targets = _targets(entries, report)
    by_qid = {e.qid: e.id for e in entries.values() if e.qid}

    # 1. Search every distinct name once.
    found: dict[str, list[dict[str, Any]]] = {}
    names = sorted({s for t in targets for s in t.searches})
    say(f"reconcile: searching {len(names)} names for {len(targets)} entities")
    for i, name in enumerate(names, start=1):
        found[name] = client.search(name, max_pages=search_pages)
        say(f"search {i}/{len(names)}: {name!r}: {len(found[name])} hits")

    per_target: list[tuple[_Target, list[_Candidate]]] = []
    for t in targets:
        merged: dict[str, dict[str, Any]] = {}
        for s in t.searches:
            for hit in found[s]:
                merged.setdefault(hit.get("id", ""), hit)
        cands = sorted(_candidates(t, list(merged.values())), key=lambda c: (-c.score, c.rank))
        per_target.append((t, cands[:max_candidates]))

    # 2. One batched fetch: gazetteer ids to refresh, plus the claims of dated candidates.
    wanted = {e.qid for e in entries.values() if e.qid}
    for t, cands in per_target:
        if t.kind in DATED_KINDS and (t.valid_from is not None or t.valid_to is not None):
            wanted |= {c.qid for c in cands if c.score == SCORE_LABEL}
    say(f"reconcile: fetching {len(wanted)} entities")
    fetched = client.get_entities(sorted(wanted)) if wanted else {}

    rows: list[dict[str, str]] = []
    without: list[str] = []
    for t, cands in per_target:
        if not cands:
            without.append(t.entity_id or t.name)
            continue
        exact = [c for c in cands if c.score == SCORE_LABEL]
        for c in cands:
            c.notes.append(c.why or "search hit")
            owner = by_qid.get(c.qid)
            if owner:
                c.notes.append(f"already the qid of {owner}")
        if len(exact) > 1:
            for c in exact:
                c.notes.append(f"{len(exact)} candidates share this label")
        elif len(exact) == 1:
            c = exact[0]
            fits = _description_fits(t.kind, c.description)
            years_ok, year_notes = _years_fit(t, fetched.get(c.qid))
            c.notes.extend(year_notes)
            if not fits:
                c.notes.append(f"description does not look like a {t.kind or 'known kind'}")
            c.match = fits and years_ok and c.qid not in by_qid
        rows.extend(
            _row(
                t.entity_id,
                t.name,
                t.kind,
                "link",
                current=t.current_qid,
                proposed=c.qid,
                qid=c.qid,
                label=c.label,
                description=c.description,
                score=str(c.score),
                match="true" if c.match else "false",
                retrieved=retrieved,
                note="; ".join([*c.notes, *t.notes]),
            )
            for c in cands
        )

    for e in entries.values():
        if e.qid:
            rows.extend(_refresh(e, fetched.get(e.qid), retrieved))

    rows = _sorted_unique(rows)
    _write_csv(proposals_csv, PROPOSAL_COLUMNS, rows)
    by_action = Counter(r["action"] for r in rows)
    summary = ReconcileSummary(
        names_searched=len(names),
        entities_fetched=len(fetched),
        proposals=len(rows),
        by_action={a: by_action[a] for a in ACTIONS if by_action[a]},
        matches=sum(r["match"] == "true" for r in rows),
        without_candidates=tuple(sorted(without)),
        requests_sent=client.requests_sent,
    )
    if client.oldest_cached and client.oldest_cached[:10] < retrieved:
        say(
            f"reconcile: {client.cache_hits} answers came from the cache, the oldest fetched "
            f"{client.oldest_cached}; rows say retrieved {retrieved} (use a fresh cache to refetch)"
        )
    say(
        f"reconcile: {summary.proposals} proposals "
        f"({', '.join(f'{a} {n}' for a, n in summary.by_action.items()) or 'none'}) "
        f"-> {proposals_csv}"
    )
    return summary


def _row(entity_id: str, name: str, kind: str, action: str, **values: str) -> dict[str, str]:
    row = dict.fromkeys(PROPOSAL_COLUMNS, "")
    row.update(entity_id=entity_id, name=name, kind=kind, action=action)
    for key, value in values.items():
        if key not in row:
            raise KeyError(key)
        row[key] = value
    return row


def _refresh(e: Entry, entity: Mapping[str, Any] | None, retrieved: str) -> list[dict[str, str]]:
    """Proposals that keep a linked gazetteer row in step with its Wikidata item."""
    if entity is None or "missing" in entity:
        note = f"Wikidata has no item {e.qid} (deleted?); accepting clears the qid"
        return [
            _row(
                e.id,
                e.label,
                e.kind,
                "missing",
                current=e.qid,
                qid=e.qid,
                retrieved=retrieved,
                note=note,
            )
        ]
    label = _text(entity, "labels", "en", "value")
    about = {
        "label": label,
        "description": _text(entity, "descriptions", "en", "value"),
        "retrieved": retrieved,
    }
    target = entity.get("id", e.qid)
    if target != e.qid:
        note = f"{e.qid} redirects to {target} (items merged)"
        return [
            _row(
                e.id,
                e.label,
                e.kind,
                "redirect",
                current=e.qid,
                proposed=target,
                qid=target,
                note=note,
                **about,
            )
        ]
    rows = []
    if label and label != e.label:
        note = "English label on Wikidata differs; accepting keeps the old label as an alias"
        rows.append(
            _row(
                e.id,
                e.label,
                e.kind,
                "relabel",
                current=e.label,
                proposed=label,
                qid=e.qid,
                note=note,
                **about,
            )
        )
    if e.kind in DATED_KINDS:
        for column, pid in DATE_FIELDS.items():
            years = claim_years(entity, pid)
            have = e.valid_from if column == "valid_from" else e.valid_to
            if years and have not in years:
                new = min(years) if pid == INCEPTION else max(years)
                rows.append(
                    _row(
                        e.id,
                        e.label,
                        e.kind,
                        "redate",
                        current=f"{column}={'' if have is None else have}",
                        proposed=f"{column}={new}",
                        qid=e.qid,
                        note=f"{pid} on Wikidata: {', '.join(map(str, years))}",
                        **about,
                    )
                )
    return rows


def _sorted_unique(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    def key(r: dict[str, str]) -> tuple[Any, ...]:
        qid = r["qid"]
        return (
            r["entity_id"] == "",
            r["entity_id"],
            r["name"].casefold(),
            r["name"],
            ACTIONS.index(r["action"]),
            -int(r["score"] or 0),
            int(qid[1:]) if QID.match(qid) else 0,
            r["proposed"],
        )

    unique: dict[tuple[str, str, str, str], dict[str, str]] = {}
    for r in rows:
        unique.setdefault((r["entity_id"], r["name"], r["action"], r["proposed"]), r)
    return sorted(unique.values(), key=key)


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    _atomic_write_text(path, buf.getvalue())


def _atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so a killed run leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------------- applying


def _raw_records(text: str) -> list[tuple[list[str], str]]:
    """CSV records with the exact text each came from, so untouched rows stay byte-identical."""
    consumed: list[str] = []

    def lines() -> Iterable[str]:
        for line in io.StringIO(text, newline=""):
            consumed.append(line)
            yield line

    records = []
    for fields in csv.reader(lines()):
        records.append((fields, "".join(consumed)))
        consumed.clear()
    return records


def _serialize(fields: list[str], ending: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=ending).writerow(fields)
    return buf.getvalue()


def apply_proposals(proposals_csv: Path, entities_csv: Path) -> int:
    """Apply the proposals a curator marked ``accept``; return how many were applied.

    All or nothing: every accepted row is checked first (its ``current`` must still be what
    the table holds, so a stale or conflicting proposal is refused), and the table is
    rewritten atomically only if all apply and the result still loads. Rows not touched
    keep their exact bytes; column order is kept. A qid set this way gets confidence
    ``curator`` and a note naming the proposal and the retrieval date.
    """
    accepted: list[tuple[int, dict[str, str]]] = []
    with proposals_csv.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in PROPOSAL_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{proposals_csv}: missing column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            row = {k: (v or "").strip() for k, v in row.items() if k is not None}
            decision = row["decision"].lower()
            if decision not in DECISIONS:
                raise InputError(
                    f"{proposals_csv}:{line}: decision {row['decision']!r} "
                    "(expected accept, reject or empty)"
                )
            if decision == "accept":
                accepted.append((line, row))
    if not accepted:
        return 0

    raw = entities_csv.read_bytes().decode("utf-8")
    bom = "\ufeff" if raw.startswith("\ufeff") else ""
    records = _raw_records(raw[len(bom) :])
    if not records:
        raise InputError(f"{entities_csv}: empty table")
    header = records[0][0]
    for column in ("id", "kind", "label", "qid", "aliases", "confidence", "note"):
        if column not in header:
            raise InputError(f"{entities_csv}: missing column {column!r}")
    col = {c: i for i, c in enumerate(header)}
    rows: dict[str, list[str]] = {}
    for fields, _raw in records[1:]:
        if fields:
            fields += [""] * (len(header) - len(fields))
            rows[fields[col["id"]]] = fields
    originals = {k: list(v) for k, v in rows.items()}
    new_rows: list[list[str]] = []
    errors: list[str] = []

    def get(r: list[str], c: str) -> str:
        return r[col[c]] if c in col else ""

    def put(r: list[str], c: str, value: str) -> None:
        if c not in col:
            raise KeyError(c)
        r[col[c]] = value

    def holder(qid: str) -> str | None:
        return next((i for i, r in [*rows.items()] if get(r, "qid") == qid), None)

    for line, p in accepted:
        where = f"{proposals_csv}:{line}"
        action, current, proposed = p["action"], p["current"], p["proposed"]
        note = (
            f"reconcile {action} accepted: {current or '(none)'} -> {proposed or '(none)'} "
            f"({proposals_csv.name}:{line}, Wikidata retrieved {p['retrieved'] or '?'})"
        )
        if action not in ACTIONS:
            errors.append(f"{where}: action {action!r} is not one of {', '.join(ACTIONS)}")
            continue
        if action in ("link", "redirect") and not QID.match(proposed):
            errors.append(f"{where}: proposed {proposed!r} is not a Wikidata item id")
            continue
        if action == "link" and not p["entity_id"]:
            ident = slugify(p["name"])
            if ident in rows:
                errors.append(
                    f"{where}: a new entity would get id {ident!r}, which exists; "
                    "put the intended entity_id in the proposal"
                )
                continue
            if p["kind"] not in KINDS:
                errors.append(f"{where}: kind {p['kind']!r} is not one of {sorted(KINDS)}")
                continue
            if (other := holder(proposed)) is not None:
                errors.append(f"{where}: {proposed} is already the qid of {other}")
                continue
            r = [""] * len(header)
            for c, v in (
                ("id", ident),
                ("kind", p["kind"]),
                ("label", p["name"]),
                ("qid", proposed),
                ("confidence", "curator"),
                ("note", note),
            ):
                put(r, c, v)
            rows[ident] = r
            new_rows.append(r)
            continue
        r = rows.get(p["entity_id"])
        if r is None:
            errors.append(f"{where}: entity {p['entity_id']!r} is not in {entities_csv}")
            continue
        if action == "redate":
            fld, _, old = current.partition("=")
            new_fld, _, new = proposed.partition("=")
            if fld not in DATE_FIELDS or new_fld != fld or not re.fullmatch(r"-?\d{1,4}", new):
                errors.append(f"{where}: redate expects valid_from=YYYY or valid_to=YYYY")
                continue
            if fld not in col:
                errors.append(f"{where}: {entities_csv} has no column {fld!r}")
                continue
            check_col, check_old, updates = fld, old, [(fld, new)]
        elif action == "relabel":
            # The old label stays matchable as an alias; the new one need not be an alias too.
            aliases = [a for a in get(r, "aliases").split(";") if a.strip() and a != proposed]
            if _norm(current) != _norm(proposed) and current not in aliases:
                aliases.append(current)
            check_col, check_old = "label", current
            updates = [("label", proposed), ("aliases", ";".join(aliases))]
        elif action == "missing":
            check_col, check_old = "qid", current
            updates = [("qid", ""), ("confidence", "unverified")]
        else:  # link to an existing entity, or redirect
            other = holder(proposed)
            if other is not None and other != p["entity_id"]:
                errors.append(f"{where}: {proposed} is already the qid of {other}")
                continue
            check_col, check_old = "qid", current
            updates = [("qid", proposed), ("confidence", "curator")]
        if get(r, check_col) != check_old:
            errors.append(
                f"{where}: {p['entity_id']} {check_col} is {get(r, check_col)!r} but the "
                f"proposal expected {check_old!r} (stale, or two accepted rows for one field)"
            )
            continue
        for c, v in updates:
            put(r, c, v)
        put(r, "note", "; ".join(x for x in (get(r, "note"), note) if x))

    if errors:
        raise InputError(
            f"{proposals_csv}: nothing applied; fix these rows first:\n  " + "\n  ".join(errors)
        )

    ending = "\r\n" if records[0][1].endswith("\r\n") else "\n"
    out = [bom + records[0][1]]
    for fields, text in records[1:]:
        ident = fields[col["id"]] if fields else None
        if ident is not None and rows.get(ident) != originals.get(ident):
            text = _serialize(rows[ident], "\r\n" if text.endswith("\r\n") else ending)
        out.append(text)
    if out and not out[-1].endswith(("\n", "\r")):
        out[-1] += ending
    out.extend(_serialize(r, ending) for r in new_rows)
    _checked_replace(entities_csv, "".join(out))
    return len(accepted)


def _checked_replace(path: Path, text: str) -> None:
    """Write ``text`` next to ``path``, make sure the gazetteer loader accepts it, then swap."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".csv")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        try:
            read_entities(Path(tmp))
        except InputError as e:
            raise InputError(f"{path}: applying the proposals would break the table: {e}") from e
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the ``reconcile`` subcommand (the CLI module owns the parser)."""
    parser.add_argument(
        "--entities",
        type=Path,
        default=TABLES / "entities.csv",
        help="gazetteer table to reconcile or update (default: %(default)s)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        help="alignment report CSV with unaligned/ambiguous names",
    )
    parser.add_argument(
        "--proposals",
        type=Path,
        default=Path("build/reconcile/proposals.csv"),
        help="where to write proposals for the curator (default: %(default)s)",
    )
    parser.add_argument("--api-url", default=API_URL, help="Action API endpoint")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(".cache/wikidata"),
        help="one JSON file per API request (default: %(default)s)",
    )
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    parser.add_argument(
        "--user-agent",
        default=DEFAULT_USER_AGENT,
        help="identifies the tool and a contact, as Wikimedia requires",
    )
    parser.add_argument(
        "--retrieved", default=None, help="date recorded on proposals (default: today, UTC)"
    )
    parser.add_argument(
        "--apply",
        type=Path,
        metavar="FILE",
        default=None,
        help="apply the accepted rows of FILE to --entities (offline)",
    )
    parser.set_defaults(run=run)


def _as_proposals(path: Path, entities_csv: Path) -> Path:
    """An alignment report a curator filled in (qid + decision) -> proposals to apply.

    The build's alignment-report.csv has `qid` and `decision` columns for exactly this: a
    curator who knows an item writes its id and `accept`, and Fond links the name.
    """
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if "status" not in (reader.fieldnames or []) or "count" not in (reader.fieldnames or []):
            return path  # already a proposals file
        rows = list(reader)
    known = set(read_entities(entities_csv))
    proposals = []
    for line, row in enumerate(rows, start=2):
        decision = (row.get("decision") or "").strip().lower()
        if decision != "accept":
            continue
        qid = (row.get("qid") or "").strip()
        if not QID.match(qid):
            raise InputError(f"{path}:{line}: qid {qid!r} is not a Wikidata item id (Q123)")
        entity = row.get("entity_id", "") if row.get("entity_id", "") in known else ""
        proposals.append(
            _row(
                entity,
                row.get("name", ""),
                row.get("kind", ""),
                "link",
                proposed=qid,
                decision="accept",
                note=f"alignment report {path.name}:{line}",
            )
        )
    target = path.with_name(path.stem + ".proposals.csv")
    _write_csv(target, PROPOSAL_COLUMNS, proposals)
    return target


def run(args: argparse.Namespace) -> int:
    """Run the subcommand: 0 done, 2 bad input, 3 Wikidata unavailable or refusing.

    With ``--apply`` nothing is fetched and no client is built.
    """

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        if args.apply is not None:
            n = apply_proposals(_as_proposals(args.apply, args.entities), args.entities)
            say(f"reconcile: applied {n} accepted proposal(s) from {args.apply} to {args.entities}")
            return 0
        client = WikidataClient(
            args.api_url,
            user_agent=args.user_agent,
            cache_dir=None if args.no_cache else args.cache_dir,
            progress=say,
        )
        retrieved = args.retrieved or datetime.now(UTC).date().isoformat()
        summary = reconcile(
            args.entities, args.report, args.proposals, client, retrieved, progress=say
        )
        if summary.without_candidates:
            say("reconcile: no candidates for " + ", ".join(summary.without_candidates))
        return 0
    except InputError as e:
        say(f"error: {e}")
        return 2
    except WikidataError as e:
        say(f"error: {e}")
        return 3
