"""The extraction report: per document, what Fond states, from where, with what confidence.

Made from the published evidence nodes, so it shows exactly what was published: the build
computes the rows of each text's block in the worker that renders the block
(``extraction_rows``), and ``extraction_report`` reads them back from an N-Triples dump. One
row per statement with its origin (catalogue record or extraction), the rule, the
confidence and the supporting text span. A curator reads it to decide what to override in a
catalogue record.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyoxigraph import RdfFormat, Triple, parse

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


def _groups(triples: Iterable[Triple]) -> Iterator[dict[str, dict[str, str]]]:
    """Evidence nodes with their targets and selectors, one text block at a time.

    The dump is written block by block (a text, then its work); all nodes of one piece of
    evidence share the block, so memory stays bounded by a block.
    """
    block: dict[str, dict[str, str]] = {}
    current = None
    for triple in triples:
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


def extraction_rows(triples: Iterable[Triple]) -> list[list[str]]:
    """The report's rows for a block's triples (in dump order), as lists in COLUMNS order."""
    rows: list[list[str]] = []
    for block in _groups(triples):
        ordered = sorted(
            _rows(block), key=lambda r: (r["document"], r["field"], r["value"], r["rule"])
        )
        rows.extend([row[c] for c in COLUMNS] for row in ordered)
    return rows


def _dump_triples(path: Path) -> Iterator[Triple]:
    return parse(path=str(path), format=RdfFormat.N_TRIPLES)


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


def extraction_report(dataset_nt: Path) -> str:
    """The report read back from an N-Triples dump (for checks and small dumps)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for block in _groups(_dump_triples(dataset_nt)):
        writer.writerows(
            sorted(_rows(block), key=lambda r: (r["document"], r["field"], r["value"], r["rule"]))
        )
    return buffer.getvalue()
