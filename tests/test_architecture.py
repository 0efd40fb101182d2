"""The dependency rules of the layout, checked on the source: organs import only what they may."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("tillit", "store", "classify", "ingest", "dashboard", "rebuttals")
ALLOWED = {
    "store": set(),
    "rebuttals": set(),
    "ingest": {"store"},
    "classify": {"store", "rebuttals"},
    "dashboard": {"store", "rebuttals", "classify"},
    "tillit": {"store", "rebuttals", "classify", "ingest", "dashboard"},
}
FORBIDDEN_LIBS = {
    "classify": {"httpx", "requests", "urllib.request"},
    "dashboard": {"duckdb", "sklearn"},
    "ingest": {"duckdb"},
    "rebuttals": {"duckdb"},
    "tillit": {"duckdb"},
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_follow_the_dependency_direction(package):
    for path in (REPO / package).rglob("*.py"):
        for name in imports(path):
            top = name.split(".")[0]
            if top in PACKAGES and top != package:
                assert top in ALLOWED[package], f"{path.relative_to(REPO)} imports {name}"
            assert name != "tillit.cli", f"{path.relative_to(REPO)} imports the CLI"
            for lib in FORBIDDEN_LIBS.get(package, ()):
                assert not (name == lib or name.startswith(lib + ".")), (
                    f"{path.relative_to(REPO)} imports {name}"
                )


def test_sql_lives_only_in_store():
    for package in PACKAGES:
        if package == "store":
            continue
        for path in (REPO / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for keyword in ("SELECT ", "INSERT INTO", "CREATE TABLE"):
                assert keyword not in text, f"{path.relative_to(REPO)} holds SQL ({keyword})"
