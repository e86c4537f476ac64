"""Corpora and comparisons shared by test_scale.py and test_workers.py."""

from __future__ import annotations

import shutil
from pathlib import Path

from fond.synth import generate

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "documents"


def mixed_corpus(folder: Path, synthetic: int = 70, seed: int = 5) -> Path:
    """Synthetic documents, the fixtures, the seeds and two bad files, in sub-folders."""
    generate(synthetic, folder, seed)
    (folder / "fixtures").mkdir()
    for path in sorted(FIXTURES.glob("*.txt")):
        shutil.copy(path, folder / "fixtures" / path.name)
    (folder / "seeds").mkdir()
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        shutil.copy(path, folder / "seeds" / path.name)
    (folder / "bad").mkdir()
    (folder / "bad" / "empty.txt").write_bytes(b"\n")
    (folder / "bad" / "latin1.txt").write_bytes(
        "Note de la Direction d'Europe\n\n".encode("cp1252") + b"Ren\xe9\n"
    )
    return folder


def same_files(a: Path, b: Path) -> list[str]:
    """Names of the files that differ between two output folders (all files of ``a``)."""
    names = sorted(p.name for p in a.iterdir() if p.is_file())
    assert names, f"{a} is empty"
    return [
        n for n in names if not (b / n).exists() or (a / n).read_bytes() != (b / n).read_bytes()
    ]
