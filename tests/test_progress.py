"""Progress of long runs: readable in a log file, not a stream of carriage returns."""

from __future__ import annotations

import pytest

from fond.pipeline import Progress


def test_progress_in_a_log_is_plain_lines(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Progress, "LOG_EVERY", 0.0)
    progress = Progress("map", 100, enabled=True)
    for _ in range(4):
        progress.step(25)
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert lines[0].startswith("map: 25/100 (25%)")
    assert lines[-1].startswith("map: 100/100 (100%)")


def test_progress_in_a_log_is_throttled(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress("read", 1000, enabled=True)
    for _ in range(999):
        progress.step()
    assert capsys.readouterr().err == ""  # well under LOG_EVERY seconds: nothing yet
    progress.step()
    assert capsys.readouterr().err.startswith("read: 1,000/1,000 (100%)")


def test_small_runs_and_disabled_progress_are_silent(capsys: pytest.CaptureFixture[str]) -> None:
    for progress in (Progress("map", 10, enabled=True), Progress("map", 500, enabled=False)):
        for _ in range(progress.total):
            progress.step()
    assert capsys.readouterr().err == ""
