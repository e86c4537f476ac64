"""The second, cheap pass: constraints that span documents, checked on disk after the batches.

SHACL sees one batch at a time (documents with the entities they reference), so three
things no batch can see are checked here, on a few rows per text kept in SQLite:

1. every text and document IRI is described by exactly one block, and no text or work id
   is a path-prefix of another (``a`` and ``a/evidence/title`` would mint one IRI twice);
   together these make every subject of the dumps unique to its block;
2. every link to a text or document (schema:exampleOfWork, schema:workExample,
   fond:textA/textB, oa:hasSource) points to one that some block describes: a batch
   validated such links against a typed stub, and this pass checks that the stub holds;
3. the one-work-many-versions links agree: a text says it is an example of a document
   exactly when that document lists it (schema:workExample).

Problems become result rows like SHACL's, with the same severities and report format.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fond.validate import ResultRow

FOND = "https://w3id.org/fond/ns#"
FONDSH = "https://w3id.org/fond/shapes#"
SCHEMA = "https://schema.org/"
CHECK = FONDSH + "CrossDocumentCheck"
SHAPE_OF = {  # the shape whose sh:class constraint a dangling link breaks
    SCHEMA + "exampleOfWork": "TextShape",
    SCHEMA + "workExample": "DocumentShape",
    FOND + "textA": "TextOverlapShape",
    FOND + "textB": "TextOverlapShape",
    "http://www.w3.org/ns/oa#hasSource": "SpanShape",
}


class CrossCheck:
    """Rows from every batch; ``results()`` runs the checks at the end of the build."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(str(path))
        self.db.executescript(
            """
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE defs(iri TEXT, kind TEXT, place TEXT);
            CREATE TABLE links(s TEXT, p TEXT, o TEXT, place TEXT);
            """
        )

    def add(self, defines: list[tuple[str, str, str]], links: list[tuple]) -> None:
        """A batch's described texts and documents, and its links to texts and documents."""
        self.db.executemany("INSERT INTO defs VALUES (?,?,?)", defines)
        self.db.executemany("INSERT INTO links VALUES (?,?,?,?)", links)

    def results(self, base: str) -> list[tuple[ResultRow, str]]:
        """Violations of the cross-document constraints, as report rows with their file."""
        db = self.db
        db.executescript(
            "CREATE INDEX defs_iri ON defs(iri); CREATE INDEX links_o ON links(o, p);"
            " CREATE INDEX links_s ON links(s, p);"
        )
        out: list[tuple[ResultRow, str]] = []

        def row(focus: str, path: str, shape: str, component: str, value: str, message: str):  # noqa: ANN202
            return ResultRow("Violation", focus, path, shape, component, value, message)

        for iri, kind, count, place in db.execute(
            "SELECT iri, kind, COUNT(*), MIN(place) FROM defs GROUP BY iri HAVING COUNT(*) > 1"
        ):
            out.append(
                (
                    row(
                        iri,
                        "",
                        CHECK,
                        FOND + "UniqueNodeConstraint",
                        str(count),
                        f"This {'text' if kind == 'text' else 'document'} IRI is described by"
                        f" {count} corpus texts. Fix: give the texts distinct ids, or the"
                        " catalogue records one `work`.",
                    ),
                    place,
                )
            )
        for kind in ("text", "doc"):
            # Sorted, a path-prefix of an id comes before it, and every id in between shares
            # that prefix: one scan with a stack of open prefixes finds them all.
            stack: list[str] = []
            for iri, place in db.execute(
                "SELECT iri, place FROM defs WHERE kind = ? ORDER BY iri", (kind,)
            ):
                while stack and not iri.startswith(stack[-1] + "/") and iri != stack[-1]:
                    stack.pop()
                if stack and iri != stack[-1]:
                    out.append(
                        (
                            row(
                                iri,
                                "",
                                CHECK,
                                FOND + "UniqueNodeConstraint",
                                stack[-1],
                                f"Its id extends the id of {stack[-1]}, so both mint the same"
                                " IRIs for their parts. Fix: rename one file or set a distinct"
                                " `id` in its catalogue record.",
                            ),
                            place,
                        )
                    )
                if not stack or iri != stack[-1]:
                    stack.append(iri)
        for s, p, o, place in db.execute(
            "SELECT s, p, o, place FROM links WHERE o NOT IN (SELECT iri FROM defs)"
        ):
            target = "Document" if o.startswith(base + "doc/") else "Text"
            out.append(
                (
                    row(
                        s,
                        p,
                        FONDSH + SHAPE_OF.get(p, "TextShape"),
                        "ClassConstraintComponent",
                        o,
                        f"The link points to a {target.lower()} that no corpus text describes"
                        " (it was skipped or renamed). Fix the skipped file, or its catalogue"
                        " record.",
                    ),
                    place,
                )
            )
        for s, o, place in db.execute(
            "SELECT a.s, a.o, a.place FROM links a WHERE a.p = ? AND NOT EXISTS"
            " (SELECT 1 FROM links b WHERE b.s = a.o AND b.p = ? AND b.o = a.s)",
            (SCHEMA + "exampleOfWork", SCHEMA + "workExample"),
        ):
            out.append(
                (
                    row(
                        s,
                        SCHEMA + "exampleOfWork",
                        CHECK,
                        FOND + "InverseLinkConstraint",
                        o,
                        "The text says it is a version of this document, but the document"
                        " does not list it (schema:workExample).",
                    ),
                    place,
                )
            )
        for s, o, place in db.execute(
            "SELECT a.s, a.o, a.place FROM links a WHERE a.p = ? AND NOT EXISTS"
            " (SELECT 1 FROM links b WHERE b.s = a.o AND b.p = ? AND b.o = a.s)",
            (SCHEMA + "workExample", SCHEMA + "exampleOfWork"),
        ):
            out.append(
                (
                    row(
                        s,
                        SCHEMA + "workExample",
                        CHECK,
                        FOND + "InverseLinkConstraint",
                        o,
                        "The document lists this text as a version, but the text names"
                        " another document (schema:exampleOfWork).",
                    ),
                    place,
                )
            )
        return out

    def close(self) -> None:
        self.db.close()
