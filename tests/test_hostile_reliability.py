"""The reliability table: ``python publish.py reliability`` runs every hostile case in temp
folders and prints the README's table; every row must be as documented, and the README
must show every row."""

from __future__ import annotations

from pathlib import Path

from fond.reliability import run

README = Path(__file__).resolve().parent.parent / "README.md"


def test_reliability_quick_run_is_as_documented_and_in_the_readme() -> None:
    report = run(quick=True, seed=5)
    failed = [(r.case, r.outcome) for r in report.rows if not r.ok]
    assert failed == []
    section = README.read_text(encoding="utf-8").split("## Reliability", 1)[1]
    table = section.split("\n## ", 1)[0]
    rows = {line.split(" | ")[0][2:] for line in table.splitlines() if line.startswith("| ")}
    missing = [r.case for r in report.rows if r.case not in rows]
    assert missing == [], "README.md, Reliability: run `python publish.py reliability`"
    for full_only in ("killed (SIGKILL) at random moments", "--workers 1 vs 2"):
        assert full_only in table
