#!/usr/bin/env python3
"""The project's two entry points, needing nothing but Python >= 3.10.

    python3 dev.py demo   # the main job: a demo run on the embedded PostgreSQL
    python3 dev.py test   # lint, type-check, the test suite, and the example on every backend

Both create ``.venv`` and install the package into it on first use (and again whenever
pyproject.toml changes).
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
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _run(*command: str | Path) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    completed = subprocess.run([str(part) for part in command], cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def bootstrap() -> None:
    """Create the virtualenv and install the package with its test extras, once per change."""
    stamp = VENV / ".dbfleet-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    _run(BIN / "python", "-m", "pip", "install", "-q", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "-q", "-e", ".[test,ledger]")
    stamp.write_text(wanted)


def demo() -> None:
    _run(BIN / "dbfleet", "demo")


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


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
    _run(BIN / "pytest", "-n", "2", *sys.argv[2:])
    (ROOT / ".dbfleet").mkdir(exist_ok=True)
    for kind, url in example_urls().items():
        print(f"== examples/ledger on {kind} ({url or 'embedded'})", flush=True)
        env = {k: v for k, v in os.environ.items() if k != "DBFLEET_URL"}
        if url:
            env["DBFLEET_URL"] = url
        command = [str(BIN / "pytest"), "-n", "2", "-p", "no:cacheprovider"]
        completed = subprocess.run(command, cwd=ROOT / "examples" / "ledger", env=env, check=False)
        if completed.returncode != 0:
            sys.exit(completed.returncode)


def main() -> None:
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: python3 dev.py {{{','.join(commands)}}} [pytest args]")
    bootstrap()
    commands[sys.argv[1]]()


if __name__ == "__main__":
    main()
