"""The peers bench's pure parts (``bench/peers/report.py``) and its probe plugin, offline: the
bench itself installs from PyPI and runs every peer (``python bench/peers/run.py --quick``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from peers import report

PROBE = Path(__file__).resolve().parents[2] / "bench" / "peers" / "probe.py"


def _process(*tests: tuple[str, float, float, str]) -> dict[str, object]:
    return {
        "worker": "gw0",
        "first_ready": 1.0,
        "tests": {n: {"setup": s, "teardown": t, "outcome": o} for n, s, t, o in tests},
    }


def test_percentile_is_a_value_that_occurred() -> None:
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert report.percentile(values, 50) == 3.0
    assert report.percentile(values, 95) == 5.0
    assert report.percentile(values, 0) == 1.0
    assert report.percentile([], 50) is None


def test_isolation_cost_leaves_out_each_process_first_and_last_test() -> None:
    process = _process(
        ("t::a", 9.0, 0.0, "passed"),
        ("t::b", 0.1, 0.2, "passed"),
        ("t::c", 0.3, 0.0, "passed"),
        ("t::d", 0.0, 7.0, "passed"),
    )
    assert report.isolation_costs([process]) == pytest.approx([0.3, 0.3])


def test_outcomes_merge_processes_and_compare_by_test_id() -> None:
    one = report.outcomes([_process(("t::a", 0, 0, "passed")), _process(("t::b", 0, 0, "error"))])
    assert one == {"t::a": "passed", "t::b": "error"}
    assert report.compare(one, dict(one)) == "same"
    assert report.compare(one, {"t::a": "failed", "t::c": "passed"}) == (
        "1 outcomes differ, 1 ids missing, 1 extra ids"
    )
    assert report.counts(one) == {"error": 1, "passed": 1}


def test_a_peer_that_did_not_run_keeps_its_row_with_the_reason() -> None:
    rows = [
        {
            "peer": "dbfleet (rollback)",
            "status": "ran",
            "first_test_serial": 1.234,
            "first_test_n2": None,
            "isolation_p50": 0.0021,
            "isolation_p95": 0.01,
            "wall_serial": 3.0,
            "wall_n2": 2.0,
            "outcomes": "same (200 passed)",
        },
        {"peer": "pytest-pglite", "status": "not run", "reason": "needs Python >= 3.14"},
    ]
    text = report.text_table(rows)
    markdown = report.markdown_table(rows)
    for table in (text, markdown):
        assert "1.23 / -" in table
        assert "2.1 / 10.0" in table
        assert "not run: needs Python >= 3.14" in table
    assert markdown.splitlines()[1].startswith("| --- |")
    assert {len(line.split(" | ")) for line in markdown.splitlines()} == {len(report.COLUMNS)}


def test_probe_writes_each_test_outcome_and_timings(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(probe=PROBE.read_text())
    pytester.makepyfile(
        test_suite="""
        import pytest

        @pytest.fixture
        def broken():
            raise RuntimeError("setup fails")

        def test_ok():
            pass

        def test_fails():
            assert False

        def test_setup_error(broken):
            pass
        """
    )
    out = pytester.mkdir("probe-out")
    monkeypatch.setenv("PEERS_OUT", str(out))
    pytester.runpytest_subprocess("-p", "probe", "-p", "no:cacheprovider")
    written = json.loads((out / "main.json").read_text())
    assert written["first_ready"] is not None
    assert {n.split("::")[1]: t["outcome"] for n, t in written["tests"].items()} == {
        "test_ok": "passed",
        "test_fails": "failed",
        "test_setup_error": "error",
    }
    assert all(t["setup"] >= 0 and t["teardown"] >= 0 for t in written["tests"].values())


def test_a_peer_without_a_distribution_for_this_python_says_which_python_it_needs() -> None:
    from peers import run

    pip_output = (
        "ERROR: Ignored the following versions that require a different python version: "
        "0.1.0 Requires-Python >=3.14; 0.4.1 Requires-Python >=3.14\n"
        "ERROR: Could not find a version that satisfies the requirement x (from versions: none)\n"
        "ERROR: No matching distribution found for x\n"
    )
    assert run._last_error(pip_output) == "its releases (0.1.0 to 0.4.1) require Python >=3.14"
    assert run._last_error("Collecting x\nERROR: No matching distribution found for x\n") == (
        "ERROR: No matching distribution found for x"
    )


def test_every_peer_of_the_brief_has_a_row() -> None:
    from peers import run

    names = " ".join(peer.name for peer in run.PEERS)
    for peer in (
        "dbfleet (rollback)",
        "dbfleet (reset)",
        "pytest-postgresql",
        "py-pglite",
        "pytest-sqlalchemy-alembic",
        "hand-written",
        "pytest-pglite",
    ):
        assert peer in names
