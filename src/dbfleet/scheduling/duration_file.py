"""The duration store on disk: read, atomically replaced, and updated under a file lock.

Kept apart from the store's algebra (``durations``) so that the scheduler, the shard planner and
the simulations use the model without touching files, and the file rules live in one place.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from filelock import FileLock, Timeout

from dbfleet.jsonfile import make_folder, write_json
from dbfleet.options import DEFAULT_DURATIONS
from dbfleet.scheduling.durations import DurationsError, DurationStore, merge

#: Where the store lives, relative to the project root, unless ``dbfleet_durations`` says.
DEFAULT_PATH = DEFAULT_DURATIONS

#: Seconds to wait for another process's update before giving up; updates take milliseconds.
LOCK_TIMEOUT = 60.0

# filelock logs every acquire and release at DEBUG; with an application's root logger at DEBUG
# those lines printed after the run's summary. Its logger says only what matters (WARNING).
if logging.getLogger("filelock").level == logging.NOTSET:
    logging.getLogger("filelock").setLevel(logging.WARNING)


def load(path: Path = DEFAULT_PATH) -> DurationStore:
    """The store saved at ``path``; an empty one when there is no file yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return DurationStore()
    except OSError as error:
        raise DurationsError(f"cannot read {path}: {error.strerror}") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DurationsError(f"{path} is not JSON ({error}); delete it to start afresh") from error
    if not isinstance(data, dict):
        raise DurationsError(f"{path} is not a durations file; delete it to start afresh")
    return DurationStore.from_json(data)


def save(store: DurationStore, path: Path = DEFAULT_PATH) -> None:
    """Replace the file atomically; use :func:`update` when other processes may write too."""
    write_json(path, store.to_json())


def update(
    path: Path,
    change: Callable[[DurationStore], DurationStore],
    *,
    timeout: float = LOCK_TIMEOUT,
) -> DurationStore:
    """Read, change and write the file under ``path + ".lock"``: safe for parallel processes.

    The lock makes read-change-write one step, so two CI jobs or xdist controllers sharing a
    cache directory never lose each other's results; the write itself is a temp file and
    ``os.replace``, so readers that do not lock still never see half a file.
    """
    try:
        make_folder(path.parent)
        with FileLock(f"{path}.lock", timeout=timeout):
            store = change(load(path))
            save(store, path)
    except OSError as error:
        # A read-only checkout, say: the run itself is fine, only its record is lost.
        raise DurationsError(
            f"cannot record durations in {path} ({error.strerror or error}); the tests' own "
            "outcome stands; set dbfleet_durations to a writable path to record them"
        ) from error
    except Timeout as error:
        raise DurationsError(
            f"another process has held {path}.lock for {timeout:g} s; if no dbfleet run is"
            " active, delete the lock file"
        ) from error
    return store


def merge_into(path: Path, stores: Iterable[DurationStore]) -> DurationStore:
    """Merge ``stores`` (e.g. the CI shards' files) into the file at ``path``, under its lock."""
    incoming = list(stores)
    return update(path, lambda current: merge(current, *incoming))
