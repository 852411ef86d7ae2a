"""``--dbfleet-dist`` as plugin objects: the controller hands xdist a :class:`DbfleetScheduling`,
and, on an xdist that does not send ``xdist_group`` names with a worker's collection, each worker
leaves its names in a file the scheduler reads when scheduling starts (see ``xdist.py``)."""

from __future__ import annotations

import inspect
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from dbfleet.errors import DbfleetError
from dbfleet.jsonfile import write_json
from dbfleet.scheduling import duration_file
from dbfleet.scheduling.units import Granularity
from dbfleet.scheduling.xdist import DbfleetScheduling, xdist_groups

#: The ``workerinput`` key naming the file a worker writes its ``xdist_group`` names to.
GROUPS_INPUT = "dbfleet_groups"

#: xdist modes ``--dbfleet-dist`` replaces: every one that runs each test once.
LOAD_MODES = ("load", "loadscope", "loadfile", "loadgroup", "worksteal")


def xdist_sends_group_names() -> bool:
    """Whether the installed xdist passes ``group_names`` to ``add_node_collection`` (its main
    branch does since 2025; 3.8 does not)."""
    try:
        from xdist.scheduler.protocol import Scheduling
    except ImportError:
        return False
    return "group_names" in inspect.signature(Scheduling.add_node_collection).parameters


def granularity(value: str) -> Granularity:
    try:
        return Granularity(value.strip() or "file")
    except ValueError:
        raise DbfleetError(
            f"dbfleet: dbfleet_unit is {value!r}; it must be one of file, class, test"
        ) from None


def check_dist(dist: str) -> None:
    """--dbfleet-dist replaces a mode that runs each test once; ``each`` runs it everywhere."""
    if dist != "no" and dist not in LOAD_MODES:
        raise DbfleetError(
            f"dbfleet: --dbfleet-dist replaces a load-style --dist; it cannot be combined "
            f"with --dist {dist}"
        )


class DistController:
    """In the controller: makes the scheduler from the duration store, and (older xdist) gives
    each worker a file for its group names."""

    def __init__(self, workers: int, store_path: Path, unit: Granularity) -> None:
        self.workers = workers
        self.store_path = store_path
        self.unit = unit
        self.directory: Path | None = None
        if not xdist_sends_group_names():
            self.directory = Path(tempfile.mkdtemp(prefix="dbfleet-groups-"))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> DbfleetScheduling:
        try:
            store = duration_file.load(self.store_path)
        except DbfleetError as error:
            raise pytest.UsageError(str(error)) from None
        directory = self.directory
        return DbfleetScheduling(
            self.workers,
            store,
            self.unit,
            groups=(lambda: _read_groups(directory)) if directory is not None else dict,
            log=log.dbfleetsched,
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self.directory is not None:
            node.workerinput[GROUPS_INPUT] = str(self.directory / f"{node.gateway.id}.json")

    def pytest_unconfigure(self) -> None:
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


class GroupWriter:
    """In a worker of an older xdist: writes which tests carry ``xdist_group`` before the worker
    reports its collection, so the file is complete when scheduling starts."""

    def __init__(self, target: Path) -> None:
        self.target = target

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        write_json(self.target, xdist_groups(items))


def _read_groups(directory: Path) -> dict[str, str]:
    groups: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            groups.update(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return groups
