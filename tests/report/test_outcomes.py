from __future__ import annotations

import pytest

from dbfleet.report.outcomes import combine, count, phase_outcome


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        ([("setup", "passed"), ("call", "passed"), ("teardown", "passed")], "passed"),
        ([("setup", "passed"), ("call", "failed"), ("teardown", "passed")], "failed"),
        ([("setup", "failed"), ("teardown", "passed")], "error"),
        ([("setup", "passed"), ("call", "passed"), ("teardown", "failed")], "error"),
        ([("setup", "passed"), ("call", "failed"), ("teardown", "failed")], "error"),
        ([("setup", "skipped"), ("teardown", "passed")], "skipped"),
    ],
)
def test_a_test_outcome_is_what_the_summary_line_counts(
    phases: list[tuple[str, str]], expected: str
) -> None:
    assert combine(phase_outcome(when, outcome, False) for when, outcome in phases) == expected


def test_xfail_and_xpass_are_told_apart() -> None:
    assert phase_outcome("call", "skipped", True) == "xfailed"
    assert phase_outcome("call", "passed", True) == "xpassed"


def test_count_lists_every_outcome() -> None:
    assert count({"a": "passed", "b": "error"}) == {
        "passed": 1,
        "failed": 0,
        "error": 1,
        "skipped": 0,
        "xfailed": 0,
        "xpassed": 0,
    }
