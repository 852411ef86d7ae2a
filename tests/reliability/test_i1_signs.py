"""I1: a sign cannot outlive its database, nor be moved onto another one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from backends.servers import Server
from support import run

KINDS = ["postgresql", "mysql", "sqlite"]


@pytest.mark.parametrize("server", KINDS, indirect=True)
def test_a_database_recreated_by_hand_under_a_kept_name_is_the_users(
    suite: pytest.Pytester, server: Server, base: str
) -> None:
    run(suite, "--dbfleet-keep").assert_outcomes(passed=3)
    server.discard(base)  # dbfleet's registry row / marker file stays behind
    server.plant(base, None)
    result = run(suite)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: dbfleet: database {base} exists but was not created*"])
    assert server.precious(base) == [("keep me",)]


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_a_copy_of_another_dbfleet_file_does_not_carry_ownership(
    suite: pytest.Pytester, server: Server, base: str
) -> None:
    run(suite, "--dbfleet-keep").assert_outcomes(passed=3)
    (template,) = (name for name in server.names(base) if "_tpl_" in name)
    server.discard(base)
    folder = Path(str(make_url(server.url(base)).database)).parent
    target = folder / f"{base}.db"
    shutil.copyfile(folder / ".dbfleet" / "sqlite" / f"{template}.db", target)
    result = run(suite)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert target.exists()
