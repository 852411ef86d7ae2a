"""What an installed dbfleet tells its users' tools: its types, its licence."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import dbfleet

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_strict_reads_the_installed_package_types(tmp_path: Path) -> None:
    # An environment holding only dbfleet, as a wheel installs it (hatch ships the whole
    # package folder), so mypy meets it as an installed package, not as source on its path.
    env = tmp_path / "env"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    shutil.copytree(
        Path(dbfleet.__file__).parent,
        Path(purelib) / "dbfleet",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    app = tmp_path / "app" / "app.py"
    app.parent.mkdir()
    app.write_text("import dbfleet\n\nprint(dbfleet.__version__)\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--python-executable",
            str(python),
            str(app),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=app.parent,
        env={"PATH": sysconfig.get_path("scripts")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "import-untyped" not in done.stdout


def test_the_licence_file_is_the_one_the_metadata_names() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")
