"""``bench/exit_time.py`` at its smallest: a few objects, two tests, both ends of the switches.

Only the JSON's shape, the exit statuses and the outcomes are checked, never a time.
"""

from __future__ import annotations

import json
from pathlib import Path

import exit_time
import pytest


def test_the_exit_bench_times_every_mode_and_a_failure_exits_1_in_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "exit_time.json"
    argv = ["--objects", "100", "--tests", "2", "--repeat", "1", "--settings", "off,on"]
    code = exit_time.main([*argv, "--with-failure", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    data = json.loads(out.read_text())
    assert data["schema"] == "dbfleet-bench-exit-time/1"
    assert data["problems"] == []
    assert list(data["modes"]) == ["serial", "-n 2", "one file"]
    for mode, by_setting in data["modes"].items():
        assert list(by_setting) == ["off", "on"]
        for row in by_setting.values():
            assert row["exit_status"] == [1], mode
            for key in ("wall", "before_first_test", "tests", "after_last_test"):
                assert row[key] is not None, (mode, key)
    whole = {"failed": 1, "passed": 3, "xfailed": 1}
    assert data["modes"]["serial"]["on"]["outcomes"] == whole
    assert data["modes"]["-n 2"]["off"]["outcomes"] == whole
    assert data["modes"]["one file"]["on"]["outcomes"] == {"failed": 1, "passed": 1, "xfailed": 1}
    assert "| one file | on |" in captured.out
