#!/usr/bin/env python3
"""The project's two entry points, needing nothing but Python 3.10 or newer.

    python3 dev.py demo       # the main job: a demo run on the embedded PostgreSQL
    python3 dev.py test       # lint, type-check, the test suite, and the example on every backend
    python3 dev.py embedded   # only the embedded server's tests (CI runs them on the oldest Python)

Each creates ``.venv`` with the Python that runs it and installs the package into it on first
use, and again whenever pyproject.toml or that Python changes. ``DBFLEET_DEV_VENV`` names another
folder, so that two Pythons can keep a virtualenv each.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / os.environ.get("DBFLEET_DEV_VENV", ".venv")
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"


def _run(*command: str | Path) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    completed = subprocess.run([str(part) for part in command], cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def bootstrap() -> None:
    """Create the virtualenv and install the package with its test extras, once per change."""
    if sys.version_info < (3, 10):  # noqa: UP036 (dev.py runs on whatever python3 is)
        sys.exit(f"dev.py: Python {PYTHON} is too old; pytest-dbfleet needs 3.10 or newer")
    print(f"dev.py: Python {PYTHON} ({sys.executable}) in {VENV.name}/", flush=True)
    stamp = VENV / ".dbfleet-installed"
    wanted = PYTHON + " " + hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    if stamp.exists() and not stamp.read_text().startswith(PYTHON + " "):
        venv.create(VENV, with_pip=True, clear=True)  # made by another Python: start afresh
    elif not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    _run(BIN / "python", "-m", "pip", "install", "-q", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "-q", "-e", ".[test,ledger,library]")
    # Django's MySQL backend needs mysqlclient, which compiles against libmariadb-dev (.ci/run
    # installs it); without it the Django tests and the example skip MySQL, saying so.
    mysqlclient = [str(BIN / "python"), "-m", "pip", "install", "-q", "mysqlclient>=2.2"]
    if subprocess.run(mysqlclient, cwd=ROOT, check=False, capture_output=True).returncode:
        print("dev.py: mysqlclient did not build (no libmariadb-dev?); Django skips MySQL")
    stamp.write_text(wanted)


def demo() -> None:
    results = ROOT / "bench" / "results"
    pages = ["--json", results / "demo.json", "--markdown", results / "demo.md"]
    _run(BIN / "dbfleet", "demo", *pages, "--html", results / "demo.html", *sys.argv[2:])


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _has_mysqlclient() -> bool:
    probe = [str(BIN / "python"), "-c", "import MySQLdb"]
    return subprocess.run(probe, check=False, capture_output=True).returncode == 0


def library_urls() -> dict[str, str]:
    """The servers the Django example runs on: SQLite always, each reachable server besides
    (MySQL only where mysqlclient, which Django's MySQL backend needs, is installed)."""
    urls = {"sqlite": f"sqlite:///{ROOT / '.dbfleet' / 'library_ci.sqlite3'}"}
    if _listening(5432):
        urls["postgresql"] = "postgresql://postgres@127.0.0.1:5432/library_ci"
    if _listening(3306) and _has_mysqlclient():
        urls["mysql"] = "mysql://root@127.0.0.1:3306/library_ci"
    return urls


def example_urls() -> dict[str, str | None]:
    """The servers the example suite runs on: each reachable one, SQLite always, and the
    embedded PostgreSQL (the example's own default) when no PostgreSQL listens."""
    urls: dict[str, str | None] = {
        "sqlite": f"sqlite+aiosqlite:///{ROOT / '.dbfleet' / 'ledger_ci.db'}",
        "postgresql": "postgresql+asyncpg://postgres@127.0.0.1:5432/ledger_ci"
        if _listening(5432)
        else None,
    }
    if _listening(3306):
        urls["mysql"] = "mysql+aiomysql://root@127.0.0.1:3306/ledger_ci"
    return urls


def test() -> None:
    _run(BIN / "ruff", "check", "src", "tests", "bench", "dev.py")
    _run(BIN / "ruff", "format", "--check", "src", "tests", "bench", "dev.py")
    _run(BIN / "mypy")
    # Coverage of src/dbfleet, inner pytest subprocesses included; fail_under in pyproject.toml.
    _run(BIN / "pytest", "-n", "2", "--cov", "--cov-report=term:skip-covered", *sys.argv[2:])
    (ROOT / ".dbfleet").mkdir(exist_ok=True)
    for kind, url in example_urls().items():
        print(f"== examples/ledger on {kind} ({url or 'embedded'})", flush=True)
        env = {k: v for k, v in os.environ.items() if k != "DBFLEET_URL"}
        if url:
            env["DBFLEET_URL"] = url
        # A test that leaks rows under the example's rollback isolation fails the run: that is
        # how a silently unbound app session (every commit real) shows up.
        command = [str(BIN / "pytest"), "-n", "2", "-p", "no:cacheprovider"]
        command.append("--dbfleet-check-leaks=fail")
        completed = subprocess.run(command, cwd=ROOT / "examples" / "ledger", env=env, check=False)
        if completed.returncode != 0:
            sys.exit(completed.returncode)
    # The example's hand-written set-up (tests/handwritten.py), the demo's baseline, without
    # the plugin: it must keep passing, or the demo compares dbfleet with a broken suite.
    print("== examples/ledger, hand-written set-up, on sqlite", flush=True)
    env = {**os.environ, "LEDGER_TEST_DATABASES": "handwritten"}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{ROOT / '.dbfleet' / 'ledger_handwritten.db'}"
    command = [str(BIN / "pytest"), "-n", "2", "-p", "no:cacheprovider", "-p", "no:dbfleet"]
    completed = subprocess.run(command, cwd=ROOT / "examples" / "ledger", env=env, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)

    # The Django example (examples/library), its suite as pytest-django runs it, each worker's
    # test database cloned by dbfleet from a migrated template.
    for kind, url in library_urls().items():
        print(f"== examples/library on {kind}", flush=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DBFLEET_")}
        env["DATABASE_URL"] = url
        command = [str(BIN / "pytest"), "-n", "2"]
        completed = subprocess.run(command, cwd=ROOT / "examples" / "library", env=env, check=False)
        if completed.returncode != 0:
            sys.exit(completed.returncode)


def embedded() -> None:
    _run(BIN / "pytest", "-m", "embedded", *sys.argv[2:])


def main() -> None:
    commands = {"demo": demo, "test": test, "embedded": embedded}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: python3 dev.py {{{','.join(commands)}}} [pytest args]")
    bootstrap()
    commands[sys.argv[1]]()


if __name__ == "__main__":
    main()
