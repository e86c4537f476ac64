"""Link stage: texts that are versions of one document -> one underlying work.

Two signals, both computed from plain records and kept small so that the pass
over a million texts needs only an on-disk index:

1. shared text: five-word shingles of the document's own text are hashed and a
   fixed 1-in-8 sample is kept (the same shingle is sampled in every text, so an
   excerpt's samples are a subset of the full text's). Texts sharing samples are
   candidates; the containment of the shorter in the longer (share of its samples
   found in the other) must reach ``MIN_CONTAINMENT``.
2. two translations: texts with the same exact date, the same document type and
   an author with the same surname, whose content words overlap (Jaccard of the
   sets of longer words) by at least ``MIN_TRANSLATION_JACCARD``.

Clusters are joined transitively; the work id is the one a curator pinned in a
catalogue record, else the smallest text id of the cluster (so it does not
depend on the order in which files are read).
"""

from __future__ import annotations

import hashlib
import math
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from mappings.errors import InputError
from mappings.records import TextRecord, WorkLink

SHINGLE = 5
SAMPLE_MODULUS = 8
MIN_CONTAINMENT = 0.5
MIN_SHARED_SAMPLES = 3
MAX_POSTINGS = 50  # a sample shared by more texts is boilerplate, not evidence
MIN_TRANSLATION_JACCARD = 0.3
WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Fingerprint:
    text_id: str
    samples: tuple[int, ...]
    content_words: tuple[int, ...]
    translation_key: str | None  # date|type|author surname, when all three are known
    pinned_work: str | None


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def fingerprint(record: TextRecord) -> Fingerprint:
    own = " ".join(record.text[r.start : r.end] for r in record.regions if r.kind == "body")
    words = [w.lower() for w in WORD.findall(own)]
    shingles = {
        _hash(" ".join(words[i : i + SHINGLE])) for i in range(max(0, len(words) - SHINGLE + 1))
    }
    samples = sorted(h for h in shingles if h % SAMPLE_MODULUS == 0)
    if len(samples) < MIN_SHARED_SAMPLES * 2:
        samples = sorted(shingles)  # short texts: keep every shingle
    key = None
    authors = [a for a in record.agents if a.role == "author"]
    if record.date is not None and record.document_type is not None and authors:
        date = record.date.value
        if date.earliest == date.latest:
            surname = authors[0].name.split()[-1].lower()
            key = f"{date.earliest.isoformat()}|{record.document_type.value}|{surname}"
    # Content words only serve the translation signal, which needs a key.
    content = sorted({_hash(w) for w in words if len(w) >= 6}) if key else []
    return Fingerprint(record.text_id, tuple(samples), tuple(content), key, record.work_id)


def _needed(samples: int) -> int:
    """The fewest shared samples that make a text of this many samples contained."""
    n = max(1, samples)
    t = math.ceil(MIN_CONTAINMENT * n)
    while t > 0 and (t - 1) / n >= MIN_CONTAINMENT:
        t -= 1
    while t / n < MIN_CONTAINMENT:
        t += 1
    return max(t, MIN_SHARED_SAMPLES)


class WorkIndex:
    """An on-disk (or in-memory) index of fingerprints; ``links()`` clusters them."""

    def __init__(self, path: Path | None = None) -> None:
        self.db = sqlite3.connect(str(path) if path else ":memory:")
        self.db.executescript(
            """
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE texts(id TEXT PRIMARY KEY, n INTEGER, tkey TEXT, pinned TEXT);
            CREATE TABLE samples(h INTEGER, id TEXT, PRIMARY KEY (id, h)) WITHOUT ROWID;
            CREATE TABLE words(id TEXT, h INTEGER);
            """
        )

    def add(self, fp: Fingerprint) -> None:
        self.db.execute(
            "INSERT INTO texts VALUES (?,?,?,?)",
            (fp.text_id, len(fp.samples), fp.translation_key, fp.pinned_work),
        )
        self.db.executemany(
            "INSERT INTO samples VALUES (?,?)", ((h, fp.text_id) for h in fp.samples)
        )
        if fp.translation_key:
            self.db.executemany(
                "INSERT INTO words VALUES (?,?)", ((fp.text_id, h) for h in fp.content_words)
            )

    def add_all(self, fingerprints: Iterable[Fingerprint]) -> None:
        for fp in fingerprints:
            self.add(fp)

    def _text_pairs(self) -> list[tuple[str, str, float]]:
        """Pairs of texts sharing text: (shorter, longer, containment of the shorter).

        Counting the samples every pair of texts shares grows with the square of the
        postings of common (boilerplate) samples. Prefix filtering avoids that and finds the
        same pairs: a shorter text A that shares at least T of its samples with B must share
        one of its |A| - T + 1 rarest samples with B, so only those are looked up, and each
        candidate is then counted exactly.
        """
        db = self.db
        db.executescript(
            f"""
            CREATE INDEX IF NOT EXISTS samples_h ON samples(h);
            DROP TABLE IF EXISTS df; DROP TABLE IF EXISTS prefix; DROP TABLE IF EXISTS cand;
            CREATE TABLE df(h INTEGER PRIMARY KEY, k INTEGER);
            INSERT INTO df SELECT h, COUNT(*) FROM samples GROUP BY h
                HAVING COUNT(*) BETWEEN 2 AND {MAX_POSTINGS};
            CREATE TABLE prefix(id TEXT, h INTEGER);
            """
        )
        sizes = dict(db.execute("SELECT id, n FROM texts"))
        # Each text's shareable samples, a text at a time (the table is keyed by text).
        shareable = db.execute(
            "SELECT s.id, s.h, df.k FROM samples s JOIN df ON df.h = s.h ORDER BY s.id"
        )
        prefixes = []
        for text_id, rows in groupby(shareable, key=itemgetter(0)):
            rarest_first = sorted((k, h) for _, h, k in rows)
            keep = len(rarest_first) - _needed(sizes[text_id]) + 1
            prefixes.extend((text_id, h) for _, h in rarest_first[: max(0, keep)])
        db.executemany("INSERT INTO prefix VALUES (?,?)", prefixes)
        db.execute(
            """
            CREATE TABLE cand AS SELECT DISTINCT p.id AS a, s.id AS b
              FROM prefix p JOIN samples s ON s.h = p.h
              JOIN texts ta ON ta.id = p.id JOIN texts tb ON tb.id = s.id
             WHERE tb.n > ta.n OR (tb.n = ta.n AND tb.id > ta.id)
            """
        )
        rows = db.execute(
            """
            SELECT c.a, c.b, COUNT(*) FROM cand c
              JOIN samples sa ON sa.id = c.a
              JOIN df ON df.h = sa.h
              JOIN samples sb ON sb.id = c.b AND sb.h = sa.h
             GROUP BY c.a, c.b
            """
        ).fetchall()
        pairs = []
        for shorter, longer, shared in rows:
            containment = shared / max(1, sizes[shorter])
            if shared >= MIN_SHARED_SAMPLES and containment >= MIN_CONTAINMENT:
                pairs.append((shorter, longer, round(containment, 3)))
        return pairs

    def _pairs(self) -> list[tuple[str, str, float]]:
        pairs = self._text_pairs()
        by_text = {frozenset(p[:2]) for p in pairs}  # a pair joined by shared text already
        self.db.execute("CREATE INDEX IF NOT EXISTS words_id ON words(id)")  # else a scan per text
        for key, ids in self.db.execute(
            "SELECT tkey, GROUP_CONCAT(id, '\n') FROM texts WHERE tkey IS NOT NULL"
            " GROUP BY tkey HAVING COUNT(*) > 1"
        ):
            members = sorted(ids.split("\n"))
            words = {
                m: {h for (h,) in self.db.execute("SELECT h FROM words WHERE id = ?", (m,))}
                for m in members
            }
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    wa, wb = words[a], words[b]
                    jaccard = len(wa & wb) / max(1, len(wa | wb))
                    # One overlap per pair of texts: a second value for the same pair (the
                    # excerpt of a letter also shares its date, type and author) would give
                    # its overlap node two containments.
                    if jaccard >= MIN_TRANSLATION_JACCARD and frozenset((a, b)) not in by_text:
                        pairs.append((a, b, round(jaccard, 3)))
            del key
        return sorted(set(pairs))

    def links(self) -> dict[str, WorkLink]:
        """text id -> its WorkLink, for texts that share a work with another (others: absent)."""
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            while parent.get(x, x) != x:
                parent[x] = parent.get(parent[x], parent[x])
                x = parent[x]
            return x

        pairs = self._pairs()
        pinned = dict(self.db.execute("SELECT id, pinned FROM texts WHERE pinned IS NOT NULL"))
        for a, b, _ in pairs:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        by_pin: dict[str, str] = {}
        for text_id, work in sorted(pinned.items()):
            root = find(text_id)
            if work in by_pin and find(by_pin[work]) != root:
                parent[max(root, find(by_pin[work]))] = min(root, find(by_pin[work]))
            by_pin.setdefault(work, text_id)
        by_root: dict[str, list[tuple[str, str, float]]] = {}  # pairs of each cluster, in order
        for pair in pairs:
            by_root.setdefault(find(pair[0]), []).append(pair)
        clusters: dict[str, list[str]] = {}
        for text_id in {x for pair in pairs for x in pair[:2]} | set(pinned):
            clusters.setdefault(find(text_id), []).append(text_id)
        out: dict[str, WorkLink] = {}
        for members in clusters.values():
            members.sort()
            works = sorted({pinned[m] for m in members if m in pinned})
            if len(works) > 1:
                raise InputError(
                    f"texts {', '.join(members)} are versions of one document but their catalogue"
                    f" records pin different works ({', '.join(works)}); make them agree"
                )
            work_id = works[0] if works else members[0]
            overlap = tuple(by_root.get(find(members[0]), ()))
            link = WorkLink(work_id, tuple(members), overlap)
            for m in members:
                out[m] = link
        return out

    def close(self) -> None:
        self.db.close()


def link_works(records: Iterable[TextRecord]) -> dict[str, WorkLink]:
    """Convenience for small corpora and tests: fingerprint, index and cluster in memory."""
    index = WorkIndex()
    index.add_all(fingerprint(r) for r in records)
    try:
        return index.links()
    finally:
        index.close()
