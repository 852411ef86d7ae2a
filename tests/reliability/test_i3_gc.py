"""I3: ``dbfleet gc`` collects only what is provably dead, and only for the base it is given."""

from __future__ import annotations

import pytest

from backends.servers import Server
from dbfleet.backends import open_backend
from dbfleet.cli import main
from dbfleet.fleet import _in_use
from dbfleet.marker import Marker
from dbfleet.urls import parse_url
from support import SCHEMA, dead_run, run

KINDS = ["postgresql", "mysql", "sqlite"]


@pytest.mark.parametrize("server", KINDS, indirect=True)
def test_gc_keeps_a_superseded_template_a_live_run_still_uses(
    suite: pytest.Pytester, server: Server, base: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(suite).assert_outcomes(passed=3)
    (old,) = server.names(base)
    live = open_backend(parse_url(server.url(base)))  # a run still cloning from the old one
    try:
        live.hold_shared(_in_use(old))
        (suite.path / "schema.sql").write_text(SCHEMA + "\nCREATE TABLE extra (id INTEGER);\n")
        run(suite).assert_outcomes(passed=3)
        # Two more templates of other migrations: three newer than the old one are kept.
        for index in (3, 4):
            marker = Marker.new("template", base, str(index) * 64, dead_run())
            server.plant(f"{base}_tpl_b{index}", marker)
        assert main(["gc", "--url", server.url(base)]) == 0
        assert old in server.names(base)
    finally:
        live.close()
    capsys.readouterr()
    assert main(["gc", "--url", server.url(base)]) == 0
    assert f"dropped {old} (template: superseded (3 newer kept)" in capsys.readouterr().out
    assert old not in server.names(base)


@pytest.mark.parametrize("server", ["postgresql", "mysql"], indirect=True)
def test_gc_keeps_a_dead_runs_database_while_someone_is_connected(
    server: Server, base: str, capsys: pytest.CaptureFixture[str]
) -> None:
    leftover = f"{base}_gw7"
    server.plant(leftover, Marker.new("worker", base, "0" * 64, dead_run()))
    with server.connect(leftover):
        assert main(["gc", "--url", server.url(base)]) == 0
        assert leftover in server.names(base)
    assert main(["gc", "--url", server.url(base)]) == 0
    assert leftover not in server.names(base)


@pytest.mark.parametrize("server", KINDS, indirect=True)
def test_gc_acts_on_the_urls_base_unless_told_all_bases(
    server: Server, base: str, capsys: pytest.CaptureFixture[str]
) -> None:
    other = f"{base}x"  # another project's base on the same server
    try:
        server.plant(f"{other}_gw3", Marker.new("worker", other, "0" * 64, dead_run()))
        assert main(["gc", "--url", server.url(base), "--dry-run"]) == 0
        assert f"{other}_gw3" not in capsys.readouterr().out
        assert main(["gc", "--url", server.url(base), "--dry-run", "--all-bases"]) == 0
        assert f"would drop {other}_gw3 (worker: owner pid" in capsys.readouterr().out
        assert f"{other}_gw3" in server.names(other)
    finally:
        server.drop_all(other)
