"""The database kinds: each registered descriptor is complete, every table read from them maps a
scheme, a driver or a Django engine to exactly one kind, and registering them imports none of
their code."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from servers import Server

from dbfleet.backends import KINDS, Kind, find_kind, kind_of, open_backend, open_dumper
from dbfleet.backends.drivers import ASYNC_ONLY
from dbfleet.django.databases import ENGINES
from dbfleet.errors import ConfigError
from dbfleet.urls import parse_url

SRC = Path(__file__).resolve().parents[2] / "src"


def _driver_names(kind: Kind) -> set[str]:
    """Every ``+driver`` a URL of ``kind`` may carry that its tables know."""
    implied = {name for known in kind.blocking for name in known.implied_by if name}
    return {known.name for known in (*kind.blocking, *kind.asynchronous)} | implied


@pytest.mark.parametrize("kind", KINDS, ids=[kind.name for kind in KINDS])
def test_each_registered_kind_is_described_completely(kind: Kind) -> None:
    assert kind.name in kind.schemes
    assert kind.title
    assert kind.url_hint.startswith(kind.schemes)
    assert kind.name_limit > 0
    # A kind that needs a blocking driver installed says which extra brings one, and exactly
    # one of its blocking drivers is the one a bare scheme means.
    assert bool(kind.blocking) == bool(kind.extra)
    if kind.blocking:
        assert [known for known in kind.blocking if "" in known.implied_by] != []
        assert sum("" in known.implied_by for known in kind.blocking) == 1
    assert all(known.name and known.module and known.package for known in kind.blocking)
    # The async fixtures always have a driver to turn to; one that is not asyncio-only is a
    # blocking driver as well (psycopg 3), and an asyncio driver that implies a blocking one
    # is asyncio-only.
    assert kind.asynchronous
    assert all(known.name and known.module and known.package for known in kind.asynchronous)
    blocking = {known.name for known in kind.blocking}
    for known in kind.asynchronous:
        assert known.name in kind.async_only or known.name in blocking, known.name
    assert kind.async_only <= _driver_names(kind)
    for known in kind.blocking:
        assert {name for name in known.implied_by if name} <= kind.async_only
    assert kind.django_engines
    assert find_kind(kind.django_driver()) is kind
    for factory in (kind.backend, kind.restorer, kind.dumper, kind.pool_url):
        assert callable(factory)


def test_every_scheme_driver_and_engine_maps_to_exactly_one_kind() -> None:
    schemes = Counter(scheme for kind in KINDS for scheme in kind.schemes)
    assert [scheme for scheme, count in schemes.items() if count > 1] == []
    for kind in KINDS:
        for scheme in kind.schemes:
            assert find_kind(scheme) is kind
            for driver in _driver_names(kind):
                assert find_kind(f"{scheme}+{driver}") is kind, f"{scheme}+{driver}"
                assert kind_of(parse_url(f"{scheme}+{driver}:///app_test")) is kind
    # A driver name or module belongs to one kind: psycopg is PostgreSQL's, blocking or not.
    for attribute in ("name", "module"):
        owners: dict[str, set[str]] = {}
        for kind in KINDS:
            for known in (*kind.blocking, *kind.asynchronous):
                owners.setdefault(getattr(known, attribute), set()).add(kind.name)
        assert {key: names for key, names in owners.items() if len(names) > 1} == {}
    engines = Counter(engine for kind in KINDS for engine in kind.django_engines)
    assert [engine for engine, count in engines.items() if count > 1] == []
    assert {engine: kind.name for engine, kind in ENGINES.items()} == {
        engine: kind.name for kind in KINDS for engine in kind.django_engines
    }
    assert frozenset().union(*(kind.async_only for kind in KINDS)) == ASYNC_ONLY


def test_an_unregistered_scheme_is_one_line_listing_every_kind() -> None:
    assert find_kind("oracle+cx_oracle") is None
    with pytest.raises(ConfigError) as raised:
        kind_of(parse_url("oracle://scott@db/app"))
    message = str(raised.value)
    assert "\n" not in message
    assert "unsupported database URL scheme 'oracle'" in message
    for kind in KINDS:
        assert kind.url_hint in message


def test_a_kind_opens_its_backend_and_dumper_on_a_real_server(server: Server, base: str) -> None:
    url = parse_url(server.url(base))
    kind = kind_of(url)
    assert kind.name == server.kind
    backend = open_backend(url)
    try:
        assert backend.name_limit <= kind.name_limit
        assert find_kind(backend.url_for(base)) is kind
        assert open_dumper(backend).tools()
    finally:
        backend.close()


def test_registering_the_kinds_imports_none_of_their_server_code() -> None:
    """Every pytest process imports the registry; the kinds' servers, restorers and drivers
    load only when a URL of that kind is opened."""
    code = (
        "import json, sys, dbfleet.backends\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('dbfleet.backends.'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC), "PATH": ""},
    ).stdout
    kinds = [f"dbfleet.backends.{package}" for package in ("mysql", "postgres", "sqlite")]
    assert json.loads(loaded) == sorted(["dbfleet.backends.base", "dbfleet.backends.kind", *kinds])
