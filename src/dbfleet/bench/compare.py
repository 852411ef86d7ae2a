"""Outcome comparison: any test whose outcome differs from serial's is a race or an order
dependency, and makes the bench fail however fast the mode was."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MISSING = "missing"


@dataclass(frozen=True)
class Difference:
    nodeid: str
    baseline: str
    outcome: str


def differences(baseline: Mapping[str, str], other: Mapping[str, str]) -> list[Difference]:
    """Tests whose outcome differs, including tests that ran in only one of the two."""
    found = []
    for nodeid in sorted(set(baseline) | set(other)):
        expected = baseline.get(nodeid, MISSING)
        actual = other.get(nodeid, MISSING)
        if expected != actual:
            found.append(Difference(nodeid, expected, actual))
    return found
