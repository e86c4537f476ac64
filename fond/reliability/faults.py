"""Faults: commits interrupted at each rename, builds killed (SIGKILL) at random moments,
and builds of one corpus in different orders, folders, worker counts and environments."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fond.reliability.checks import ROOT, build_argv, leftovers, run_cli, run_subprocess, snapshot
from fond.reliability.corpus import document, hostile_corpus, make_corpus


def interrupted_commits(tmp: Path) -> tuple[int, list[str]]:
    """Interrupt a commit before each of its renames (as if the process died there), then
    start a new build: the published set must be whole (all old or all new), never a mix."""
    from unittest import mock

    import fond.export as export

    names = [f"file-{i}.txt" for i in range(6)]
    problems = []
    for k in range(len(names) + 1):
        out = tmp / f"commit-{k}"
        out.mkdir(parents=True)
        for name in names:
            (out / name).write_text("old\n")
        staging = export.Staging(out)
        for name in names:
            staging.write_text(name, "new\n")
        dying_replace = _dying_replace(out, k, os.replace)

        with mock.patch.object(export.os, "replace", dying_replace), contextlib.suppress(_Died):
            staging.commit(names)
        staging._unlock()  # the process "died": its lock goes with it
        mixed = {(out / n).read_text() for n in names}
        if k not in (0, len(names)) and len(mixed) != 2:
            problems.append(f"k={k}: the interruption was not between renames")
        export.Staging(out).discard()  # the next run starts
        after = {(out / n).read_text() for n in names}
        if after != {"new\n"} or leftovers_of(out, names):
            problems.append(f"interrupted after {k} renames: {after} {leftovers_of(out, names)}")
    return len(names) + 1, problems


def _dying_replace(out: Path, k: int, real: Callable) -> Callable[[Any, Any], None]:
    """os.replace that 'kills the process' at the k-th rename into ``out``."""
    calls = {"n": 0}

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).parent == out:
            if calls["n"] >= k:
                raise _Died
            calls["n"] += 1
        real(src, dst)

    return replace


def leftovers_of(out: Path, names: list[str]) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name not in names)


class _Died(BaseException):
    """A simulated death of the process (not an Exception: nothing may catch it)."""


def _build_processes(marker: str) -> list[int]:
    """Processes whose command line mentions ``marker`` (the killed build's workers)."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if marker.encode() in (proc / "cmdline").read_bytes():
                pids.append(int(proc.name))
    return pids


@dataclass
class KillReport:
    kills: int = 0
    before_commit: int = 0  # previous dumps found byte-identical
    after_commit: int = 0  # the killed run had published: the new dumps, complete
    mid_commit: int = 0  # a journal was left; the next run finished it
    problems: list[str] = field(default_factory=list)
    final_exit: int = -1
    final_leftovers: list[str] = field(default_factory=list)
    survivors: list[int] = field(default_factory=list)


def kill_runs(tmp: Path, seed: int = 5, kills: int = 6, docs: int = 60) -> KillReport:
    """Kill ``publish.py build`` (SIGKILL) at random moments, then let it run to the end.

    Corpus A is published first; every killed run builds corpus B (A plus one document)
    into the same folder, starting from A's dumps (and whatever the previous kill left
    behind). After each kill the published files must be exactly A's, or
    exactly B's, or (killed while renaming) A's and B's with a commit journal that the next
    run finishes. Then a full run must succeed, publish B's exact bytes and leave nothing
    else in the folder, and no process of a killed build may be left running.
    """
    rng = random.Random(seed)
    corpus_a, corpus_b = tmp / "kill-a", tmp / "kill-b"
    make_corpus(corpus_a, docs, seed=seed)
    shutil.copytree(corpus_a, corpus_b)
    (corpus_b / "added-later.txt").write_text(document(rng, 999), encoding="utf-8")
    out, ref = tmp / "kill-out", tmp / "kill-ref"
    report = KillReport()
    first, _, first_err = run_cli(build_argv(corpus_a, out, "--workers", "2"))
    started = time.monotonic()
    second = run_subprocess(corpus_b, ref, workers=2)
    duration = time.monotonic() - started  # how long a run takes, start-up included
    if first != 0 or second.returncode != 0:
        report.problems.append(f"reference builds failed: {first_err[-300:]}")
        return report
    old, new = snapshot(out), snapshot(ref)
    for i in range(kills):
        for name, data in old.items():  # each kill starts from the previous dumps
            (out / name).write_bytes(data)
        delay = rng.uniform(0.05, 0.9 * duration)  # mostly while it works; some at the end
        argv = [sys.executable, str(ROOT / "publish.py"), *build_argv(corpus_b, out)]
        proc = subprocess.Popen(
            [*argv, "--workers", str(1 + i % 2)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        report.kills += 1
        now = snapshot(out)
        journal = any((p / "COMMIT").is_file() for p in out.glob(".fond-staging-*"))
        if now == old:
            report.before_commit += 1
        elif now == new:
            report.after_commit += 1
        elif journal and all(now[n] in (old[n], new[n]) for n in now) and set(now) == set(old):
            report.mid_commit += 1
        else:
            report.problems.append(f"kill {i} after {delay:.2f} s: published files damaged")
    deadline = time.monotonic() + 10
    while _build_processes(str(out)) and time.monotonic() < deadline:
        time.sleep(0.1)
    report.survivors = _build_processes(str(out))
    final = run_subprocess(corpus_b, out, workers=2)
    report.final_exit = final.returncode
    report.final_leftovers = leftovers(out)
    if snapshot(out) != new:
        report.problems.append("the run after the kills did not publish the expected bytes")
    return report


def determinism_runs(tmp: Path, docs: int = 60) -> tuple[list[str], list[str]]:
    """The same corpus written in two orders to two folders, built with different worker
    counts, hash seeds, time zones and locales: returns (differing files, run errors)."""
    a, b = tmp / "det-a" / "corpus", tmp / "det-b" / "a different folder"
    make_corpus(a, docs, seed=9, order="forward")
    make_corpus(b, docs, seed=9, order="reverse")
    for corpus in (a, b):
        hostile_corpus(corpus / "hostile", random.Random(9), 4)
    with ThreadPoolExecutor(2) as pool:  # the two builds at once: they share nothing
        first = pool.submit(
            run_subprocess,
            a,
            tmp / "det-out-1",
            workers=1,
            env={"PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C"},
        )
        second = pool.submit(
            run_subprocess,
            b,
            tmp / "det-out-2",
            workers=2,
            env={"PYTHONHASHSEED": "4242", "TZ": "Asia/Kathmandu", "LC_ALL": "C.UTF-8"},
        )
        runs = [first.result(), second.result()]
    errors = [f"exit {r.returncode}: {(r.stderr or r.stdout)[-300:]}" for r in runs if r.returncode]
    one, two = snapshot(tmp / "det-out-1"), snapshot(tmp / "det-out-2")
    differing = sorted(n for n in set(one) | set(two) if one.get(n) != two.get(n))
    return differing, errors
