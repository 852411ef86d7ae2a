"""JSON files other processes read while they are written: the run report, the duration store,
shard plans and the files xdist workers leave for their controller.

One writer for all of them, so each is replaced whole (temp file + ``os.replace``) and a reader,
locked or not, never sees half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically (temp file + ``os.replace``) so a reader never sees half a report."""
    make_folder(path.parent)
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}.", delete=False
    ) as handle:
        json.dump(data, handle, indent=1)
        handle.write("\n")
    os.replace(handle.name, path)


#: What dbfleet's own folder in a project says to version control: nothing in here is source.
GITIGNORE = "# Written by pytest-dbfleet: durations, markers and locks of test runs.\n*\n"


def make_folder(path: Path) -> None:
    """Create ``path``; a ``.dbfleet`` folder also gets its own ``.gitignore``, as
    ``.pytest_cache`` does, so that a project never commits run state by accident."""
    path.mkdir(parents=True, exist_ok=True)
    ignore = path / ".gitignore"
    if path.name == ".dbfleet" and not ignore.exists():
        ignore.write_text(GITIGNORE, encoding="utf-8")
