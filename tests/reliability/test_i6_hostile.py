"""I6: a migration child that dies says how it died, in one line."""

from __future__ import annotations

import pytest

from backends.servers import Server
from support import run


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    ("migrate", "said"),
    [
        ("cmd:kill -9 $$", "killed by signal 9 (SIGKILL)"),
        ("cmd:exit 3", "exited with status 3 and printed nothing"),
        ("python:silent:build", "exited with status 3 and printed nothing"),
    ],
)
def test_a_migration_child_that_dies_says_how(
    suite: pytest.Pytester, server: Server, base: str, migrate: str, said: str
) -> None:
    (suite.path / "silent.py").write_text("import os\ndef build(url):\n    os._exit(3)\n")
    result = run(suite, f"--dbfleet-migrate={migrate}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1
    assert said in errors[0]
    assert "RuntimeWarning" not in result.stderr.str()
    assert server.names(base) == set()
