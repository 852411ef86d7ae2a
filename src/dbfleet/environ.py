"""Setting exported variables and putting them back: the one environment swap.

dbfleet exports the worker's URL (``DATABASE_URL`` and friends) into the process environment,
where a conftest or settings module reads it at import time, and must restore what was there
before, so that an in-process pytest (pytester, an IDE) sees the environment it started with.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping


def swap(values: Mapping[str, str], saved: MutableMapping[str, str | None]) -> None:
    """Set ``values``; the first value each name had is kept in ``saved`` (None: unset)."""
    for name, value in values.items():
        saved.setdefault(name, os.environ.get(name))
        os.environ[name] = value


def restore(saved: Mapping[str, str | None]) -> None:
    """Put back what ``swap`` recorded."""
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
