"""The project's pytest configuration, read the way pytest finds it, for the ``dbfleet`` command
(which runs outside pytest but must see the same ``dbfleet_url`` and ``dbfleet_migrate``)."""

from __future__ import annotations

import configparser
import sys
from pathlib import Path
from typing import Any

#: pytest's configuration files, in the order pytest looks for them in each directory.
CONFIG_FILES = (
    "pytest.toml",
    ".pytest.toml",
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
)


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pytest itself depends on tomli before 3.11
        import tomli as tomllib
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    return data


def _pytest_options(path: Path) -> dict[str, Any] | None:
    """The pytest options in ``path``; None when the file is not a pytest configuration (a
    ``pyproject.toml`` without ``[tool.pytest]``, a ``tox.ini`` without ``[pytest]``), which
    pytest skips on its way up too."""
    if path.suffix == ".toml":
        document = _read_toml(path)
        dedicated = path.name in ("pytest.toml", ".pytest.toml")
        if dedicated or (path.name != "pyproject.toml" and "pytest" in document):
            table = document.get("pytest", {})
            return table if isinstance(table, dict) else {}
        tool = document.get("tool", {}).get("pytest")
        if not isinstance(tool, dict):
            return None
        # pytest 9's native [tool.pytest] table, or the older [tool.pytest.ini_options].
        native = {key: value for key, value in tool.items() if key != "ini_options"}
        options = native or tool.get("ini_options")
        return options if isinstance(options, dict) else None
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep keys as written
    parser.read(path, encoding="utf-8")
    section = "tool:pytest" if path.name == "setup.cfg" else "pytest"
    if path.name in ("pytest.ini", ".pytest.ini") and not parser.has_section(section):
        return {}  # an empty pytest.ini still is the configuration
    return dict(parser.items(section)) if parser.has_section(section) else None


def find_pytest_config(directory: Path) -> tuple[Path, dict[str, Any]] | None:
    """The project's pytest configuration file and its options, found as pytest finds them:
    the first configuration file walking up from ``directory``."""
    for folder in (directory, *directory.parents):
        for name in CONFIG_FILES:
            path = folder / name
            options = _pytest_options(path) if path.is_file() else None
            if options is not None:
                return path, options
    return None


def read_options(path: Path) -> dict[str, Any]:
    """The pytest options of the configuration file pytest chose (``config.inipath``)."""
    try:
        return _pytest_options(path) or {}
    except (OSError, ValueError, configparser.Error):
        return {}  # pytest read it; whatever it found wrong, it has said
