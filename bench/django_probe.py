"""A pytest plugin for ``bench/django_suite.py``: how long each process's ``django_db_setup`` took
and how many migrations it ran, written to ``$DJANGO_BENCH_PROBE/<worker>.json``.

It times the fixture, whoever provides it (pytest-django's ``setup_databases``, or dbfleet's
clone), so both sides are measured by the same clock at the same place, and counts migrations with
the counter dbfleet's own summary uses.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from dbfleet.django.counting import MigrationCounter


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Generator[Any]:
    if fixturedef.argname != "django_db_setup":
        return (yield)
    from django.db.models.signals import pre_migrate

    count = MigrationCounter()
    pre_migrate.connect(count.receive, weak=False)
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        seconds = time.perf_counter() - started
        pre_migrate.disconnect(count.receive)
        folder = os.environ.get("DJANGO_BENCH_PROBE")
        if folder:
            worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
            data = {"seconds": seconds, "migrations": count.applied}
            Path(folder, f"{worker}.json").write_text(json.dumps(data))
