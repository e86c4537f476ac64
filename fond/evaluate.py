"""Measure extraction and alignment against what a historian would extract.

``python publish.py evaluate`` reads the seed corpus (expected facts in
tests/fixtures/golden/) and the invented test documents (tests/fixtures/documents/,
each with its ``.expected.toml``), runs the read, link and align stages exactly as
the build does, and prints precision and recall per field, and per document for the
linked states and people. A wrong value counts against precision; a value left
unextracted (or a name left for curation) counts against recall only.
"""

from __future__ import annotations

import argparse
import re
import tomllib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from mappings.align.gazetteer import Gazetteer, load_gazetteer
from mappings.link import link_works
from mappings.read import read_text
from mappings.read.names import same_person
from mappings.records import APPARATUS, TextRecord

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "seeds": (ROOT / "corpus", ROOT / "tests" / "fixtures" / "golden"),
    "documents": (
        ROOT / "tests" / "fixtures" / "documents",
        ROOT / "tests" / "fixtures" / "documents",
    ),
    "holdout": (ROOT / "tests" / "fixtures" / "holdout", ROOT / "tests" / "fixtures" / "holdout"),
}
ROLES = [
    "authors",
    "recipients",
    "participants",
    "speakers",
    "note_takers",
    "translators",
    "editors",
]
ROLE_OF = {
    "authors": "author",
    "recipients": "recipient",
    "participants": "participant",
    "speakers": "speaker",
    "note_takers": "note_taker",
    "translators": "translator",
    "editors": "editor",
}
FIELDS = [
    "title",
    "type",
    "date",
    "language",
    *ROLES,
    "excerpt",
    "published_in",
    "translated_from",
    "archive",
    "work",
    "states",
    "people",
    "unlisted_people",
]


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Tally) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class DocumentScore:
    name: str
    fields: dict[str, Tally] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)


def _norm(text: str) -> str:
    text = "".join(
        c for c in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(c)
    )
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def _same_name(a: str, b: str) -> bool:
    """Names match ignoring case, dots and brackets; 'M. S. Gorbachev' ~ 'Mikhail Gorbachev'."""
    return same_person(a, b)


def _score_single(expected: object, predicted: object, same) -> Tally:  # noqa: ANN001
    if expected is None and predicted is None:
        return Tally()
    if expected is None:
        return Tally(fp=1)
    if predicted is None:
        return Tally(fn=1)
    return Tally(tp=1) if same(expected, predicted) else Tally(fp=1, fn=1)


def _score_sets(expected: list, predicted: list, same) -> Tally:  # noqa: ANN001
    tally = Tally()
    unmatched = list(predicted)
    for item in expected:
        hit = next((p for p in unmatched if same(item, p)), None)
        if hit is None:
            tally.fn += 1
        else:
            tally.tp += 1
            unmatched.remove(hit)
    tally.fp += len(unmatched)
    return tally


def _source_matches(expected: dict, predicted) -> bool:  # noqa: ANN001
    title_ok = _norm(expected.get("title", "")) in _norm(predicted.title) or _norm(
        predicted.title
    ) in _norm(expected.get("title", ""))
    if not title_ok or not _norm(predicted.title):
        return False
    for key in ("item_number", "year", "pages"):
        if expected.get(key) and getattr(predicted, key, None) not in (None, expected[key]):
            return False
    return True


def _archive_matches(expected: dict, predicted) -> bool:  # noqa: ANN001
    for key in ("fond", "opis", "delo", "box", "folder"):
        if (expected.get(key) or None) != (getattr(predicted, key) or None):
            return False
    return _norm(expected.get("archive", "")) in _norm(predicted.archive) or _norm(
        predicted.archive
    ) in _norm(expected.get("archive", ""))


def _difference(name: str, expected: list[str], got: list[str]) -> str:
    missing = sorted(set(expected) - set(got))
    wrong = sorted(set(got) - set(expected))
    return f"{name}: missing {missing}, wrong {wrong}"


def _entity_key(entity_id: str, gazetteer: Gazetteer) -> str:
    entry = gazetteer.entries.get(entity_id)
    return (entry.qid or entry.id) if entry else entity_id


def evaluate_set(corpus: Path, expectations: Path, gazetteer: Gazetteer) -> list[DocumentScore]:
    from fond.batch import align_unit

    texts = sorted(
        p for p in corpus.glob("*.txt") if (expectations / f"{p.stem}.expected.toml").exists()
    )
    records: dict[str, TextRecord] = {}
    for path in texts:
        record = read_text(path, corpus)
        records[record.text_id] = record
    links = link_works(records.values())
    scores = []
    for path in texts:
        spec = tomllib.loads(
            (expectations / f"{path.stem}.expected.toml").read_text(encoding="utf-8")
        )
        expected = spec.get("expected", {})
        text_id = path.stem
        link = links.get(text_id)
        members = [records[m] for m in (link.text_ids if link else [text_id])]
        aligned, _ = align_unit(text_id, members, link, gazetteer)
        record, work = aligned.record, aligned.work
        score = DocumentScore(path.stem)
        date = work.date.value if work.date else None
        exp_date = (
            (expected.get("date_earliest"), expected.get("date_latest"))
            if "date" in expected
            else None
        )
        got_date = (date.earliest.isoformat(), date.latest.isoformat()) if date else None
        score.fields["date"] = _score_single(exp_date, got_date, lambda a, b: a == b)
        score.fields["title"] = _score_single(
            expected.get("title"),
            record.title.value if record.title else None,
            lambda a, b: _norm(a) == _norm(b),
        )
        got_type = work.document_type.value if work.document_type else None
        score.fields["type"] = _score_single(expected.get("type"), got_type, lambda a, b: a == b)
        score.fields["language"] = _score_single(
            expected.get("language"),
            record.language.value if record.language else None,
            lambda a, b: a == b,
        )
        score.fields["excerpt"] = _score_single(
            True if expected.get("excerpt") else None,
            True if (record.is_excerpt and record.is_excerpt.value) else None,
            lambda a, b: a == b,
        )
        # The work's people are merged by the text that describes the work (its first version).
        primary_id = min(m.text_id for m in members)
        work_links = (
            aligned.work_agents
            if primary_id == text_id
            else align_unit(primary_id, members, link, gazetteer)[0].work_agents
        )
        text_links = aligned.agents
        for role_field in ROLES:
            role = ROLE_OF[role_field]
            links_for_role = (
                work_links
                if role in ("author", "recipient", "participant", "speaker", "note_taker")
                else text_links
            )
            predicted = [
                (lk.agent.name, lk.resolution.label)
                for lk in links_for_role
                if lk.agent.role == role
            ]
            tally = _score_sets(
                expected.get(role_field, []),
                predicted,
                lambda e, p: _same_name(e, p[0]) or _same_name(e, p[1]),
            )
            score.fields[role_field] = tally
            if tally.fn or tally.fp:
                score.misses.append(
                    f"{role_field}: expected {expected.get(role_field, [])},"
                    f" got {[p[0] for p in predicted]}"
                )
        for relation in ("published_in", "translated_from"):
            # "translated from" and "cited from" are both the text's dcterms:source.
            relations = (
                ("translated_from", "cited_from") if relation == "translated_from" else (relation,)
            )
            predicted = [s for s in record.sources if s.relation in relations]
            exp = [expected[key] for key in relations if key in expected]
            score.fields[relation] = _score_sets(exp, predicted, _source_matches)
            if score.fields[relation].fp or score.fields[relation].fn:
                got = [(s.title, s.item_number, s.year, s.pages) for s in predicted]
                score.misses.append(f"{relation}: expected {exp}, got {got}")
        exp_archive = [expected["archive"]] if "archive" in expected else []
        score.fields["archive"] = _score_sets(
            exp_archive, list(record.archival_references), _archive_matches
        )
        if score.fields["archive"].fp or score.fields["archive"].fn:
            got = [
                (a.archive, a.fond, a.opis, a.delo, a.box, a.folder)
                for a in record.archival_references
            ]
            score.misses.append(f"archive: expected {exp_archive}, got {got}")
        mentions = expected.get("mentions", {})
        body = [
            m
            for m in aligned.mentions
            if m.region not in APPARATUS and m.resolution.status != "ambiguous"
        ]
        got_states = sorted(
            {
                _entity_key(m.resolution.entity_id, gazetteer)
                for m in body
                if m.resolution.kind == "state"
            }
        )
        got_people = sorted(
            {
                _entity_key(m.resolution.entity_id, gazetteer)
                for m in body
                if m.resolution.kind == "person" and m.resolution.entity_id in gazetteer.entries
            }
        )
        got_unlisted = sorted(
            {
                m.resolution.label
                for m in body
                if m.resolution.kind == "person" and m.resolution.entity_id not in gazetteer.entries
            }
        )
        if "states" in mentions:
            score.fields["states"] = _score_sets(
                mentions["states"], got_states, lambda a, b: a == b
            )
            if score.fields["states"].fn or score.fields["states"].fp:
                score.misses.append(_difference("states", mentions["states"], got_states))
        if "people" in mentions:
            score.fields["people"] = _score_sets(
                mentions["people"], got_people, lambda a, b: a == b
            )
            if score.fields["people"].fn or score.fields["people"].fp:
                score.misses.append(_difference("people", mentions["people"], got_people))
        if "people_unlisted" in mentions or got_unlisted:
            unlisted = mentions.get("people_unlisted", [])
            score.fields["unlisted_people"] = _score_sets(unlisted, got_unlisted, _same_name)
            tally = score.fields["unlisted_people"]
            if tally.fp or tally.fn:
                score.misses.append(f"unlisted_people: expected {unlisted}, got {got_unlisted}")
        for name in ("title", "type", "date", "language", "excerpt"):
            t = score.fields[name]
            if t.fp or t.fn:
                got = {
                    "title": record.title.value if record.title else None,
                    "type": got_type,
                    "date": got_date,
                    "language": record.language.value if record.language else None,
                    "excerpt": record.is_excerpt.value if record.is_excerpt else None,
                }[name]
                want = {"date": exp_date}.get(name, expected.get(name))
                score.misses.append(f"{name}: expected {want!r}, got {got!r}")
        score.fields["work"] = Tally()
        scores.append((score, expected.get("work"), link.work_id if link else None))
    # Work links: every pair of texts that share an expected work must share a predicted work.
    out = []
    by_expected: dict[str, list[str]] = defaultdict(list)
    by_predicted: dict[str, list[str]] = defaultdict(list)
    for score, exp_work, got_work in scores:
        if exp_work:
            by_expected[exp_work].append(score.name)
        if got_work:
            by_predicted[got_work].append(score.name)
    exp_pairs = {
        tuple(sorted((a, b))) for ms in by_expected.values() for a in ms for b in ms if a < b
    }
    got_pairs = {
        tuple(sorted((a, b))) for ms in by_predicted.values() for a in ms for b in ms if a < b
    }
    for score, _, _ in scores:
        mine_exp = {p for p in exp_pairs if score.name == p[0]}
        mine_got = {p for p in got_pairs if score.name == p[0]}
        score.fields["work"] = Tally(
            tp=len(mine_exp & mine_got), fp=len(mine_got - mine_exp), fn=len(mine_exp - mine_got)
        )
        if score.fields["work"].fp or score.fields["work"].fn:
            score.misses.append(f"work: expected pairs {sorted(mine_exp)}, got {sorted(mine_got)}")
        out.append(score)
    return out


def _pct(value: float | None) -> str:
    return "   -" if value is None else f"{100 * value:4.0f}"


def field_table(scores: list[DocumentScore]) -> str:
    lines = [
        "| field | precision % | recall % | correct | wrong | missed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in FIELDS:
        total = Tally()
        for score in scores:
            if name in score.fields:
                total.add(score.fields[name])
        lines.append(
            f"| {name} | {_pct(total.precision)} | {_pct(total.recall)}"
            f" | {total.tp} | {total.fp} | {total.fn} |"
        )
    return "\n".join(lines)


def linking_table(scores: list[DocumentScore]) -> str:
    lines = [
        "| document | states P % | states R % | people P % | people R % |",
        "|---|---:|---:|---:|---:|",
    ]
    totals = {"states": Tally(), "people": Tally()}
    for score in scores:
        cells = []
        for name in ("states", "people"):
            tally = score.fields.get(name, Tally())
            totals[name].add(tally)
            cells += [_pct(tally.precision), _pct(tally.recall)]
        lines.append(f"| {score.name} | " + " | ".join(cells) + " |")
    cells = []
    for name in ("states", "people"):
        cells += [_pct(totals[name].precision), _pct(totals[name].recall)]
    lines.append("| **all** | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "evaluate",
        help="precision and recall of extraction and alignment on the seeds and test documents",
    )
    parser.add_argument("--set", choices=["seeds", "documents", "holdout", "all"], default="all")
    parser.add_argument(
        "--per-document", action="store_true", help="also print the linking table per document"
    )
    parser.add_argument("--misses", action="store_true", help="list every wrong or missed value")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    gazetteer = load_gazetteer()
    names = ["seeds", "documents", "holdout"] if args.set == "all" else [args.set]
    for name in names:
        corpus, expectations = SETS[name]
        scores = evaluate_set(corpus, expectations, gazetteer)
        print(f"## {name}: {len(scores)} texts\n")
        print(field_table(scores))
        print()
        if args.per_document:
            print(linking_table(scores))
            print()
        if args.misses:
            for score in scores:
                for miss in score.misses:
                    print(f"- {score.name}: {miss}")
            print()
    return 0
