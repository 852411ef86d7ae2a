"""Inner runs on a machine without some drivers: a ``-p`` plugin makes them unimportable.

The plugin sets ``sys.modules[name] = None`` before dbfleet (an entry-point plugin) loads, so
``import name`` raises ImportError as if the package were not installed.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

PLUGIN = """
import os
import sys

for name in filter(None, os.environ.get("BLOCKED_DRIVERS", "").split(",")):
    sys.modules[name] = None
"""


def without(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, modules: Iterable[str]
) -> tuple[str, str]:
    """The arguments that make inner runs of ``pytester`` unable to import ``modules``."""
    (pytester.path / "block_drivers.py").write_text(PLUGIN)
    monkeypatch.setenv("BLOCKED_DRIVERS", ",".join(modules))
    return ("-p", "block_drivers")
