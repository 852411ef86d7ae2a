"""I2: a kill -9 at any step leaves nothing, or only what the next run or ``gc`` removes;
never something that looks valid, never something that blocks the next run."""

from __future__ import annotations

import pytest

from backends.servers import BOTH, PASSES, Server, staging_names
from dbfleet.cli import main
from dbfleet.faults import KILL_AT, STEPS
from support import run

CASES = [
    pytest.param(kind, step, warm, id=f"{kind}-{step}-{'warm' if warm else 'cold'}")
    for kind in PASSES
    for step in STEPS
    if step in PASSES[kind]
    for warm in ((False, True) if step in BOTH else (False,))
]


@pytest.mark.parametrize(("server", "step", "warm"), CASES, indirect=["server"])
def test_a_kill_at_each_step_is_cleaned_up_by_the_next_run_and_gc(
    suite: pytest.Pytester,
    server: Server,
    base: str,
    step: str,
    warm: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if warm:
        run(suite).assert_outcomes(passed=3)
    before = staging_names(server, base)
    monkeypatch.setenv(KILL_AT, step)
    killed = run(suite)
    assert killed.ret == -9, killed.stdout.str()
    left = staging_names(server, base) - before
    monkeypatch.delenv(KILL_AT)
    # Not blocked, and the template it uses is whole: each test reads the migration's seed row.
    run(suite).assert_outcomes(passed=3)
    assert main(["gc", "--url", server.url(base)]) == 0
    remaining = server.names(base)
    assert len(remaining) == 1, remaining
    assert "_tpl_" in remaining.pop()
    assert not left & staging_names(server, base)


@pytest.mark.parametrize("server", ["postgresql", "mysql", "sqlite"], indirect=True)
def test_workers_killed_while_cloning_leave_nothing_behind(
    suite: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(suite).assert_outcomes(passed=3)
    monkeypatch.setenv(KILL_AT, "create:created")
    crashed = run(suite, "-n", "2", "--max-worker-restart=0")
    assert crashed.ret != 0
    monkeypatch.delenv(KILL_AT)
    run(suite, "-n", "2").assert_outcomes(passed=3)
    remaining = server.names(base)
    assert len(remaining) == 1, remaining
