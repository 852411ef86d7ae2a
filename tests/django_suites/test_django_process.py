"""A Django suite gets the frozen heap and the fast exit too (``dbfleet.process``), although
it is provisioned at session start rather than at the initial conftests: same outcomes and exit
status with the options on and off, and interpreter finalization skipped only when on.

Whether finalization ran is seen through a witness in the conftest whose ``__del__`` writes a
file when the interpreter tears its modules down.
"""

from __future__ import annotations

import pytest

from support import FINALIZATION_WITNESS, run, unmeasured

pytestmark = pytest.mark.django


WEAKREF = """
import gc
import weakref

import pytest
from shop.models import Item


@pytest.mark.django_db
def test_an_object_made_in_the_test_dies():
    item = Item(name="short-lived")
    ref = weakref.ref(item)
    cycle = [item]
    cycle.append(cycle)
    del item, cycle
    gc.collect()
    assert ref() is None
"""


@pytest.fixture(autouse=True)
def _unmeasured(monkeypatch: pytest.MonkeyPatch) -> None:
    unmeasured(monkeypatch)


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
@pytest.mark.parametrize("workers", [0, 2], ids=["serial", "n2"])
def test_the_fast_exit_and_the_frozen_heap_keep_a_django_suites_outcomes(
    django_project: pytest.Pytester, workers: int
) -> None:
    django_project.makeconftest(FINALIZATION_WITNESS)
    django_project.makepyfile(test_weakref=WEAKREF)
    args = ["-W", "error", "-p", "no:randomly"] + (["-n", str(workers)] if workers else [])
    seen = {}
    for switch in ("on", "off"):
        for path in django_project.path.glob("finalized-*"):
            path.unlink()
        result = run(
            django_project,
            *args,
            f"--dbfleet-fast-exit={switch}",
            f"--dbfleet-gc-freeze={switch}",
        )
        assert result.ret == 0, "\n".join(result.outlines + result.errlines)
        seen[switch] = result.parseoutcomes()
        finalized = sorted(django_project.path.glob("finalized-*"))
        if switch == "on":
            assert finalized == [], "a Django suite's run finalized although the fast exit was on"
        else:
            assert finalized, "the witness never saw finalization with the fast exit off"
    assert seen["on"] == seen["off"] == {"passed": 11}
