"""Output is byte-identical whatever the number of workers and the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from fond.engines import Engine, Processes
from fond.pipeline import BuildOptions, build
from tests.scale_helpers import mixed_corpus, same_files


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_corpus(tmp_path_factory.mktemp("workers") / "corpus", synthetic=60, seed=11)


@pytest.fixture(scope="module")
def single(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("single")
    result = build(BuildOptions(corpus, out, workers=1, batch_size=5, progress=False))
    assert result.published, result.report_text
    return out


def _square(x: int) -> int:
    return x * x


def test_process_engine_keeps_order_with_a_bounded_window() -> None:
    with Processes(2) as engine:
        assert list(engine.map(_square, iter(range(50)), window=3)) == [x * x for x in range(50)]
    assert list(Engine().map(_square, range(5))) == [0, 1, 4, 9, 16]


def test_two_workers_write_the_same_bytes(corpus: Path, single: Path, tmp_path: Path) -> None:
    result = build(BuildOptions(corpus, tmp_path, workers=2, batch_size=5, progress=False))
    assert result.published
    assert same_files(single, tmp_path) == []


def test_dask_local_cluster_writes_the_same_bytes(
    corpus: Path, single: Path, tmp_path: Path
) -> None:
    pytest.importorskip("distributed", reason="Dask is optional: pip install -e '.[dask]'")
    result = build(
        BuildOptions(corpus, tmp_path, workers=2, batch_size=5, engine="dask", progress=False)
    )
    assert result.published
    assert same_files(single, tmp_path) == []
    assert not list(tmp_path.glob(".fond-staging-*"))  # part files merged and removed
