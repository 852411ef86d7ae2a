"""The dbfleet command through ``main(argv)``, against a real server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

import dbfleet
from dbfleet.cli import main
from dbfleet.marker import Marker, Run
from support import SECRET, create_database, dead_run


@pytest.fixture
def fleet(admin: psycopg.Connection[tuple[object, ...]], base_name: str) -> dict[str, str]:
    """A server holding one database of each situation gc must judge."""
    names = {
        "old_template": f"{base_name}_tpl_old",
        "template": f"{base_name}_tpl_new",
        "dead_worker": f"{base_name}_gw0",
        "live_worker": f"{base_name}_gw1",
        "unmarked": f"{base_name}_mine",
    }
    old = Marker.new("template", base_name, "1" * 64, dead_run())
    create_database(admin, names["old_template"], old)
    new = Marker.new("template", base_name, "2" * 64, dead_run())
    create_database(admin, names["template"], new)
    # Two more templates of other migrations (other branches): three newer than the old one
    # are kept, so the old one is superseded.
    for index in (3, 4):
        names[f"branch_{index}"] = f"{base_name}_tpl_b{index}"
        branch = Marker.new("template", base_name, str(index) * 64, dead_run())
        create_database(admin, names[f"branch_{index}"], branch)
    create_database(
        admin, names["dead_worker"], Marker.new("worker", base_name, "2" * 64, dead_run())
    )
    create_database(
        admin, names["live_worker"], Marker.new("worker", base_name, "2" * 64, Run.current())
    )
    create_database(admin, names["unmarked"], None)
    return names


def test_list_shows_managed_databases_without_the_password(
    fleet: dict[str, str], base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["list", "--url", base_url]) == 0
    out = capsys.readouterr().out
    assert SECRET not in out
    assert "***" in out
    for key in ("old_template", "template", "dead_worker", "live_worker"):
        assert fleet[key] in out
    assert fleet["unmarked"] not in out
    assert any(fleet["dead_worker"] in line and "gone" in line for line in out.splitlines())
    assert any(fleet["live_worker"] in line and "alive" in line for line in out.splitlines())


def test_gc_dry_run_says_what_would_go_and_drops_nothing(
    fleet: dict[str, str],
    base_url: str,
    databases: Callable[[], set[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = databases()
    assert main(["gc", "--dry-run", "--url", base_url]) == 0
    said = capsys.readouterr().out.splitlines()
    assert sorted(line.split()[2] for line in said) == sorted(
        [fleet["old_template"], fleet["dead_worker"]]
    )
    assert all(line.startswith("would drop ") for line in said)
    assert databases() == before


def test_gc_drops_dead_and_superseded_and_never_unmarked_or_live(
    fleet: dict[str, str], base_url: str, databases: Callable[[], set[str]]
) -> None:
    assert main(["gc", "--url", base_url]) == 0
    kept = {fleet["template"], fleet["branch_3"], fleet["branch_4"]}
    assert databases() == {*kept, fleet["live_worker"], fleet["unmarked"]}


def test_url_falls_back_to_the_environment(
    fleet: dict[str, str],
    base_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DBFLEET_URL", base_url)
    assert main(["list"]) == 0
    assert fleet["template"] in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pyproject.toml", '[tool.pytest.ini_options]\ndbfleet_url = "{url}"\n'),
        ("pytest.ini", "[pytest]\ndbfleet_url = {url}\n"),
        ("tox.ini", "[pytest]\ndbfleet_url = {url}\n"),
        ("setup.cfg", "[tool:pytest]\ndbfleet_url = {url}\n"),
    ],
)
def test_url_comes_from_the_pytest_configuration_found_walking_up(
    fleet: dict[str, str],
    base_url: str,
    name: str,
    text: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("DBFLEET_URL", raising=False)
    (tmp_path / name).write_text(text.format(url=base_url))
    # A pyproject.toml without pytest settings on the way is not the configuration.
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "pyproject.toml").write_text("[project]\nname = 'pkg'\n")
    (tmp_path / "pkg" / "tests").mkdir()
    monkeypatch.chdir(tmp_path / "pkg" / "tests")
    assert main(["list"]) == 0
    assert fleet["template"] in capsys.readouterr().out


def test_errors_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--url", f"postgresql://u:{SECRET}@127.0.0.1:1/x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cannot reach PostgreSQL" in err
    assert SECRET not in err


def test_drop_removes_what_dbfleet_made_for_the_base_but_no_live_or_unmarked_database(
    fleet: dict[str, str],
    base_url: str,
    databases: Callable[[], set[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["drop", "--url", base_url]) == 0
    assert fleet["dead_worker"] not in databases()
    assert {fleet["old_template"], fleet["template"]} <= databases()
    assert main(["drop", "--templates", "--url", base_url]) == 0
    left = databases()
    assert fleet["old_template"] not in left
    assert fleet["template"] not in left
    assert {fleet["live_worker"], fleet["unmarked"]} <= left
    assert SECRET not in capsys.readouterr().out


def test_drop_removes_a_real_template_a_run_built(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    base_name: str,
    databases: Callable[[], set[str]],
) -> None:
    from support import run, seeded_suite

    suite = seeded_suite(pytester, base_url, monkeypatch)
    run(suite).assert_outcomes(passed=3)
    (template,) = databases()
    assert template.startswith(f"{base_name}_tpl_")
    assert main(["drop", "--templates", "--dry-run", "--url", base_url]) == 0
    assert databases() == {template}
    assert main(["drop", "--templates", "--url", base_url]) == 0
    assert databases() == set()


def test_the_command_finds_the_server_where_a_pytest_run_would(
    fleet: dict[str, str],
    base_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DBFLEET_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", base_url)
    assert main(["list"]) == 0
    assert fleet["dead_worker"] in capsys.readouterr().out
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("APP_DB", base_url)
    (tmp_path / "pytest.ini").write_text("[pytest]\ndbfleet_url = env:APP_DB\n")
    assert main(["gc", "--dry-run"]) == 0
    assert fleet["dead_worker"] in capsys.readouterr().out
    monkeypatch.delenv("APP_DB")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    assert main(["list"]) == 2
    assert "set DATABASE_URL or DBFLEET_URL" in capsys.readouterr().err


def _dbfleet(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "dbfleet.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def test_version_prints_the_package_version() -> None:
    done = _dbfleet("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"dbfleet {dbfleet.__version__}"


def test_list_shows_this_projects_base_and_all_shows_every_base(
    fleet: dict[str, str],
    admin: psycopg.Connection[tuple[object, ...]],
    base_name: str,
    base_url: str,
) -> None:
    other = f"{base_name}_other_gw0"
    create_database(admin, other, Marker.new("worker", f"{base_name}_other", "3" * 64, dead_run()))
    mine = _dbfleet("list", "--url", base_url)
    assert mine.returncode == 0, mine.stderr
    assert fleet["dead_worker"] in mine.stdout
    assert other not in mine.stdout
    every = _dbfleet("list", "--all", "--url", base_url)
    assert every.returncode == 0, every.stderr
    assert fleet["dead_worker"] in every.stdout
    assert other in every.stdout
    assert SECRET not in mine.stdout + mine.stderr + every.stdout + every.stderr


def test_drop_names_each_kind_once(fleet: dict[str, str], base_url: str) -> None:
    done = _dbfleet("drop", "--templates", "--url", base_url)
    assert done.returncode == 0, done.stderr
    said = done.stdout.splitlines()
    assert f"dropped {fleet['template']} (template: no run uses it)" in said
    assert f"dropped {fleet['dead_worker']} (worker: no live run holds it)" in said
    assert "template: template" not in done.stdout
