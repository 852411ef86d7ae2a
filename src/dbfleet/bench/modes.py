"""The modes ``dbfleet bench`` compares, each a way teams run a database-backed suite.

``naive`` is built in rather than left to the user's own conftest so that the comparison is
reproducible: the same naming, cleanup and scheduling as ``dbfleet``, only the provisioning
differs (every worker runs all migrations, as the hand-written conftest does).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mode:
    name: str
    description: str
    parallel: bool
    provision: str
    #: A shell command run as it is (``--baseline``, ``--mode NAME=CMD``): the user's own
    #: "before", with their conftest, compared through JUnit XML.
    command: str = ""

    def pytest_args(self, workers: str, dist: str) -> list[str]:
        if self.command:
            return []
        args = [f"--dbfleet-provision={self.provision}"]
        if self.parallel:
            args += ["-n", workers, "--dist", dist]
        return args


MODES: dict[str, Mode] = {
    mode.name: mode
    for mode in (
        Mode("serial", "plain pytest, one database (the baseline)", False, "clone"),
        Mode("naive", "pytest-xdist, every worker migrates its own database", True, "migrate"),
        Mode("dbfleet", "pytest-xdist, every worker clones the template", True, "clone"),
    )
}

DEFAULT_MODES = tuple(MODES)


def command_mode(name: str, command: str) -> Mode:
    return Mode(name, f"the command: {command}", parallel=False, provision="", command=command)
