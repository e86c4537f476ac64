"""Command line: ``python publish.py [build|validate|import-reference|reconcile|...]``.

Every subcommand returns an exit code (see EXIT_CODES, printed by --help);
user-fixable problems are reported as one line on stderr naming the file.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from mappings.errors import InputError
from mappings.to_rdf.iris import DEFAULT_BASE

ROOT = Path(__file__).resolve().parent.parent
EXIT_CODES = """exit codes:
  0  success: the graph conforms (warnings allowed) and the dumps were written
  1  the graph does not conform to the shapes (SHACL violation); the report says
     which document, node and shape, and how to fix it; the last good dumps are kept
  2  bad input or configuration: an unreadable dump, a malformed table or catalogue
     record, a missing folder, or a bad corpus file under --strict
  3  a remote service failed (Wikidata API, triple store)
  4  the dumps were written, but some corpus files were skipped (listed above)
  5  internal error (a bug in Fond): the traceback is printed; the previous dumps are kept
"""


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="publish.py",
        description="Fond: publish an archival document collection as linked data aligned"
        " with Wikidata."
        " Without a subcommand, builds corpus/ into graph/.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command")

    build = sub.add_parser(
        "build",
        help="corpus -> RDF -> SHACL -> dumps (Turtle, N-Triples, JSON-LD, VoID/DCAT)",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_build_arguments(build)
    build.set_defaults(run=run_build)

    validate = sub.add_parser(
        "validate",
        help="check a dump (Turtle, N-Triples or JSON-LD) against the shapes",
        epilog="exit codes: 0 conforms, 1 SHACL violation, 2 unreadable input",
    )
    validate.add_argument("file", type=Path)
    validate.add_argument(
        "--format", choices=["turtle", "nt", "json-ld"], help="default: from the file extension"
    )
    validate.set_defaults(run=run_validate)

    ref = sub.add_parser(
        "import-reference",
        help="merge a verified reference table into mappings/tables/entities.csv",
    )
    ref.add_argument(
        "reference", type=Path, help="folder with entities.csv (e.g. ../shared/reference)"
    )
    ref.add_argument("--entities", type=Path, default=ROOT / "mappings" / "tables" / "entities.csv")
    ref.set_defaults(run=run_import_reference)

    try:
        from fond import reconcile
    except ImportError:  # pragma: no cover - the online path is optional
        reconcile = None  # type: ignore[assignment]
    if reconcile is not None:
        rec = sub.add_parser(
            "reconcile",
            help="ask the Wikidata API for candidates and refreshes; write proposals for a curator",
        )
        reconcile.add_arguments(rec)

    rel = sub.add_parser(
        "reliability",
        help="run the hostile-input and fault cases in temp folders and print the table",
    )
    rel.add_argument("--quick", action="store_true", help="fewer cases, no kill test")
    rel.add_argument("--seed", type=int, default=5, help="random seed of the generated cases")
    rel.add_argument(
        "--write-readme", action="store_true", help="also put the table in README.md, Reliability"
    )
    rel.set_defaults(run=run_reliability)

    for name in ("evaluate", "query", "serve", "load", "synth", "bench"):
        try:
            module = __import__(f"fond.{name}", fromlist=["add_subcommand"])
        except ImportError:
            continue
        module.add_subcommand(sub)
    return parser


def _add_build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus",
        type=Path,
        default=ROOT / "corpus",
        help="folder of .txt documents (default: corpus/)",
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "graph", help="output folder (default: graph/)"
    )
    parser.add_argument(
        "--base",
        default=os.environ.get("FOND_BASE", DEFAULT_BASE),
        help=f"base IRI of minted IRIs (default: {DEFAULT_BASE})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="worker processes (default: all cores; output is the same for any number)",
    )
    parser.add_argument(
        "--batch-size", type=int, default=20, help="texts per validation batch (default: 20)"
    )
    parser.add_argument(
        "--engine",
        choices=["local", "dask"],
        default="local",
        help="where batches run: local worker processes, or a Dask cluster (pip install"
        " -e '.[dask]'); the dumps are the same",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: a running scheduler (tcp://host:8786); default: a local"
        " cluster of --workers processes",
    )
    parser.add_argument(
        "--shacl",
        choices=["turbo", "pyshacl"],
        default="turbo",
        help="SHACL engine: pyshacl-turbo (default, same report) or pySHACL (the reference)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="stop at the first bad corpus file instead of skipping it",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--shapes",
        type=Path,
        help="a folder of extra SHACL shapes (*.ttl): a collection's own rules",
    )


def run_build(args: argparse.Namespace) -> int:

    previous = os.environ.get("FOND_SHAPES")
    if args.shapes:
        if not args.shapes.is_dir():
            raise InputError(f"{args.shapes}: shapes folder not found")
        # Worker processes inherit the environment; restored below for in-process callers.
        os.environ["FOND_SHAPES"] = str(args.shapes.resolve())
    try:
        return _run_build(args)
    finally:
        if previous is None:
            os.environ.pop("FOND_SHAPES", None)
        else:
            os.environ["FOND_SHAPES"] = previous


def _run_build(args: argparse.Namespace) -> int:
    from fond.pipeline import BuildOptions, build

    workers = args.workers or os.cpu_count() or 1
    options = BuildOptions(
        corpus=args.corpus,
        out=args.out,
        base=args.base,
        workers=workers,
        strict=args.strict,
        batch_size=max(1, args.batch_size),
        progress=not args.no_progress,
        engine=args.engine,
        address=args.scheduler,
        shacl=args.shacl,
    )
    if args.engine == "local" and workers > 1 and _fewer_files(args.corpus, 40):
        options.workers = 1  # starting processes costs more than a small corpus
    result = build(options)
    print(summary(result, args.out))
    if not result.conforms:
        print("\n" + result.report_text, file=sys.stderr)
        return 1
    if result.skipped:
        return 4
    return 0


def _fewer_files(corpus: Path, limit: int) -> bool:
    """Whether the corpus has fewer than ``limit`` texts (without listing a large one)."""
    if not corpus.is_dir():
        return True
    return all(n < limit for n, _ in enumerate(corpus.rglob("*.txt"), start=1))


def summary(result, out: Path) -> str:  # noqa: ANN001 - BuildResult
    lines = [
        f"documents: {result.works} ({result.texts} texts read, {len(result.skipped)} skipped)",
        f"triples:   {result.triples:,}",
        f"entities:  {result.entities_aligned} aligned with Wikidata,"
        f" {result.entities_unaligned} not aligned,"
        f" {result.entities_ambiguous} ambiguous (see {out / 'alignment-report.csv'})",
        f"SHACL:     {'conforms' if result.conforms else 'DOES NOT CONFORM'}:"
        f" {result.violations} violations,"
        f" {result.warnings} warnings, {result.infos} infos (see {out / 'validation-report.txt'})",
    ]
    for message in result.skipped:
        lines.append(f"skipped:   {message}")
    for message in result.read_warnings[:20]:
        lines.append(f"warning:   {message}")
    total = max(len(result.read_warnings), getattr(result, "read_warning_count", 0))
    if total > 20:
        lines.append(f"warning:   ... and {total - 20} more")
    lines.append(
        "dumps:     "
        + (f"written to {out}" if result.published else "NOT written (previous dumps kept)")
        + f" in {result.seconds:.1f} s"
    )
    return "\n".join(lines)


def run_validate(args: argparse.Namespace) -> int:
    from fond.readdump import read_dump
    from fond.validate import conforms, format_results, validate_graph

    graph = read_dump(args.file, args.format)
    rows = validate_graph(graph)
    ok = conforms(rows)
    print(
        f"{args.file}: {len(graph):,} triples; {'conforms' if ok else 'DOES NOT CONFORM'}"
        f" ({sum(r.severity == 'Violation' for r in rows)} violations,"
        f" {sum(r.severity == 'Warning' for r in rows)} warnings)"
    )
    text = format_results([(r, str(args.file)) for r in rows if r.severity != "Info"])
    if text:
        print(text, file=sys.stderr if not ok else sys.stdout)
    return 0 if ok else 1


def run_reliability(args: argparse.Namespace) -> int:
    from fond.reliability import main as reliability

    return reliability(quick=args.quick, seed=args.seed, readme=args.write_readme)


def run_import_reference(args: argparse.Namespace) -> int:
    from mappings.align.reference import import_reference

    kept, added = import_reference(args.reference, args.entities)
    print(
        f"{args.entities}: kept {kept} rows, added {added} from {args.reference / 'entities.csv'}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["build", *(argv or [])])
    try:
        return int(args.run(args))
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the previous dumps are unchanged", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - a bug must not look like exit 1 (SHACL violation)
        traceback.print_exc()
        print(
            "internal error: a bug in Fond (or input it does not check yet); the previous"
            " dumps are unchanged. Please report it with the traceback above.",
            file=sys.stderr,
        )
        return 5
