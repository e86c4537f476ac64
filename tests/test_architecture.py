"""Data flows one way: corpus -> read -> link -> align -> map. Earlier stages never import
later ones, and the read stage knows nothing of RDF."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["mappings.read", "mappings.link", "mappings.align", "mappings.to_rdf", "fond"]
RDF_LIBRARIES = {"rdflib", "pyoxigraph", "pyshacl", "pyld"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _stage(module: str) -> int | None:
    for i, stage in enumerate(ORDER):
        if module == stage or module.startswith(stage + "."):
            return i
    return None


@pytest.mark.parametrize(
    "path", sorted((ROOT / "mappings").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_no_stage_imports_a_later_one(path: Path) -> None:
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    own = _stage(module)
    if own is None:
        return
    for imported in _imports(path):
        other = _stage(imported)
        assert other is None or other <= own, f"{module} imports {imported}"
        if own == 0:
            assert imported.split(".")[0] not in RDF_LIBRARIES, f"{module} imports {imported}"
