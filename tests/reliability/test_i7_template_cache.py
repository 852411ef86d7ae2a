"""I7: a restore from the template cache killed at any step leaves nothing that looks like a
valid template, and the next run passes (restoring again, or building)."""

from __future__ import annotations

import pytest

from backends.servers import RESTORE_STEPS, Server
from dbfleet.backends import open_backend
from dbfleet.cli import main
from dbfleet.faults import KILL_AT
from dbfleet.urls import parse_url
from support import run


def templates(server: Server, base: str) -> list[str]:
    """The databases dbfleet would take as a finished template of ``base``."""
    backend = open_backend(parse_url(server.url(base)))
    try:
        managed = backend.list_managed()
    finally:
        backend.close()
    return [db.name for db in managed if db.marker.base == base and db.marker.kind == "template"]


@pytest.mark.parametrize("server", ["postgresql", "mysql", "sqlite"], indirect=True)
@pytest.mark.parametrize("step", RESTORE_STEPS)
def test_a_kill_while_restoring_leaves_no_valid_looking_template(
    suite: pytest.Pytester,
    server: Server,
    base: str,
    step: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    suite.makeini(
        "[pytest]\ndbfleet_migrate = sql:schema.sql\ndbfleet_template_cache = ci-templates\n"
        "filterwarnings = error\nasyncio_default_fixture_loop_scope = function\n"
        "addopts = --strict-markers -p no:cacheprovider\n"
    )
    run(suite).assert_outcomes(passed=3)
    server.drop_all(base)
    monkeypatch.setenv(KILL_AT, step)
    killed = run(suite)
    assert killed.ret == -9, killed.stdout.str()
    assert templates(server, base) == []
    monkeypatch.delenv(KILL_AT)
    again = run(suite)
    again.assert_outcomes(passed=3)
    again.stdout.fnmatch_lines(["*(restored from cache in*"])
    assert main(["gc", "--url", server.url(base)]) == 0
    remaining = server.names(base)
    assert len(remaining) == 1, remaining
    assert "_tpl_" in remaining.pop()
