"""The controller's side of warm workers: start the interpreters, point xdist at the launcher.

``WarmPool.start`` runs as soon as dbfleet loads in the controller, before the controller
provisions and imports its own conftests, so that the interpreter's imports overlap with the
controller's start instead of following it; they are done once, for every worker, which each
begins as a fork of it. ``WarmWorkers`` is the plugin: it gives each of
xdist's ``popen`` specs the launcher as its ``python`` (only specs xdist made from ``-n``: one
with its own ``python``, ``via`` or ``chdir`` is left alone), collects the workers' module lists
for the next run, and stops whatever interpreter no worker took.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from dbfleet.warm import modules
from dbfleet.warm.interpreter import FREEZE_ENV
from dbfleet.warm.launch import SOCKET_ENV

#: ``workeroutput`` key of a worker's module list.
OUTPUT_KEY = "dbfleet_warm_modules"
PLUGIN_NAME = "dbfleet-warm-workers"


def available() -> bool:
    """Warm workers need Unix sockets that carry file descriptors."""
    return sys.platform != "win32" and hasattr(socket, "send_fds")


class WarmPool:
    def __init__(self, folder: Path, processes: list[Any]) -> None:
        self.folder = folder
        self.processes = processes

    @property
    def path(self) -> str:
        return str(self.folder / "socket")

    @classmethod
    def start(cls, count: int, rootdir: Path, freeze: bool = False) -> WarmPool:
        folder = Path(tempfile.mkdtemp(prefix="dbfleet-warm-"))  # private: mode 0700
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(folder / "socket"))
        listener.listen(count)
        command = [sys.executable, "-u", *(["-B"] if sys.dont_write_bytecode else [])]
        command += ["-m", "dbfleet.warm.interpreter", str(listener.fileno()), str(folder)]
        command += [str(rootdir), str(count)]
        processes = [
            subprocess.Popen(
                command,
                pass_fds=(listener.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=os.getcwd(),
                env={**os.environ, FREEZE_ENV: "1" if freeze else "0"},
            )
        ]
        # Only the interpreters hold the socket now: once none is left to accept, a launcher's
        # connection is refused at once and it starts its worker cold.
        listener.close()
        return cls(folder, processes)

    def close(self) -> set[str]:
        """Stop the interpreters no launcher took (a worker's has exited by now); returns the
        modules an interpreter found pulling a plugin's package in."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()
        skip = {path.read_text().strip() for path in self.folder.glob("skip-*")}
        shutil.rmtree(self.folder, ignore_errors=True)
        return skip


def launcher() -> str:
    return f"{shlex.quote(sys.executable)} -m dbfleet.warm.launch"


class WarmWorkers:
    """The controller's plugin while a pool is up."""

    def __init__(self, pool: WarmPool, rootdir: Path) -> None:
        self.pool = pool
        self.rootdir = rootdir
        #: The workers' module lists, merged in import order (a dict keeps it).
        self.modules: dict[str, None] = {}

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_setupnodes(self, specs: list[Any]) -> None:
        import execnet

        # Only while the interpreter is up: a launcher with none to take its request would
        # wait its timeout out before starting cold.
        if all(process.poll() is not None for process in self.pool.processes):
            return
        for index, spec in enumerate(specs):
            if spec.popen and not (spec.python or spec.via or spec.chdir):
                warm = execnet.XSpec(f"{spec}//python={launcher()}")
                warm.id = spec.id  # the worker id (gw0 …) xdist allocated for this spec
                specs[index] = warm
        os.environ[SOCKET_ENV] = self.pool.path

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        found = getattr(node, "workeroutput", {}).get(OUTPUT_KEY)
        if isinstance(found, list):
            self.modules.update(dict.fromkeys(str(name) for name in found))

    def pytest_unconfigure(self) -> None:
        os.environ.pop(SOCKET_ENV, None)
        skip = self.pool.close()
        if self.modules or skip:
            names = list(self.modules) or modules.load(self.rootdir)[0]
            modules.save(self.rootdir, names, skip)


class ModuleReport:
    """A worker's plugin: its module list, for the controller to keep."""

    def __init__(self, rootdir: Path) -> None:
        self.rootdir = rootdir

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[OUTPUT_KEY] = modules.preloadable(self.rootdir)
