from __future__ import annotations

from pathlib import Path

import pytest

from dbfleet.config import DEFAULT_EXPORT, Embedded, distributes, opt_in, resolve
from dbfleet.errors import ConfigError

ROOT = Path("/project")


def test_command_line_beats_environment_beats_ini() -> None:
    ini = {"dbfleet_url": "postgresql://ini/a", "dbfleet_migrate": "alembic"}
    env = {"DBFLEET_URL": "postgresql://env/a", "DBFLEET_MIGRATE": "sql:env.sql"}
    cli = {"url": "postgresql://cli/a"}
    assert resolve(cli, env, ini, ROOT).url == "postgresql://cli/a"
    assert resolve({}, env, ini, ROOT).url == "postgresql://env/a"
    assert resolve({}, {}, ini, ROOT).url == "postgresql://ini/a"
    assert resolve({}, env, ini, ROOT).migrate == "sql:env.sql"
    assert resolve({"migrate": "cmd:make db"}, env, ini, ROOT).migrate == "cmd:make db"


def test_no_url_means_inactive() -> None:
    assert not resolve({}, {}, {"dbfleet_url": ""}, ROOT).active


def test_export_defaults_to_database_url() -> None:
    assert resolve({}, {}, {}, ROOT).export == DEFAULT_EXPORT
    assert resolve({}, {}, {"dbfleet_export": ["A", "B"]}, ROOT).export == ("A", "B")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("embedded", Embedded("postgresql", "dbfleet_test")),
        ("embedded+asyncpg", Embedded("postgresql+asyncpg", "dbfleet_test")),
        ("embedded+asyncpg/ledger_test", Embedded("postgresql+asyncpg", "ledger_test")),
    ],
)
def test_embedded_spec_picks_driver_and_base_name(text: str, expected: Embedded) -> None:
    settings = resolve({}, {"DBFLEET_URL": text}, {}, ROOT)
    assert settings.embedded == expected
    assert settings.url is None
    assert settings.active


def test_embedded_flag_beats_a_configured_url() -> None:
    settings = resolve({"embedded": True}, {"DBFLEET_URL": "postgresql://h/a"}, {}, ROOT)
    assert settings.embedded == Embedded()
    assert settings.url is None


@pytest.mark.parametrize(
    ("options", "environ", "expected"),
    [
        ({}, {}, 0),
        ({"numprocesses": 2}, {}, 2),
        ({"numprocesses": 0, "dist": "load"}, {}, 0),
        ({"numprocesses": "auto"}, {"PYTEST_XDIST_AUTO_NUM_WORKERS": "3"}, 3),
        ({"numprocesses": "auto"}, {"PYTEST_XDIST_AUTO_NUM_WORKERS": "0"}, 0),
        ({"numprocesses": "auto", "usepdb": True}, {}, 0),
        ({"numprocesses": 4, "maxprocesses": 2}, {}, 2),
        ({"numprocesses": 2, "collectonly": True}, {}, 0),
        ({"dist": "loadfile", "tx": ["popen"]}, {}, 1),
        ({"dist": "load", "tx": ["3*popen"]}, {}, 3),
        ({"dist": "loadfile", "tx": []}, {}, 0),
        ({"distload": True, "tx": ["popen"]}, {}, 1),
    ],
)
def test_distributes_counts_workers_as_xdist_will(
    options: dict[str, object], environ: dict[str, str], expected: int
) -> None:
    assert distributes(options, environ) == expected


def test_namespace_comes_from_command_line_environment_or_ini() -> None:
    env = {"DBFLEET_NAMESPACE": "env_ns"}
    ini = {"dbfleet_namespace": "ini_ns"}
    assert resolve({"namespace": "cli_ns"}, env, ini, ROOT).namespace == "cli_ns"
    assert resolve({}, env, ini, ROOT).namespace == "env_ns"
    assert resolve({}, {}, ini, ROOT).namespace == "ini_ns"
    assert resolve({}, {}, {}, ROOT).namespace is None


@pytest.mark.parametrize("bad", ["CI", "ci-3", "_ci", "x" * 17, "ci 3"])
def test_a_namespace_that_would_not_fit_every_identifier_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="is not 1-16 lowercase letters"):
        resolve({}, {"DBFLEET_NAMESPACE": bad}, {}, ROOT)


def test_the_url_sources_in_order_end_with_the_exported_variable() -> None:
    env = {"DATABASE_URL": "postgresql://app/a", "APP_DB": "postgresql://named/a"}
    assert resolve({}, env, {}, ROOT).url == "postgresql://app/a"
    assert resolve({}, env, {}, ROOT).url_source == "DATABASE_URL"
    ini = {"dbfleet_url": "env:APP_DB"}
    assert resolve({}, env, ini, ROOT).url == "postgresql://named/a"
    env["DBFLEET_URL"] = "postgresql://env/a"
    assert resolve({}, env, ini, ROOT).url_source == "DBFLEET_URL"
    assert resolve({"url": "postgresql://cli/a"}, env, ini, ROOT).url_source == "--dbfleet-url"


def test_a_variable_dbfleet_itself_exported_is_not_a_source() -> None:
    env = {"DATABASE_URL": "postgresql://h/app_test_gw0"}
    env["DBFLEET_EXPORTED_URL"] = env["DATABASE_URL"]
    assert not resolve({}, env, {}, ROOT).active


def test_env_naming_an_unset_variable_is_one_line() -> None:
    with pytest.raises(ConfigError, match="dbfleet_url = env:NOPE but NOPE is not set"):
        resolve({}, {}, {"dbfleet_url": "env:NOPE"}, ROOT)


def test_the_template_cache_folder_is_relative_to_the_project_and_a_setting_opts_in() -> None:
    ini = {"dbfleet_template_cache": "ini-cache"}
    env = {"DBFLEET_TEMPLATE_CACHE": "env-cache"}
    assert resolve({}, {}, {}, ROOT).template_cache is None
    assert resolve({}, {}, ini, ROOT).template_cache == ROOT / "ini-cache"
    assert resolve({}, env, ini, ROOT).template_cache == ROOT / "env-cache"
    cli = {"template_cache": "/ci/cache"}
    assert resolve(cli, env, ini, ROOT).template_cache == Path("/ci/cache")
    assert opt_in((), (), env, loaded_explicitly=False) == "DBFLEET_TEMPLATE_CACHE"
