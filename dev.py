#!/usr/bin/env python3
"""The project's two entry points, needing nothing but Python >= 3.10.

    python3 dev.py demo   # the main job: a demo run on the embedded PostgreSQL
    python3 dev.py test   # lint, type-check and the test suite

Both create ``.venv`` and install the package into it on first use (and again whenever
pyproject.toml changes).
"""

from __future__ import annotations

import hashlib
import os
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
    _run(BIN / "python", "-m", "pip", "install", "-q", "-e", ".[test]")
    stamp.write_text(wanted)


def demo() -> None:
    _run(BIN / "dbfleet", "demo")


def test() -> None:
    _run(BIN / "ruff", "check", "src", "tests", "dev.py")
    _run(BIN / "ruff", "format", "--check", "src", "tests", "dev.py")
    _run(BIN / "mypy")
    _run(BIN / "pytest", "-n", "2", *sys.argv[2:])


def main() -> None:
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: python3 dev.py {{{','.join(commands)}}} [pytest args]")
    bootstrap()
    commands[sys.argv[1]]()


if __name__ == "__main__":
    main()
