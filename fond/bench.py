"""The benchmark: ``python publish.py bench [--sizes 1000,10000,100000]``. Not a test.

For each size it generates a synthetic corpus (``fond.synth``, kept and reused), builds it
in a child process while sampling the memory of the child and all its workers, and prints
per stage (read, align, map, validate, export) the CPU seconds summed over the workers and
the documents and triples per CPU second, then the whole build's wall time, documents/s and
triples/s, the peak resident memory of the process tree, and the ratio of the wall time to
the "write floor": a pure-Python loop that formats and writes as many N-Triples lines,
measured in the same run on the same disk. The output is a Markdown table, to paste into
the README ("Performance").
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ["read", "align", "map", "validate", "export"]


def write_floor(path: Path, n: int = 2_000_000) -> float:
    """Triples per second of a pure-Python loop formatting and writing N-Triples lines."""
    subjects = [f"https://w3id.org/fond/id/text/nsa/1988/{i:07d}/mention/{i}" for i in range(997)]
    predicates = [
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
        "https://w3id.org/fond/ns#confidence",
        "http://www.w3.org/ns/oa#hasSource",
        "http://www.w3.org/ns/oa#exact",
        "https://schema.org/mentions",
    ]
    started = time.perf_counter()
    with path.open("w", encoding="utf-8", buffering=1 << 20) as f:
        write = f.write
        for i in range(n):
            write(f'<{subjects[i % 997]}> <{predicates[i % 5]}> "value {i}" .\n')
        f.flush()
        os.fsync(f.fileno())
    seconds = time.perf_counter() - started
    path.unlink()
    return n / seconds


def _tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            pid, ppid = int(entry), int(fields[1])
            rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            children.setdefault(ppid, []).append(pid)
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def _run_build(corpus: Path, out: Path, args: argparse.Namespace) -> tuple[dict, int]:
    """Build in a child process; return its result and the peak RSS of its process tree."""
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as f:
        result_file = Path(f.name)
    command = [
        sys.executable,
        "-m",
        "fond.bench",
        "--child",
        str(corpus),
        str(out),
        str(result_file),
        str(args.workers),
        args.engine,
        str(args.batch_size),
    ]
    child = subprocess.Popen(command, cwd=ROOT)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        started, reported = time.monotonic(), time.monotonic()
        while not done.is_set():
            peak = max(peak, _tree_rss(child.pid))
            if time.monotonic() - reported > 60:  # long runs: say how it goes
                reported = time.monotonic()
                print(
                    f"\nbench: {corpus.name}: {reported - started:,.0f} s,"
                    f" peak RSS so far {peak / 2**20:,.0f} MB",
                    file=sys.stderr,
                )
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = child.wait()
    done.set()
    sampler.join()
    if code not in (0, 4):
        raise SystemExit(f"bench: the build of {corpus} failed with exit code {code}")
    result = json.loads(result_file.read_text(encoding="utf-8"))
    result_file.unlink()
    return result, peak


def _child(argv: list[str]) -> int:
    from fond.pipeline import BuildOptions, build

    corpus, out, result_file, workers, engine, batch_size = argv
    result = build(
        BuildOptions(
            Path(corpus),
            Path(out),
            workers=int(workers),
            engine=engine,
            batch_size=int(batch_size),
            progress=True,
        )
    )
    Path(result_file).write_text(
        json.dumps(
            {
                "texts": result.texts,
                "works": result.works,
                "skipped": len(result.skipped),
                "triples": result.triples,
                "violations": result.violations,
                "published": result.published,
                "seconds": result.seconds,
                "stages": result.stages,
                "phases": result.phases,
            }
        ),
        encoding="utf-8",
    )
    return 0


def _machine(args: argparse.Namespace) -> str:
    def v(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "-"

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.1f} GiB, {platform.system()}"
        f" {platform.release()}, Python {platform.python_version()}; pyoxigraph"
        f" {v('pyoxigraph')}, pyshacl-turbo {v('pyshacl-turbo')}; engine {args.engine},"
        f" {args.workers or os.cpu_count()} workers, batches of {args.batch_size};"
        f" load average {load:.1f} at start"
    )


def _table(size: int, r: dict, peak: int, floor: float) -> list[str]:
    docs, triples, wall = r["texts"], r["triples"], r["seconds"]
    rows = []
    for stage in STAGES:
        cpu = r["stages"].get(stage, 0.0)
        rows.append(
            f"| {size:,} | {stage} | {cpu:,.1f} | {docs / cpu if cpu else 0:,.0f} |"
            f" {triples / cpu if cpu else 0:,.0f} | | |"
        )
    floor_seconds = triples / floor
    rows.append(
        f"| {size:,} | **total (wall)** | {wall:,.1f} | **{docs / wall:,.0f}** |"
        f" **{triples / wall:,.0f}** | **{peak / 2**20:,.0f} MB** |"
        f" **{wall / floor_seconds:,.1f}x** ({floor_seconds:,.1f} s) |"
    )
    return rows


def run(args: argparse.Namespace) -> int:
    """Generate (once), build and measure each size; print the table for the README."""
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    folder = args.dir
    folder.mkdir(parents=True, exist_ok=True)
    from fond.synth import generate

    floor = write_floor(folder / "floor.nt")
    lines = [
        f"Machine: {_machine(args)}",
        f"N-Triples write floor (pure-Python format + write loop, same disk): {floor:,.0f}"
        " triples/s",
        "",
        "| documents | stage | CPU s | docs/s | triples/s | peak RSS | vs floor |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for size in sizes:
        corpus = folder / f"corpus-{size}-seed{args.seed}"
        marker = corpus / ".complete"
        if not marker.exists():
            if corpus.exists():
                import shutil

                shutil.rmtree(corpus)
            print(f"bench: generating {size:,} documents in {corpus} ...", file=sys.stderr)
            generate(size, corpus, args.seed)
            marker.write_text("ok\n", encoding="utf-8")
        print(f"bench: building {size:,} documents ...", file=sys.stderr)
        result, peak = _run_build(corpus, folder / f"out-{size}", args)
        lines.extend(_table(size, result, peak, floor))
        notes.append(
            f"{size:,} documents: {result['texts']:,} texts read ({result['skipped']} bad files"
            f" skipped), {result['works']:,} documents, {result['triples']:,} triples,"
            f" {result['violations']} violations, published: {result['published']};"
            " main-process phases (wall s): "
            + ", ".join(f"{k} {v:.1f}" for k, v in result["phases"].items())
        )
        print("\n".join(lines[-6:]), file=sys.stderr)
    lines.append("")
    lines.extend(notes)
    if args.profile:
        lines.append("")
        lines.append(profile(corpus, args.profile))
    print("\n".join(lines))
    return 0


def profile(corpus: Path, count: int) -> str:
    """cProfile of the per-batch function over ``count`` texts, in this process."""
    from fond.batch import BatchJob, Unit, process_batch, read_chunk
    from fond.pipeline import iter_corpus

    paths = [str(corpus / rel) for _, rel in zip(range(count), iter_corpus(corpus), strict=False)]
    outs, _ = read_chunk((paths, str(corpus)))
    units = [Unit(o.text_id, (o.blob,), None) for o in outs if o.error is None]
    jobs = [
        BatchJob(i, units[i : i + 20], "https://w3id.org/fond/id/")
        for i in range(0, len(units), 20)
    ]
    process_batch(jobs[0])  # warm the caches
    profiler = cProfile.Profile()
    profiler.enable()
    for job in jobs:
        process_batch(job)
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(20)
    return f"Profile of process_batch over {len(units)} texts (cProfile, by own time):\n" + (
        buffer.getvalue()
    )


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    """``publish.py bench [--sizes ...]``."""
    parser = sub.add_parser(
        "bench",
        help="benchmark builds of synthetic corpora (per stage: docs/s, triples/s, memory)",
        description="Generate synthetic corpora of the given sizes (kept in --dir and reused),"
        " build each in a child process, and print per-stage throughput, peak memory of the"
        " process tree, and the ratio to a pure-Python N-Triples write floor.",
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated")
    parser.add_argument("--workers", type=int, default=0, help="default: all cores")
    parser.add_argument("--engine", choices=["local", "dask"], default="local")
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dir", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also profile N texts (cProfile)"
    )
    parser.set_defaults(run=run)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(_child(sys.argv[2:]))
