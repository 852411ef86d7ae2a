"""Reliability tests: each module holds one ownership invariant of the README's "Ownership and
safety" on PostgreSQL, MySQL/MariaDB and SQLite, with real processes killed by SIGKILL through
dbfleet's fault-injection point (``dbfleet.faults``). Run them alone with ``pytest -m reliability``.
"""

from __future__ import annotations

import pytest

from backends.servers import Server
from support import seeded_suite


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "reliability" in item.nodeid.split("::")[0]:
            item.add_marker(pytest.mark.reliability)


@pytest.fixture
def suite(
    pytester: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """The seeded three-test project in a strict configuration, as users run it."""
    project = seeded_suite(pytester, server.url(base), monkeypatch)
    project.makeini(
        "[pytest]\ndbfleet_migrate = sql:schema.sql\nfilterwarnings = error\n"
        "asyncio_default_fixture_loop_scope = function\n"
        "addopts = --strict-markers -p no:cacheprovider\n"
    )
    return project
