"""The project files a migration imports, read from the source: followed through the project,
never into installed code. And dbfleet's own imports, read the same way: they only run downward."""

from __future__ import annotations

import ast
from pathlib import Path

from dbfleet.imports import imported_project_files


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_builder_depends_on_the_models_it_imports_and_theirs(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "build.py": "from app.models import Base\nimport sqlalchemy\n",
            "app/__init__.py": "",
            "app/models/__init__.py": "from .user import User\nfrom . import order\n",
            "app/models/user.py": "from ..base import Base\n",
            "app/models/order.py": "",
            "app/base.py": "import os\n",
            "app/unused.py": "",
            ".venv/lib/site-packages/sqlalchemy/__init__.py": "",
        },
    )
    found = imported_project_files([tmp_path / "build.py"], tmp_path)
    names = sorted(path.relative_to(tmp_path.resolve()).as_posix() for path in found)
    assert names == [
        "app/__init__.py",
        "app/base.py",
        "app/models/__init__.py",
        "app/models/order.py",
        "app/models/user.py",
    ]


def test_a_src_layout_and_a_namespace_package_are_followed(tmp_path: Path) -> None:
    _write(tmp_path, {"env.py": "from svc.db import models\n", "src/svc/db/models.py": ""})
    found = imported_project_files([tmp_path / "env.py"], tmp_path)
    assert found == [(tmp_path / "src/svc/db/models.py").resolve()]


def test_a_file_that_does_not_parse_adds_nothing(tmp_path: Path) -> None:
    _write(tmp_path, {"build.py": "import (\n"})
    assert imported_project_files([tmp_path / "build.py"], tmp_path) == []


# dbfleet's own layering, read from its source the same way.

SRC = Path(__file__).resolve().parents[1] / "src"

#: The folders that hold one feature each: lower modules never import them.
FEATURES = ("audit", "bench", "django", "isolation", "report", "scheduling", "warm")


def _module(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module(path): path for path in sorted((SRC / "dbfleet").rglob("*.py"))}


def _imports(path: Path, known: set[str]) -> set[str]:
    """The dbfleet modules ``path`` imports anywhere in it, function bodies included (the
    package imports lazily); ``from dbfleet import progress`` counts as ``dbfleet.progress``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name in known and name != "dbfleet"}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, set(modules)) for name, path in modules.items()}


def test_no_module_outside_isolation_imports_its_engines_or_drivers() -> None:
    graph = _graph()
    assert "dbfleet.isolation.engines" in graph  # the walk sees the package
    private = {"dbfleet.isolation.engines", "dbfleet.isolation.drivers"}
    importers = {
        name: sorted(imported & private)
        for name, imported in graph.items()
        if imported & private and not name.startswith("dbfleet.isolation")
    }
    assert importers == {}


def test_migrate_imports_only_downward() -> None:
    """The schema builders sit below every feature: they import no feature folder, and nothing
    they import, directly or not, imports them back."""
    graph = _graph()
    assert graph["dbfleet.migrate"]  # the walk sees its imports
    upward = sorted(
        name
        for name in graph["dbfleet.migrate"]
        if name.split(".")[1] in FEATURES or name in ("dbfleet.plugin", "dbfleet.roles")
    )
    assert upward == []
    reached: set[str] = set()
    queue = list(graph["dbfleet.migrate"])
    while queue:
        name = queue.pop()
        if name not in reached:
            reached.add(name)
            queue.extend(graph[name])
    assert "dbfleet.migrate" not in reached
    assert sorted(name for name in reached if name.split(".")[1] in FEATURES) == []


#: The pytest glue and the command (``doctor`` is one of its subcommands) sit on top and wire
#: every feature in; every other module at the package root is a floor below the features.
TOP = ("dbfleet.plugin", "dbfleet.cli", "dbfleet.doctor")

#: Upward imports not moved yet, each with what it reads: a new one fails the test.
NOT_YET: set[tuple[str, str]] = set()


def test_a_root_module_imports_no_feature_folder() -> None:
    """Shared vocabulary (the isolation levels, the run's start time) lives at the root, so
    the modules every layer uses never reach up into a feature for a word."""
    graph = _graph()
    assert "dbfleet.levels" in graph["dbfleet.config"]  # the walk sees the levels at the root
    upward = {
        name: sorted(
            target
            for target in imported
            if target.split(".")[1] in FEATURES and (name, target) not in NOT_YET
        )
        for name, imported in graph.items()
        if name.count(".") == 1 and name not in TOP
    }
    assert {name: found for name, found in upward.items() if found} == {}


def test_the_isolation_levels_and_fixtures_never_import_its_hooks() -> None:
    graph = _graph()
    units = ("dbfleet.isolation.state", "dbfleet.isolation.strategies")
    for name in (*units, "dbfleet.isolation.fixtures"):
        assert "dbfleet.isolation.plugin" not in graph[name], name
    # The hooks re-export the fixtures; the levels know nothing of either.
    assert "dbfleet.isolation.fixtures" in graph["dbfleet.isolation.plugin"]
    for name in units:
        assert "dbfleet.isolation.fixtures" not in graph[name], name
