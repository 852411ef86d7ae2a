"""Imports go down the floors: shared vocabulary at the package root, features above it.

Read from the source (every import, also inside functions and under ``TYPE_CHECKING``), so a
word the lower modules need never again sits in a folder they must then import upward.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "dbfleet"

#: The feature folders: each may use the root modules, no root module may use them.
FEATURES = ("isolation", "report", "scheduling", "django", "warm", "bench", "audit")

#: The pytest glue and the command sit on top and wire every feature in.
TOP = {"plugin", "cli"}

#: Still reading isolation's driver table, which moves under ``backends/`` (issue 25).
MOVING = {"doctor", "migrate"}


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("dbfleet.")}


def _upward(imported: set[str], folders: tuple[str, ...]) -> list[str]:
    return sorted(
        name for name in imported if any(name.startswith(f"dbfleet.{f}.") for f in folders)
    )


ROOT_MODULES = sorted(path.stem for path in PACKAGE.glob("*.py") if path.stem not in TOP | MOVING)


@pytest.mark.parametrize("module", ROOT_MODULES)
def test_a_root_module_imports_no_feature_folder(module: str) -> None:
    assert _upward(_imported(PACKAGE / f"{module}.py"), FEATURES) == []


def test_the_isolation_levels_are_named_at_the_root() -> None:
    assert (PACKAGE / "levels.py").is_file()
    assert not (PACKAGE / "isolation" / "levels.py").exists()
    assert "dbfleet.levels" in _imported(PACKAGE / "config.py")


def test_the_run_state_keeps_its_start_without_the_report() -> None:
    assert _upward(_imported(PACKAGE / "state.py"), ("report",)) == []


@pytest.mark.parametrize("module", ["state", "strategies", "fixtures"])
def test_the_levels_and_fixtures_never_import_the_isolation_hooks(module: str) -> None:
    imported = _imported(PACKAGE / "isolation" / f"{module}.py")
    assert not {name for name in imported if name.startswith("dbfleet.isolation.plugin")}
