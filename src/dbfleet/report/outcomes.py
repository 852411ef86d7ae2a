"""One outcome per test from its setup, call and teardown reports, as pytest's summary counts.

Pure logic, no pytest import: the bench compares these between modes, so a test whose teardown
fails must read "error" in every mode, however its phases were reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: Every outcome a test can end with, in the order the summary line lists them.
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def phase_outcome(when: str, outcome: str, wasxfail: bool) -> str:
    """The outcome one phase report contributes: ``failed`` outside the call is an error."""
    if wasxfail:
        return "xfailed" if outcome == "skipped" else "xpassed"
    if outcome == "failed" and when != "call":
        return "error"
    return outcome


def combine(phases: Iterable[str]) -> str:
    """The test's outcome: errors beat failures beat the rest; a skip in setup skips the test."""
    seen = list(phases)
    for outcome in ("error", "failed", "xfailed", "xpassed", "skipped"):
        if outcome in seen:
            return outcome
    return "passed"


def count(outcomes: Mapping[str, str]) -> dict[str, int]:
    totals = dict.fromkeys(OUTCOMES, 0)
    for outcome in outcomes.values():
        totals[outcome] += 1
    return totals
