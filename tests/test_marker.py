from __future__ import annotations

import subprocess
import sys

import pytest

from dbfleet.marker import Marker, Run, process_space


def test_marker_round_trips_and_holds_no_url() -> None:
    marker = Marker.new("worker", "app_test", "ab" * 32, Run.current())
    assert Marker.from_json(marker.to_json()) == marker
    assert "postgresql" not in marker.to_json()


@pytest.mark.parametrize(
    "text", [None, "", "my notes", "[1, 2]", '{"kind": "worker"}', '{"dbfleet": 1, "kind": "x"}']
)
def test_foreign_comments_are_not_markers(text: str | None) -> None:
    assert Marker.from_json(text) is None


def test_owner_of_an_exited_process_is_gone() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    marker = Marker.new(
        "worker", "b", "f", Run("r", Run.current().host, process.pid, process_space())
    )
    assert marker.owner_alive() is False


def test_owner_on_another_host_is_unknowable() -> None:
    assert Marker.new("worker", "b", "f", Run("r", "elsewhere", 1)).owner_alive() is None


def test_owner_in_another_pid_namespace_is_unknowable() -> None:
    run = Run("r", Run.current().host, 1, "another-boot/pid:[1]")
    assert Marker.new("worker", "b", "f", run).owner_alive() is None


def test_this_process_is_alive() -> None:
    assert Marker.new("worker", "b", "f", Run.current()).owner_alive() is True
