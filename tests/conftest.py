"""Test-suite setup: the tests run offline, and shared fixtures.

Every test runs with sockets limited to loopback (127.0.0.1, ::1, localhost): a test
server started by the test (pytest-httpserver, oxigraph) works, anything else fails at
once with NetworkBlocked, before a packet or a DNS query leaves the machine. "Fond builds
and tests offline" is thus a tested property, not a hope.

Fixtures: the seed corpus built once per session, the gazetteer, a writable corpus copy.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fond.pipeline import BuildOptions, BuildResult, build
from mappings.align.gazetteer import load_gazetteer

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class NetworkBlocked(OSError):
    """A test tried to reach something other than loopback."""


def is_loopback(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            raise NetworkBlocked(f"network access blocked in tests: {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not is_loopback(host):
            raise NetworkBlocked(f"network access blocked in tests: lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield


# ----------------------------------------------------------------------------- fixtures


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
