"""``dbfleet demo``'s modes: the example's hand-written set-up against dbfleet's modes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import make_url

from dbfleet.cli import HANDWRITTEN_ENV, demo_modes

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ledger"


@pytest.mark.parametrize(
    ("server", "handwritten"),
    [
        (
            "postgresql+asyncpg://postgres:s3cret@127.0.0.1:5432/ledger_test",
            "ledger_test_handwritten",
        ),
        ("sqlite+aiosqlite:////tmp/ledger.db", "/tmp/ledger_handwritten.db"),
    ],
)
def test_the_demo_compares_the_handwritten_setup_with_dbfleets_modes(
    monkeypatch: pytest.MonkeyPatch, server: str, handwritten: str
) -> None:
    monkeypatch.setenv("DBFLEET_URL", server)
    modes, embedded = demo_modes(EXAMPLE, 2, ["-k", "money"])
    assert embedded is None
    assert [mode.label("2") for mode in modes] == [
        "handwritten",
        "handwritten -n 2",
        "serial",
        "dbfleet -n 2",
        "dist -n 2 --dbfleet-dist",
    ]
    first, parallel = modes[0], modes[1]
    assert first.baseline
    assert parallel.baseline
    assert modes[2].baseline
    assert (first.workers, parallel.workers) == (1, 2)
    assert "-p no:dbfleet" in parallel.command
    assert "-n 2 -k money" in parallel.command
    assert "-n" not in first.command.split()
    # The hand-written set-up gets its own base database on the same server, password kept
    # (it runs without dbfleet, so nothing rewrites the URL for it), and never in the command.
    url = make_url(parallel.env["DATABASE_URL"])
    assert url.database == handwritten
    assert url.drivername == make_url(server).drivername
    assert url.password == make_url(server).password
    assert "s3cret" not in parallel.command + parallel.description
    assert parallel.env[HANDWRITTEN_ENV] == "handwritten"


def test_the_handwritten_setup_refuses_to_run_beside_dbfleet(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        HANDWRITTEN_ENV: "handwritten",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        "DBFLEET_URL": f"sqlite+aiosqlite:///{tmp_path / 'y.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit"],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 4, done.stdout + done.stderr
    assert (
        "LEDGER_TEST_DATABASES=handwritten sets up its own databases: run it with -p no:dbfleet"
        in (done.stderr)
    )
    assert "Traceback" not in done.stderr
