"""The README's GitHub Actions workflow is what a user copies: it must be a workflow GitHub
accepts, and every ``dbfleet`` command and ``--dbfleet-`` option in it must exist."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from dbfleet.cli import build_parser

README = Path(__file__).resolve().parents[1] / "README.md"


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def _run_lines() -> list[str]:
    """Every shell line of the workflow's ``run:`` steps, folded (``>``) lines joined."""
    lines: list[str] = []
    for block in _yaml_blocks():
        for match in re.finditer(r"run: ([>|]?)\n?((?:.*\n)*?)(?=\s*(?:- |\w+:|$))", block):
            folded, body = match.groups()
            text = " ".join(body.split()) if folded == ">" else body
            lines += [line.strip() for line in text.splitlines() if line.strip()]
    return lines


def test_the_readme_has_a_workflow() -> None:
    assert _yaml_blocks()
    assert any(line.startswith("dbfleet plan") or "dbfleet plan" in line for line in _run_lines())


@pytest.mark.parametrize("index", range(len(_yaml_blocks())))
def test_each_readme_workflow_passes_githubs_schema(tmp_path: Path, index: int) -> None:
    path = tmp_path / "workflow.yml"
    path.write_text(_yaml_blocks()[index], encoding="utf-8")
    schema = ["--builtin-schema", "vendor.github-workflows"]
    checked = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_dbfleet_command_in_the_workflow_parses() -> None:
    commands = []
    for line in _run_lines():
        for found in re.findall(r"(?:^|\$\(|\s)dbfleet ([^)|>#]*)", line):
            words = [w for w in shlex.split(found) if not w.startswith("${{")]
            commands.append(words)
    assert commands
    parser = build_parser()
    for words in commands:
        parser.parse_args(words)  # an unknown command or option exits: the test fails


def test_every_pytest_option_in_the_workflow_exists(pytester: pytest.Pytester) -> None:
    options = {word for line in _run_lines() for word in re.findall(r"--dbfleet-[a-z-]+", line)}
    assert options
    helped = pytester.runpytest_subprocess("--help").stdout.str()
    assert {option for option in options if option not in helped} == set()
