"""Shared fixtures: the seed corpus built once per session, the gazetteer, the shapes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fond.pipeline import BuildOptions, BuildResult, build
from mappings.align.gazetteer import load_gazetteer

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GRAPH = ROOT / "graph"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    """The bundled corpus built into a fresh folder, as `python publish.py` builds it."""
    out = tmp_path_factory.mktemp("graph")
    result = build(
        BuildOptions(corpus=CORPUS, out=out, workers=1, progress=False), log=lambda s: None
    )
    return out, result


@pytest.fixture(scope="session")
def seed_out(seed_build: tuple[Path, BuildResult]) -> Path:
    return seed_build[0]


@pytest.fixture(scope="session")
def gazetteer():  # noqa: ANN201
    return load_gazetteer()


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A writable copy of the seed corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target
