"""The process around the tests (``dbfleet.process``): the heap frozen after collection and the
exit that skips interpreter finalization. Real inner sessions in strict projects, each compared
with the same run with the option off: same outcomes, exit status, files and coverage.

Whether finalization was skipped is seen through a witness: an object in the conftest whose
``__del__`` writes a file when the interpreter tears its modules down.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from support import FINALIZATION_WITNESS, SECRET, run, unmeasured

INI = """
[pytest]
dbfleet_migrate = sql:schema.sql
filterwarnings = error
xfail_strict = true
asyncio_default_fixture_loop_scope = function
"""


TESTS = """
import pytest

@pytest.mark.parametrize("n", range(4))
def test_passes(n, dbfleet_url):
    assert dbfleet_url

import os

FAILING = os.environ.get("INNER_FAIL") == "1"

def test_may_fail():
    assert not FAILING

@pytest.mark.skip(reason="kept out")
def test_skipped():
    pass
"""


@pytest.fixture(autouse=True)
def _unmeasured(monkeypatch: pytest.MonkeyPatch) -> None:
    unmeasured(monkeypatch)


@pytest.fixture
def strict(project: pytest.Pytester) -> pytest.Pytester:
    project.makeini(INI)
    (project.path / "schema.sql").write_text("CREATE TABLE item (id INTEGER PRIMARY KEY);\n")
    project.makeconftest(FINALIZATION_WITNESS)
    project.makepyfile(test_things=TESTS)
    return project


def _finalized(project: pytest.Pytester) -> list[Path]:
    return sorted(project.path.glob("finalized-*"))


def _clear(project: pytest.Pytester) -> None:
    for path in [*_finalized(project), *project.path.glob("junit-*.xml")]:
        path.unlink()


def _junit(path: Path) -> tuple[dict[str, str], list[tuple[str, str, list[str]]]]:
    """The junit file without what differs between any two runs (times, host, order)."""
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    counts = {key: suite.get(key, "") for key in ("tests", "errors", "failures", "skipped")}
    cases = sorted(
        (case.get("classname", ""), case.get("name", ""), sorted(child.tag for child in case))
        for case in suite.iter("testcase")
    )
    return counts, cases


def _lastfailed(project: pytest.Pytester) -> object:
    path = project.path / ".pytest_cache" / "v" / "cache" / "lastfailed"
    return json.loads(path.read_text()) if path.exists() else None


SCENARIOS = {
    "passed": ((), 0),
    "failed": (("INNER_FAIL",), 1),
    # xdist's controller does not collect: its workers' error makes it "no tests" (5).
    "usage error": (("missing_folder",), 4),
    "no tests": (("-k", "nothing_is_named_this"), 5),
}


@pytest.mark.parametrize("workers", [0, 2], ids=["serial", "n2"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_fast_exit_keeps_outcomes_status_and_files_and_skips_finalization(
    strict: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, scenario: str, workers: int
) -> None:
    extra, status = SCENARIOS[scenario]
    if scenario == "usage error" and workers:
        status = 5
    args = ["-W", "error", "-p", "no:randomly", "-rA"]
    if extra == ("INNER_FAIL",):
        monkeypatch.setenv("INNER_FAIL", "1")
        extra = ()
    args += list(extra) + (["-n", str(workers)] if workers else [])
    seen = {}
    for switch in ("on", "off"):
        _clear(strict)
        cache = strict.path / ".pytest_cache"
        if cache.exists():
            shutil.rmtree(cache)
        result = run(
            strict,
            *args,
            f"--dbfleet-fast-exit={switch}",
            f"--junitxml=junit-{switch}.xml",
            f"--dbfleet-report=report-{switch}.json",
            f"--dbfleet-html=report-{switch}.html",
        )
        assert result.ret == status, "\n".join(result.outlines + result.errlines)
        outcomes = result.parseoutcomes() if scenario != "usage error" else {}
        junit = strict.path / f"junit-{switch}.xml"
        seen[switch] = (
            outcomes,
            _junit(junit) if junit.exists() else None,
            _lastfailed(strict),
            (strict.path / f"report-{switch}.json").exists(),
            (strict.path / f"report-{switch}.html").exists(),
            [line for line in result.errlines if line.startswith("ERROR")],
        )
        finalized = _finalized(strict)
        if switch == "on":
            assert finalized == [], "finalization ran although the fast exit was on"
        else:
            assert finalized, "the witness never saw finalization with the fast exit off"
    assert seen["on"] == seen["off"]
    if status in (0, 1):
        assert seen["on"][1] is not None
        assert seen["on"][3]
        assert seen["on"][4]
    if status == 1:
        assert seen["on"][2] == {"test_things.py::test_may_fail": True}


def test_an_inactive_dbfleet_leaves_the_exit_alone(
    strict: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBFLEET_URL")
    strict.makeini(INI.replace("dbfleet_migrate = sql:schema.sql", ""))
    strict.makepyfile(test_things="def test_plain():\n    pass\n")
    result = run(strict, "-W", "error", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    assert _finalized(strict), "dbfleet skipped finalization in a project that never opted in"


def _signalled(project: pytest.Pytester, switch: str, workers: int) -> tuple[int, str]:
    fifo = project.path / "started.fifo"
    if fifo.exists():
        fifo.unlink()
    os.mkfifo(fifo)
    project.makepyfile(
        test_things=f"""
        import time

        def test_first(dbfleet_url):
            pass

        def test_waits_for_the_signal():
            with open({str(fifo)!r}, "w") as out:
                out.write("started")
            time.sleep(120)  # interrupted by the SIGINT the outer test sends
        """
    )
    command = [sys.executable, "-m", "pytest", "-W", "error", "-p", "no:randomly", "-p"]
    command += ["no:cacheprovider", f"--dbfleet-fast-exit={switch}"]
    command += ["-n", str(workers), "--dist", "loadfile"] if workers else []
    inner = project.popen(command, stdin=subprocess.DEVNULL)
    with open(fifo) as started:
        assert started.read() == "started"
    inner.send_signal(signal.SIGINT)
    out, err = inner.communicate(timeout=120)
    text = out.decode() + err.decode()
    assert SECRET not in text
    return inner.returncode, text


@pytest.mark.parametrize("workers", [0, 2], ids=["serial", "n2"])
def test_ctrl_c_exits_as_interrupted_with_the_fast_exit_on_and_off(
    strict: pytest.Pytester, workers: int
) -> None:
    codes = {}
    for switch in ("on", "off"):
        code, text = _signalled(strict, switch, workers)
        codes[switch] = code
        assert "KeyboardInterrupt" in text, text[-3000:]
    assert codes == {"on": 2, "off": 2}


APP = """
def used(n):
    if n > 1:
        return n * 2
    return n


def unused():
    return "never"
"""

APP_TESTS = """
from app import used

def test_uses_the_app(dbfleet_url):
    assert used(3) == 6

def test_uses_it_again():
    assert used(1) == 1
"""


COVERAGE_RUN = (sys.executable, "-m", "coverage", "run", "--source=.", "-m", "pytest")
#: Strict, and nothing left behind that another run would read.
QUIET = ("-W", "error", "-p", "no:randomly", "-p", "no:cacheprovider")


def _lines(path: Path) -> dict[str, list[int]]:
    from coverage import CoverageData

    data = CoverageData(basename=str(path))
    data.read()
    return {Path(name).name: sorted(data.lines(name) or []) for name in data.measured_files()}


@pytest.fixture
def covered(strict: pytest.Pytester) -> pytest.Pytester:
    strict.makepyfile(app=APP, test_things=APP_TESTS)
    return strict


def test_pytest_cov_under_xdist_measures_the_same_lines_with_the_fast_exit(
    covered: pytest.Pytester,
) -> None:
    measured = {}
    for switch in ("on", "off"):
        _clear(covered)
        result = run(
            covered,
            "-W",
            "error",
            "-p",
            "no:randomly",
            "-n",
            "2",
            "--cov=.",
            "--cov-report=",
            f"--dbfleet-fast-exit={switch}",
        )
        result.assert_outcomes(passed=2)
        assert bool(_finalized(covered)) == (switch == "off")
        measured[switch] = _lines(covered.path / ".coverage")
        (covered.path / ".coverage").unlink()
    assert measured["on"] == measured["off"]
    assert measured["on"]["app.py"] == [1, 2, 3, 4, 7]


def test_coverage_run_measures_the_same_lines_with_the_fast_exit(
    covered: pytest.Pytester,
) -> None:
    measured = {}
    for switch in ("on", "off"):
        _clear(covered)
        done = subprocess.run(
            [*COVERAGE_RUN, *QUIET, f"--dbfleet-fast-exit={switch}"],
            cwd=covered.path,
            capture_output=True,
            text=True,
            check=False,
            timeout=180,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert SECRET not in done.stdout + done.stderr
        assert bool(_finalized(covered)) == (switch == "off")
        measured[switch] = _lines(covered.path / ".coverage")
        (covered.path / ".coverage").unlink()
    assert measured["on"] == measured["off"]
    assert measured["on"]["app.py"] == [1, 2, 3, 4, 7]


FROZEN_TESTS = """
import gc
import json
import os
import weakref


class Node:
    pass


def test_an_object_made_in_the_test_dies(dbfleet_url):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "serial")
    with open(f"frozen-{worker}.json", "w") as out:
        json.dump(gc.get_freeze_count(), out)
    node = Node()
    node.cycle = node
    ref = weakref.ref(node)
    del node
    gc.collect()
    assert ref() is None
"""


@pytest.mark.parametrize("workers", [0, 2], ids=["serial", "n2"])
def test_the_heap_is_frozen_and_what_a_test_makes_is_still_collected(
    strict: pytest.Pytester, workers: int
) -> None:
    strict.makepyfile(test_things=FROZEN_TESTS)
    n = ["-n", str(workers)] if workers else []
    for switch in ("on", "off"):
        for path in strict.path.glob("frozen-*.json"):
            path.unlink()
        result = run(
            strict, "-W", "error", "-p", "no:randomly", *n, f"--dbfleet-gc-freeze={switch}"
        )
        result.assert_outcomes(passed=1)
        (counted,) = strict.path.glob("frozen-*.json")
        frozen = json.loads(counted.read_text())
        assert frozen > 0 if switch == "on" else frozen == 0


def test_piped_output_is_complete_with_the_fast_exit(strict: pytest.Pytester) -> None:
    strict.makepyfile(
        test_things="""
        def test_prints_a_lot(dbfleet_url):
            for n in range(20000):
                print(f"line {n:05d}")
        """
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-s", *QUIET],
        cwd=strict.path,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    printed = re.findall(r"line \d{5}", done.stdout)  # the first shares the progress line
    assert printed == [f"line {n:05d}" for n in range(20000)]
    assert done.stdout.rstrip().splitlines()[-1].startswith("=")
    assert "1 passed" in done.stdout.rstrip().splitlines()[-1]
    assert not _finalized(strict)


def test_pytest_main_called_by_a_program_returns_to_it(strict: pytest.Pytester) -> None:
    """pytest used as a library: the program goes on after ``pytest.main`` and exits with its
    own status, never with the session's."""
    strict.makepyfile(
        runner="""
        import sys
        import pytest

        code = pytest.main(["-W", "error", "-p", "no:randomly", "-p", "no:cacheprovider"])
        print("after pytest.main:", int(code))
        sys.exit(7)
        """
    )
    done = subprocess.run(
        [sys.executable, "runner.py"],
        cwd=strict.path,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert "after pytest.main: 0" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 7
    assert _finalized(strict)


NESTING = """
import os

import pytest

pytest_plugins = ["pytester"]


def test_an_in_process_run_returns_its_status(pytester, monkeypatch):
    monkeypatch.setenv("DBFLEET_URL", os.environ["NESTED_URL"])
    pytester.makeini(
        "[pytest]\\ndbfleet_migrate = sql:schema.sql\\n"
        "asyncio_default_fixture_loop_scope = function\\n"
    )
    (pytester.path / "schema.sql").write_text("CREATE TABLE item (id INTEGER PRIMARY KEY);")
    pytester.makepyfile("def test_fails(dbfleet_url):\\n    assert not dbfleet_url\\n")
    result = pytester.runpytest_inprocess("-p", "no:randomly", "--dbfleet-fast-exit=on")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["dbfleet: *", "*1 failed*"])
"""


def test_an_in_process_pytester_run_never_ends_the_process(
    strict: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outer run (dbfleet not opted in) goes on after pytester's in-process session, whose
    status (1) must not become the process's (0)."""
    monkeypatch.setenv("NESTED_URL", os.environ["DBFLEET_URL"])
    monkeypatch.delenv("DBFLEET_URL")
    strict.makeini(INI.replace("dbfleet_migrate = sql:schema.sql", ""))
    strict.makeconftest("")
    strict.makepyfile(test_things=NESTING)
    # -s: with fd 1 captured while the test ran, the armed exit would stand down by itself.
    result = run(strict, "-s", "-W", "error", "-p", "no:randomly")
    result.assert_outcomes(passed=1, warnings=0)
    assert result.ret == 0
