"""``--dbfleet-dist`` wiring: the group-name side channel exists only for an xdist that does not
send ``group_names`` with a worker's collection."""

from __future__ import annotations

import inspect
from pathlib import Path

from xdist.scheduler.protocol import Scheduling

from dbfleet.scheduling.dispatch import DistController, xdist_sends_group_names
from dbfleet.scheduling.units import Granularity


def test_the_check_reads_the_installed_xdists_protocol() -> None:
    sends = "group_names" in inspect.signature(Scheduling.add_node_collection).parameters
    assert xdist_sends_group_names() is sends


def test_the_side_channel_folder_exists_only_when_xdist_does_not_send_the_names(
    tmp_path: Path,
) -> None:
    controller = DistController(2, tmp_path / "durations.json", Granularity.FILE)
    try:
        assert (controller.directory is None) is xdist_sends_group_names()
        if controller.directory is not None:
            assert controller.directory.is_dir()
    finally:
        controller.pytest_unconfigure()
    assert controller.directory is None or not controller.directory.exists()
