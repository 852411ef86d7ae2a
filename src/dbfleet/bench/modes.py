"""The modes ``dbfleet bench`` compares, each a way teams run a database-backed suite.

dbfleet's own modes (``serial``, ``dbfleet``, ``dist``, and ``naive``, which differs from
``dbfleet`` only in provisioning: every worker runs all migrations) run pytest with the plugin.
A *command* mode runs what a team runs today as it is -- ``--baseline "pytest -n auto"`` with
their own conftest, or the example's hand-written set-up in ``dbfleet demo`` -- and is compared
through JUnit XML. A mode marked ``baseline`` gets a speedup column of its own: a team chooses
between its current set-up and dbfleet, so each dbfleet row says how it does against each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mode:
    name: str
    description: str
    parallel: bool
    provision: str = "clone"
    #: A shell command run as it is (``--baseline``, ``--mode NAME=CMD``): the user's own
    #: "before", with their conftest, compared through JUnit XML.
    command: str = ""
    #: Variables set for this mode's command only (the demo's hand-written set-up).
    env: Mapping[str, str] = field(default_factory=dict)
    #: Speedups are quoted against this mode (the first mode always is one).
    baseline: bool = False
    #: Workers of a command mode, when known (for the efficiency bound); dbfleet modes know.
    workers: int | None = None
    dispatch: bool = False

    def pytest_args(self, workers: str, dist: str) -> list[str]:
        if self.command:
            return []
        args = [f"--dbfleet-provision={self.provision}"]
        if self.parallel:
            args += ["-n", workers]
            args += ["--dbfleet-dist"] if self.dispatch else ["--dist", dist]
        return args

    def label(self, workers: str) -> str:
        if self.command:
            return self.name
        if self.dispatch:
            return f"{self.name} -n {workers} --dbfleet-dist"
        return self.name + (f" -n {workers}" if self.parallel else "")


MODES: dict[str, Mode] = {
    mode.name: mode
    for mode in (
        Mode("serial", "plain pytest with dbfleet, one database", False, baseline=True),
        Mode("naive", "pytest-xdist, every worker migrates its own database", True, "migrate"),
        Mode("dbfleet", "pytest-xdist, every worker clones the template", True),
        Mode(
            "dist",
            "pytest-xdist, dbfleet's duration-aware dispatch (--dbfleet-dist)",
            True,
            dispatch=True,
        ),
    )
}

DEFAULT_MODES = ("serial", "naive", "dbfleet")


def command_mode(
    name: str,
    command: str,
    *,
    env: Mapping[str, str] | None = None,
    workers: int | None = None,
    baseline: bool = True,
) -> Mode:
    return Mode(
        name,
        f"the command: {command}",
        parallel=bool(workers and workers > 1),
        provision="",
        command=command,
        env=dict(env or {}),
        baseline=baseline,
        workers=workers,
    )
