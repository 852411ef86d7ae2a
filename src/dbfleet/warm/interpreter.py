"""A warm interpreter: import the listed modules once, then fork a worker for each launcher.

Started by the controller's pool (``python -u -m dbfleet.warm.interpreter FD FOLDER ROOTDIR N``),
``FD`` being the pool's listening socket, inherited. It imports the list once, then forks a child
for each of the run's ``N`` launchers. It imports each module of the list (a module
that fails to import is skipped: the worker will import it, or fail, as a cold one would), then
takes the launchers' connections: in each forked child, the launcher's pipes become stdin,
stdout and stderr, its environment and working directory become the child's, and the ``-c`` code
xdist gave the launcher runs as ``__main__``, as ``python -u -c`` would run it. The exit code
goes back to the launcher, which exits with it; if the launcher goes away first, so does the
child.
"""

from __future__ import annotations

import builtins
import contextlib
import gc
import json
import os
import signal
import socket
import struct
import sys
import threading
import traceback
import warnings
from pathlib import Path


def preload(names: list[str], skip: set[str], forbidden: set[str]) -> str | None:
    """Import what a previous run's workers imported from outside the project, quietly; stop at
    the first module that pulled in a pytest plugin's package (returned): pytest must import
    that itself, and this interpreter can no longer serve."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in names:
            if name.partition(".")[0] in skip:
                continue
            try:
                __import__(name)
            except BaseException:  # a cold worker meets the same error, and reports it
                continue
            if any(top in sys.modules for top in forbidden):
                return name.partition(".")[0]
    return None


def _receive(conn: socket.socket) -> tuple[dict[str, object], list[int]]:
    message, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 3)
    size = struct.unpack("!I", message[:4])[0]
    payload = message[4:]
    while len(payload) < size:
        chunk = conn.recv(size - len(payload))
        if not chunk:
            raise ConnectionError("the launcher closed the connection")
        payload += chunk
    return json.loads(payload), fds


FINISHED = threading.Event()

#: Set by the pool to "1" when the interpreter should freeze its heap before forking (the
#: same name ``dbfleet.process`` uses; this module imports only the standard library).
FREEZE_ENV = "DBFLEET_GC_FREEZE"


def _watch(conn: socket.socket) -> None:
    """Exit with the launcher: it is the process xdist knows and kills."""
    with contextlib.suppress(OSError):
        conn.recv(1)
    if not FINISHED.is_set():
        os._exit(1)


def serve(conn: socket.socket) -> int:
    """In a forked child: take the launcher's pipes and environment and run its ``-c`` code."""
    request, fds = _receive(conn)
    for target, fd in zip((0, 1, 2), fds, strict=False):
        os.dup2(fd, target)
        os.close(fd)
    args = [str(arg) for arg in request["args"]]  # type: ignore[attr-defined]
    os.chdir(str(request["cwd"]))
    environ = request["env"]
    assert isinstance(environ, dict)
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in environ.items()})
    sys.dont_write_bytecode = "-B" in args[: args.index("-c")]
    sys.argv = ["-c"]
    sys.path[0] = ""  # as ``python -c`` has it: the working directory
    code = args[args.index("-c") + 1]
    conn.sendall(struct.pack("!I", os.getpid()))
    threading.Thread(target=_watch, args=(conn,), daemon=True).start()
    status = 0
    try:
        exec(compile(code, "<string>", "exec"), {"__name__": "__main__", "__builtins__": builtins})
    except SystemExit as done:
        status = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except BaseException:  # reported as `python -c` reports it
        traceback.print_exc()
        status = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    FINISHED.set()
    conn.sendall(struct.pack("!i", status))
    # The socket stays open until this process exits: the launcher waits for that.
    return status


def main(argv: list[str]) -> int:
    from dbfleet.warm import modules

    listener = socket.socket(fileno=int(argv[0]))
    folder, rootdir = Path(argv[1]), Path(argv[2])
    names, skip = modules.load(rootdir)
    # pytest warns about a plugin's package it finds imported, unless the package opts out of
    # assert rewriting, as dbfleet (imported here already) does.
    forbidden = {
        top
        for top in modules.plugin_packages()
        if "PYTEST_DONT_REWRITE" not in (getattr(sys.modules.get(top), "__doc__", None) or "")
    }
    culprit = preload(names, set(skip) | modules.unsafe(), forbidden)
    if culprit is not None:
        # Leave without taking a launcher: with no interpreter left, the launcher's connection
        # is refused and it starts its worker cold; the pool drops the culprit from the list.
        (folder / f"skip-{os.getpid()}").write_text(culprit)
        return 0
    if os.environ.pop(FREEZE_ENV, "") == "1":
        # Before the forks: the children share these pages, and a collection in a child would
        # touch every object's header and copy every page (``dbfleet_gc_freeze``).
        gc.collect()
        gc.freeze()
    return fork_workers(listener, int(argv[3]))


#: Seconds the server waits for the run's launchers before it leaves (a worker xdist starts
#: later, to replace a crashed one, finds the socket closed and starts cold).
WINDOW = 120.0


def fork_workers(listener: socket.socket, count: int) -> int:
    """Fork one child per launcher, each becoming a worker: the imports were done once, here,
    for all of them. A process with a second thread is not forked (a lock another thread holds
    stays locked in the child forever): the launcher is turned away and starts cold."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the children are the launchers' business
    listener.settimeout(WINDOW)
    for _ in range(count):
        try:
            conn, _ = listener.accept()
        except OSError:
            break
        conn.settimeout(None)
        if threading.active_count() > 1:
            conn.close()
            continue
        if os.fork() == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            listener.close()
            return serve(conn)
        conn.close()
    listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
