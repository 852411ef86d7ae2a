"""``dbfleet audit-ci`` on fixture workflow folders: the real case (a staging deploy that runs
CI's suite again), push + pull_request duplicates, overlapping shards, a clean set-up, broken
files, and the README's own workflow."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dbfleet.audit.commands import commands_in
from dbfleet.cli import main
from dbfleet.scheduling import duration_file
from dbfleet.scheduling.durations import DurationStore, Measured, Phases

WORKFLOWS = Path(__file__).parent / "workflows"
README = Path(__file__).resolve().parents[2] / "README.md"


def _audit(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["audit-ci", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_the_deploy_that_verifies_again_is_found_with_both_places_and_the_fix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = WORKFLOWS / "deploy_repeats"
    code, lines, err = _audit(capsys, str(folder), "--durations", str(tmp_path / "none.json"))
    assert code == 0
    assert lines == [
        f"{folder}/staging-deploy.yml:14: 'moon run :ci' runs again for every push to main: "
        f"{folder}/ci.yml:21 (workflow 'CI') already runs it for the same commit; fix: delete "
        "this step and let workflow 'Deploy to staging' wait for 'CI' instead: on: "
        "workflow_run: workflows: [CI] types: [completed], with if: "
        "github.event.workflow_run.conclusion == 'success'"
    ]
    assert "1 finding(s) in 2 workflow file(s)" in err
    strict, _, _ = _audit(capsys, str(folder), "--strict")
    assert strict == 1


def test_a_duration_store_prices_the_repeat_in_minutes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store = DurationStore(
        {f"tests/test_{i}.py::test": Measured(Phases(0.0, 36.0, 0.0)) for i in range(10)}
    )
    duration_file.save(store, tmp_path / "durations.json")
    folder = str(WORKFLOWS / "deploy_repeats")
    _, lines, _ = _audit(capsys, folder, "--durations", str(tmp_path / "durations.json"))
    assert "(about 6.0 min of tests per push)" in lines[0]
    code = main(["audit-ci", folder, "--json", "--durations", str(tmp_path / "durations.json")])
    findings = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [(f["kind"], f["line"], f["minutes_per_event"]) for f in findings] == [
        ("repeated-run", 14, 6.0)
    ]
    assert findings[0]["also"] == [f"{folder}/ci.yml:21"]


def test_push_and_pull_request_both_testing_one_commit(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = _audit(capsys, str(WORKFLOWS / "push_and_pr"), "--strict")
    assert code == 1
    assert len(lines) == 1
    assert "push (line 2) and pull_request (line 2) both run the tests of job(s) test" in lines[0]
    assert "fix: limit push to the default branch (push: branches: [main])" in lines[0]


def test_overlapping_and_missing_shards_and_no_fan_in(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["audit-ci", str(WORKFLOWS / "sharded"), "--json"])
    findings = json.loads(capsys.readouterr().out)
    assert code == 0
    seen = {(f["kind"], f["line"]) for f in findings}
    assert seen == {("no-fan-in", 5), ("shard-gap", 8), ("shard-overlap", 8), ("shard-overlap", 19)}
    messages = " | ".join(f["message"] for f in findings)
    assert "shard 2 is run by 2 matrix legs" in messages
    assert "shard(s) 3 of 4 are in no matrix leg" in messages
    assert "'tests/unit' and 'tests/unit/db' overlap" in messages


def test_the_clean_set_up_has_no_finding(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = _audit(capsys, str(WORKFLOWS / "clean"), "--strict")
    assert (code, lines) == (0, [])
    assert "0 finding(s) in 2 workflow file(s)" in err


def test_github_annotations(capsys: pytest.CaptureFixture[str]) -> None:
    folder = WORKFLOWS / "deploy_repeats"
    _, lines, _ = _audit(capsys, str(folder), "--github")
    assert len(lines) == 1
    assert lines[0].startswith(
        f"::warning file={folder}/staging-deploy.yml,line=14::'moon run :ci'"
    )


def test_the_readmes_workflow_audits_clean(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks
    for index, block in enumerate(blocks):
        (tmp_path / f"readme_{index}.yml").write_text(block)
    code, lines, _ = _audit(capsys, str(tmp_path), "--strict")
    assert (code, lines) == (0, [])


def test_a_gate_on_the_event_is_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "ci.yml").write_text(
        "on: [push, pull_request]\n"
        "jobs:\n"
        "  test:\n"
        "    if: github.event_name == 'pull_request'\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: pytest\n"
    )
    code, lines, _ = _audit(capsys, str(tmp_path), "--strict")
    assert (code, lines) == (0, [])


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "holds no .yml or .yaml workflow file"),
        (
            {"a.yml": "jobs:\n  t:\n    runs-on: x\n    steps: [{run: pytest}]\n"},
            "a.yml:1: GitHub would reject this workflow: it has no 'on:'",
        ),
        (
            {"a.yml": "on: push\njobs:\n  t:\n    steps: [{run: pytest}]\n"},
            "a.yml:3: GitHub would reject this workflow: job 't' has neither runs-on: nor uses:",
        ),
        (
            {
                "a.yml": "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: pytest\n        uses: actions/checkout@v4\n"
            },
            "a.yml:6: GitHub would reject this workflow: a step of job 't' needs exactly one of run: or uses:",
        ),
        ({"a.yml": "on: push\njobs: [\n"}, "a.yml:3: not YAML:"),
    ],
    ids=["empty-folder", "no-on", "no-runs-on", "run-and-uses", "not-yaml"],
)
def test_bad_input_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    code, out, err = _audit(capsys, str(tmp_path))
    assert code == 2
    assert out == []
    assert len(err.strip().splitlines()) == 1, err
    assert message in err


def test_a_missing_folder_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _audit(capsys, str(tmp_path / "missing"))
    assert code == 2
    assert (
        err.strip()
        == f"dbfleet: {tmp_path / 'missing'} is not a folder; give the workflows' folder (default .github/workflows)"
    )


def test_the_command_is_clean_under_warnings_as_errors(tmp_path: Path) -> None:
    """As a strict project runs it: ``-W error``, from the project's own folder."""
    done = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-m",
            "dbfleet.cli",
            "audit-ci",
            str(WORKFLOWS / "sharded"),
            "--strict",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == "dbfleet audit-ci: 4 finding(s) in 1 workflow file(s)"


@pytest.mark.parametrize(
    ("script", "keys"),
    [
        ("uv run pytest -n auto --cov=app tests/", ["pytest tests"]),
        ("DATABASE_URL=x python3 -m pytest -q", ["pytest"]),
        ("coverage run -m pytest tests/api && coverage report", ["pytest tests/api"]),
        ("poetry run pytest -m 'not slow' \\\n  --junitxml=out.xml", ["pytest -m not slow"]),
        ("make lint test", ["make lint test"]),
        ("npm run test:unit | tee log", ["npm run test:unit"]),
        ("tox -e py312; nox -s tests", ["tox -e py312", "nox -s tests"]),
        ("moon run :ci  # lint and tests", ["moon run :ci"]),
        ("echo pytest; make build", []),
        ("pytest --dbfleet-shard ${{ matrix.shard }}/4", ["pytest"]),
    ],
)
def test_test_commands_are_read_from_run_scripts(script: str, keys: list[str]) -> None:
    assert [command.key for command in commands_in(script, 1, ())] == keys


def test_another_test_command_by_pattern() -> None:
    found = commands_in("./bin/check-all --fast\n", 7, [r"check-all"])
    assert [(c.key, c.line, c.runner) for c in found] == [("./bin/check-all --fast", 7, "custom")]


def test_a_paths_filter_qualifies_the_repeat(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    job = "jobs:\n  t:\n    runs-on: x\n    steps:\n      - run: pytest tests\n"
    (tmp_path / "a.yml").write_text(
        "on:\n  push:\n    branches: [main]\n    paths: ['src/**']\n" + job
    )
    (tmp_path / "b.yml").write_text("on:\n  push:\n    branches: [main]\n" + job)
    _, lines, _ = _audit(capsys, str(tmp_path))
    assert len(lines) == 1
    assert "(for the changes both workflows' paths filters let through)" in lines[0]


JOB = "jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("on:\n  push:\n    tags: ['v*']\n", "on:\n  push:\n    branches: [main]\n"),
        ("on:\n  push:\n    branches: ['**', '!main']\n", "on:\n  push:\n    branches: [main]\n"),
        ("on:\n  push:\n    branches: ['release/*']\n", "on:\n  push:\n    branches: [main]\n"),
    ],
    ids=["tags-only", "negated-branch", "other-branch"],
)
def test_no_repeat_where_github_would_not_run_both(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, a: str, b: str
) -> None:
    (tmp_path / "a.yml").write_text(a + JOB)
    (tmp_path / "b.yml").write_text(b + JOB)
    code, lines, _ = _audit(capsys, str(tmp_path), "--strict")
    assert (code, lines) == (0, [])


def test_the_same_command_on_another_runner_is_not_a_repeat(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "linux.yml").write_text("on:\n  push:\n    branches: [main]\n" + JOB)
    (tmp_path / "windows.yml").write_text(
        "on:\n  push:\n    branches: [main]\n" + JOB.replace("ubuntu-latest", "windows-latest")
    )
    assert _audit(capsys, str(tmp_path), "--strict")[:2] == (0, [])


def test_a_release_workflows_own_lint_job_is_no_deploy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "release.yml").write_text(
        "name: release\non:\n  push:\n    branches: [main]\njobs:\n"
        "  lint:\n    runs-on: x\n    steps:\n      - run: ruff check .\n"
        "  test:\n    runs-on: x\n    steps:\n      - run: pytest\n"
        "  publish:\n    needs: [test]\n    runs-on: x\n    environment: pypi\n"
        "    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n"
    )
    assert _audit(capsys, str(tmp_path), "--strict")[:2] == (0, [])
    (tmp_path / "release.yml").write_text(
        (tmp_path / "release.yml").read_text().replace("    needs: [test]\n", "")
    )
    _, lines, _ = _audit(capsys, str(tmp_path))
    assert len(lines) == 1
    assert "deploy job 'publish' does not wait for the tests of job(s) test" in lines[0]


def test_a_negated_tag_gate_still_runs_on_branches(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "ci.yml").write_text(
        "on: [push, pull_request]\njobs:\n  t:\n"
        "    if: ${{ !startsWith(github.ref, 'refs/tags/') }}\n"
        "    runs-on: x\n    steps:\n      - run: pytest\n"
    )
    _, lines, _ = _audit(capsys, str(tmp_path))
    assert len(lines) == 1
    assert "both run the tests of job(s) t" in lines[0]


def test_ignored_paths_are_part_of_the_selection() -> None:
    keys = [c.key for c in commands_in("pytest --ignore tests/slow\npytest tests/slow\n", 1, ())]
    assert keys == ["pytest --ignore tests/slow", "pytest tests/slow"]


def test_matrix_include_is_not_taken_for_a_gap(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "ci.yml").write_text(
        "on: [pull_request]\njobs:\n  t:\n    runs-on: x\n    strategy:\n      matrix:\n"
        "        shard: [1, 2]\n        include:\n          - shard: 3\n"
        "    steps:\n      - run: pytest --dbfleet-shard ${{ matrix.shard }}/3\n"
        "  done:\n    needs: [t]\n    runs-on: x\n    steps:\n      - run: 'true'\n"
    )
    assert _audit(capsys, str(tmp_path), "--strict")[:2] == (0, [])


def test_a_folded_run_script_points_at_its_first_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    job = "jobs:\n  t:\n    runs-on: x\n    steps:\n      - run: >-\n          pytest tests\n"
    (tmp_path / "a.yml").write_text("on:\n  push:\n    branches: [main]\n" + job)
    (tmp_path / "b.yml").write_text("on:\n  push:\n    branches: [main]\n" + job)
    _, lines, _ = _audit(capsys, str(tmp_path))
    assert lines[0].startswith(f"{tmp_path}/b.yml:9: 'pytest tests' runs again")


@pytest.mark.parametrize(
    ("args", "text", "message"),
    [
        (
            [],
            "on: push\njobs:\n  t: &a\n    runs-on: x\n    steps: [*a]\n",
            "an alias refers to itself",
        ),
        (["--test-command", "("], JOB, "--test-command '(' is not a regular expression"),
    ],
    ids=["recursive-alias", "bad-pattern"],
)
def test_more_bad_input_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], text: str, message: str
) -> None:
    (tmp_path / "a.yml").write_text(text if text.startswith("on") else "on: push\n" + text)
    code, out, err = _audit(capsys, str(tmp_path), *args)
    assert (code, out) == (2, [])
    assert len(err.strip().splitlines()) == 1, err
    assert message in err


def test_a_job_migrating_a_fresh_database_without_a_template_cache_is_found(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """alembic upgrade, pytest-django, and dbfleet saving to a folder no cache step brings back;
    the job with the cache step is clean."""
    folder = WORKFLOWS / "template_cache"
    code, lines, err = _audit(capsys, str(folder))
    assert code == 0
    step = (
        "add before this step: uses: actions/cache@v4 with: path: {0}, key: "
        "templates-${{{{ runner.os }}}}-${{{{ github.sha }}}}, restore-keys: "
        "templates-${{{{ runner.os }}}}-"
    )
    assert [line.split("; fix: ")[0] for line in lines] == [
        f"{folder}/alembic.yml:17: job 'test' migrates a fresh database (alembic upgrade) in "
        "every run and restores no template cache",
        f"{folder}/django.yml:13: job 'test' migrates a fresh database (pytest-django) in every "
        "run and restores no template cache",
        f"{folder}/wrong_folder.yml:15: job 'test' saves dbfleet templates to ci/templates but "
        "no cache step restores that folder, so every run migrates again",
    ]
    assert step.format(".dbfleet-templates") in lines[0]
    assert "DBFLEET_TEMPLATE_CACHE: .dbfleet-templates" in lines[0]
    assert step.format("ci/templates") in lines[2]
    assert "3 finding(s) in 4 workflow file(s)" in err
