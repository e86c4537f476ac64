"""The extraction report: per document, what Fond states, from where, with what confidence.

Read from the N-Triples dump (the evidence nodes), so it shows exactly what was published:
one row per statement with its origin (catalogue record or extraction), the rule, the
confidence and the supporting text span. A curator reads it to decide what to override in a
catalogue record.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyoxigraph import RdfFormat, parse

FOND = "https://w3id.org/fond/ns#"
OA = "http://www.w3.org/ns/oa#"
COLUMNS = [
    "document",
    "text",
    "field",
    "value",
    "origin",
    "rule",
    "confidence",
    "quote",
    "start",
    "end",
    "named_as",
]
SHORT = {
    "http://purl.org/dc/terms/": "dcterms:",
    "https://schema.org/": "schema:",
    FOND: "fond:",
}


def _short(iri: str) -> str:
    for prefix, short in SHORT.items():
        if iri.startswith(prefix):
            return short + iri[len(prefix) :]
    return iri


def _groups(path: Path) -> Iterator[dict[str, dict[str, str]]]:
    """Evidence nodes with their targets and selectors, one text block at a time.

    The dump is written block by block (a text, then its work); all nodes of one piece of
    evidence share the block, so memory stays bounded by a block.
    """
    block: dict[str, dict[str, str]] = {}
    current = None
    for triple in parse(path=str(path), format=RdfFormat.N_TRIPLES):
        subject = triple.subject.value
        if "/evidence/" not in subject:
            continue
        owner = subject.split("/evidence/", 1)[0]
        if owner != current and current is not None and not owner.startswith(current):
            yield block
            block = {}
        current = owner
        value = triple.object.value
        block.setdefault(subject, {})[triple.predicate.value] = value
    if block:
        yield block


def _rows(block: dict[str, dict[str, str]]) -> Iterable[dict[str, str]]:
    for node, props in block.items():
        if FOND + "rule" not in props:
            continue
        target = block.get(node + "/target", {})
        position = block.get(node + "/target/position", {})
        quote = block.get(node + "/target/quote", {})
        about = props.get(FOND + "about", "")
        yield {
            "document": about,
            "text": target.get(OA + "hasSource", ""),
            "field": _short(props.get(FOND + "property", "")),
            "value": props.get(FOND + "value", ""),
            "origin": _short(props.get(FOND + "origin", "")),
            "rule": props.get(FOND + "rule", ""),
            "confidence": props.get(FOND + "confidence", ""),
            "quote": " ".join(quote.get(OA + "exact", "").split()),
            "start": position.get(OA + "start", ""),
            "end": position.get(OA + "end", ""),
            "named_as": props.get(FOND + "namedAs", ""),
        }


def write_extraction_report(dataset_nt: Path, out: Path) -> int:
    """Stream the report to a CSV file in the order of the dump; returns the number of rows."""
    count = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for block in _groups(dataset_nt):
            rows = sorted(
                _rows(block), key=lambda r: (r["document"], r["field"], r["value"], r["rule"])
            )
            writer.writerows(rows)
            count += len(rows)
    return count


def extraction_report(dataset_nt: Path) -> str:
    """The report as text (for small dumps and tests)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for block in _groups(dataset_nt):
        writer.writerows(
            sorted(_rows(block), key=lambda r: (r["document"], r["field"], r["value"], r["rule"]))
        )
    return buffer.getvalue()
