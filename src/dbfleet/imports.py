"""Which project files a migration's code imports: the part of the fingerprint nobody has to
list by hand.

A ``python:`` builder that calls ``Base.metadata.create_all`` depends on every model module it
imports, and an Alembic ``env.py`` on the models it autogenerates from; a template fingerprinted
on the builder's own file alone goes stale the day a model changes. The imports are read from
the source (no code runs), followed through the project's own modules only (under the project
root, outside virtualenvs), so the closure is known before the template is looked up, on a fresh
CI machine as on a laptop.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

#: Folders that hold installed code, not the project's: never followed.
SKIPPED = frozenset({".venv", "venv", "site-packages", "node_modules", "__pycache__", ".tox"})


def imported_project_files(files: Iterable[Path], rootdir: Path) -> list[Path]:
    """The project's Python files ``files`` import, directly or not (``files`` excluded)."""
    rootdir = rootdir.resolve()
    roots = [rootdir, rootdir / "src"]
    start = {path.resolve() for path in files if path.suffix == ".py"}
    seen: set[Path] = set()
    queue = sorted(start)
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        for found in _imports_of(path, roots):
            if found not in seen and _in_project(found, rootdir):
                queue.append(found)
    return sorted(seen - start)


def _in_project(path: Path, rootdir: Path) -> bool:
    try:
        relative = path.relative_to(rootdir)
    except ValueError:
        return False
    return not SKIPPED.intersection(relative.parts)


def _imports_of(path: Path, roots: list[Path]) -> list[Path]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    found: list[Path] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found += _module_files(alias.name.split("."), roots)
        elif isinstance(node, ast.ImportFrom):
            parts = node.module.split(".") if node.module else []
            if node.level:
                base = path.parent
                for _ in range(node.level - 1):
                    base = base.parent
                bases = [base]
            else:
                bases = roots
            found += _module_files(parts, bases)
            for alias in node.names:  # ``from package import module``
                found += _module_files([*parts, alias.name], bases)
    return found


def _module_files(parts: list[str], bases: list[Path]) -> list[Path]:
    """The files Python runs to import ``parts`` from the first base that has it: each
    package's ``__init__.py`` on the way, then the module."""
    for base in bases:
        files: list[Path] = []
        current = base
        for index, part in enumerate(parts):
            current = current / part
            module = current.with_suffix(".py")
            package = current / "__init__.py"
            if package.is_file():
                files.append(package.resolve())
            elif module.is_file() and index == len(parts) - 1:
                files.append(module.resolve())
            elif not (current.is_dir() and index < len(parts) - 1):  # a namespace package
                break
        else:
            if files or not parts:
                return files
    return []


def project_module_file(name: str, rootdir: Path) -> Path | None:
    """The project's file for the dotted module ``name`` (under the root or ``src/``), if any."""
    files = _module_files(name.split("."), [rootdir, rootdir / "src"])
    return files[-1] if files else None
