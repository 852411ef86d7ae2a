"""The stray-connection watcher on real SQLite engines: which connections miss a fresh clone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from dbfleet.isolation.strays import StrayConnections, warning_line


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    names = ("app_gw0", "app_gw0_f1", "app_gw0_f2", "other")
    return {name: f"sqlite:///{tmp_path / name}.sqlite3" for name in names}


@pytest.fixture
def watcher(files: dict[str, str]) -> Iterator[StrayConnections]:
    strays = StrayConnections(files["app_gw0"])
    strays.start()
    yield strays
    strays.stop()


def _touch(engine: Engine) -> None:
    with engine.connect():
        pass
    engine.dispose()


def test_a_connection_to_the_worker_database_during_a_fresh_test_counts_once(
    watcher: StrayConnections, files: dict[str, str]
) -> None:
    app = create_engine(files["app_gw0"])
    _touch(app)  # outside a fresh test: the app's business
    watcher.begin(files["app_gw0_f1"])
    _touch(app)
    _touch(app)
    watcher.end()
    assert watcher.tests == 1
    assert watcher.targets == [files["app_gw0"]]
    line = warning_line(watcher.tests, watcher.targets)
    assert line is not None
    assert "for 1 test(s)" in line


def test_the_clone_itself_another_database_and_dbfleets_followers_do_not_count(
    watcher: StrayConnections, files: dict[str, str]
) -> None:
    follower = create_engine(files["app_gw0_f1"])  # dbfleet's engine, URL of an older clone
    watcher.follows(follower)
    watcher.begin(files["app_gw0_f2"])
    _touch(create_engine(files["app_gw0_f2"]))
    _touch(create_engine(files["other"]))
    _touch(follower)
    watcher.end()
    assert watcher.tests == 0
    assert warning_line(watcher.tests, watcher.targets) is None


def test_an_engine_kept_from_an_earlier_clone_counts(
    watcher: StrayConnections, files: dict[str, str]
) -> None:
    stale = create_engine(files["app_gw0_f1"])
    watcher.begin(files["app_gw0_f2"])
    _touch(stale)
    watcher.end()
    assert watcher.tests == 1
