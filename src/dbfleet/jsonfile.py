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
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}.", delete=False
    ) as handle:
        json.dump(data, handle, indent=1)
        handle.write("\n")
    os.replace(handle.name, path)
