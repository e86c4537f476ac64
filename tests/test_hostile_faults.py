"""Faults: a build killed at any moment leaves the previous dumps intact and the next run
recovers on its own; an interrupted commit is finished, never left half done; two builds
never write one folder; a bug exits 5 without touching the dumps; the Wikidata client
survives resets and cut-off bodies and never caches half an answer."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from unittest import mock

import pytest

import fond.batch as batch
import fond.engines as engines
import fond.export as export
from fond.reliability.checks import (
    SEARCH_ANSWER,
    SEARCH_ID,
    SEARCH_TERM,
    ScriptedServer,
    build_argv,
    leftovers,
    run_cli,
    snapshot,
    wikidata_scenarios,
)
from fond.reliability.corpus import make_corpus
from fond.reliability.faults import _Died, _dying_replace, interrupted_commits, kill_runs
from fond.wikidata import WikidataClient, WikidataUnavailable


@pytest.mark.slow
def test_killed_builds_leave_the_previous_dumps_and_the_next_run_recovers(tmp_path: Path) -> None:
    """SIGKILL ``publish.py build`` (60 documents, workers 1 and 2) at six random moments
    (fixed seed): after each kill the published files are the previous ones byte for byte
    (or, if the kill came after the commit, the complete new set; if during it, a journal
    the next run finishes); the run after the kills succeeds, publishes the exact new
    bytes, and leaves no temp file and no worker process behind."""
    report = kill_runs(tmp_path, seed=5, kills=6)
    assert report.problems == [], report
    assert report.kills == 6
    assert report.before_commit >= 1, report  # kills that landed while the build worked
    assert report.final_exit == 0, report
    assert report.final_leftovers == [], report
    assert report.survivors == [], report


def test_a_commit_interrupted_before_any_rename_is_finished_by_the_next_run(
    tmp_path: Path,
) -> None:
    tried, problems = interrupted_commits(tmp_path)
    assert tried == 7 and problems == []


def test_a_build_killed_before_its_commit_journal_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "dataset.nt").write_text("old\n")
    staging = export.Staging(out)
    staging.write_text("dataset.nt", "new\n")
    dying = _dying_replace(staging.path, 0, os.replace)
    with mock.patch.object(export.os, "replace", dying), pytest.raises(_Died):
        staging.commit(["dataset.nt"])  # dies renaming the journal into place
    staging._unlock()
    assert (out / "dataset.nt").read_text() == "old\n"
    recovered = export.Staging(out)
    assert any("removed the unfinished build" in line for line in recovered.recovered)
    recovered.discard()
    assert (out / "dataset.nt").read_text() == "old\n" and leftovers(out) == []


def test_stray_temp_files_are_removed_by_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".dataset.nt.abc123.tmp").write_text("half")
    (out / ".fond-staging-dead").mkdir()
    (out / ".fond-staging-dead" / "dataset.nt").write_text("half")
    export.Staging(out).discard()
    assert sorted(p.name for p in out.iterdir()) == []


def test_a_second_build_into_the_same_folder_waits_then_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    make_corpus(corpus, 3, seed=2, extras=False)
    assert run_cli(build_argv(corpus, out, "--workers", "1"))[0] == 0
    before = snapshot(out)
    monkeypatch.setattr(export, "LOCK_WAIT", 0.3)
    holder = export.Staging(out)  # a build in progress
    try:
        code, _, stderr = run_cli(build_argv(corpus, out, "--workers", "1"))
    finally:
        holder.discard()
    assert code == 2 and "another Fond build is writing to this folder" in stderr
    assert snapshot(out) == before
    assert run_cli(build_argv(corpus, out, "--workers", "1"))[0] == 0  # free again


def test_the_lock_is_not_kept_by_forked_workers(tmp_path: Path) -> None:
    out = tmp_path / "out"
    staging = export.Staging(out)
    pid = os.fork()
    if pid == 0:  # a worker: the lock fd was closed at fork, so it holds nothing
        os._exit(0 if not export._held_locks else 1)
    _, status = os.waitpid(pid, 0)
    staging.discard()
    assert os.waitstatus_to_exitcode(status) == 0


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_workers_end_with_the_build() -> None:
    """A killed build must not leave workers computing (PR_SET_PDEATHSIG)."""
    read, write = os.pipe()
    build = os.fork()
    if build == 0:
        worker = os.fork()
        if worker == 0:
            engines._die_with_parent(os.getppid())
            time.sleep(30)
            os._exit(0)
        os.write(write, str(worker).encode())
        time.sleep(30)
        os._exit(0)
    worker = int(os.read(read, 32))
    time.sleep(0.5)  # the worker has started
    assert _alive(worker)
    os.kill(build, signal.SIGKILL)
    os.waitpid(build, 0)
    deadline = time.monotonic() + 5
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = _alive(worker)
    if alive:
        os.kill(worker, signal.SIGKILL)
    assert not alive


def test_a_bug_exits_5_and_keeps_the_previous_dumps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    make_corpus(corpus, 3, seed=2, extras=False)
    assert run_cli(build_argv(corpus, out, "--workers", "1"))[0] == 0
    before = snapshot(out)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(batch, "map_text", broken)
    code, _, stderr = run_cli(build_argv(corpus, out, "--workers", "1"))
    assert code == 5  # not 1, which means "does not conform"
    assert "RuntimeError: simulated bug" in stderr and "internal error" in stderr
    assert snapshot(out) == before and leftovers(out) == []


# ---------------------------------------------------------------------- Wikidata


@pytest.mark.parametrize(
    ("name", "script", "expect"), wikidata_scenarios(), ids=[s[0] for s in wikidata_scenarios()]
)
def test_wikidata_client_survives_faults_and_caches_only_whole_answers(
    tmp_path: Path, name: str, script: list, expect: str
) -> None:
    slept: list[float] = []
    with ScriptedServer(script) as server:
        client = WikidataClient(
            server.url, cache_dir=tmp_path, sleep=slept.append, timeout=(2, 0.3), max_retries=2
        )
        if expect == "answer":
            assert client.search(SEARCH_TERM, max_pages=1)[0]["id"] == SEARCH_ID
        else:
            with pytest.raises(WikidataUnavailable, match="no usable answer after 3 attempts"):
                client.search(SEARCH_TERM, max_pages=1)
    files = list(tmp_path.iterdir())
    assert len(files) == (1 if expect == "answer" else 0)
    for f in files:
        assert json.loads(f.read_bytes())["response"] == json.loads(SEARCH_ANSWER)
    if "Retry-After" in name:
        assert slept == [3.0] if "429" in name else slept == [2.0]
