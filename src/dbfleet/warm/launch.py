"""The worker's ``python`` under warm workers: hand this process's pipes to a warm interpreter.

xdist starts ``python -m dbfleet.warm.launch -u -c BOOTSTRAP`` instead of ``python -u -c
BOOTSTRAP``. This process connects to the pool's socket (``DBFLEET_WARM_SOCKET``), sends its
arguments, environment and working directory with its stdin, stdout and stderr, and then only
waits: for the interpreter's exit code, which becomes its own, while it forwards the signals it
gets. If no interpreter takes the request in time, or anything about the socket fails, it runs
the worker itself, in this process, exactly as ``python -u -c BOOTSTRAP`` would have.

It imports nothing but the standard library, so starting it costs what starting Python costs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys
from typing import NoReturn

SOCKET_ENV = "DBFLEET_WARM_SOCKET"
#: Seconds to wait for a warm interpreter to take the request before starting cold.
ACCEPT_TIMEOUT = 20.0


def _cold(args: list[str]) -> NoReturn:
    os.execv(sys.executable, [sys.executable, *args])


def _receive_exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the warm interpreter closed the connection")
        data += chunk
    return data


def main(args: list[str]) -> NoReturn:
    path = os.environ.pop(SOCKET_ENV, "")
    if not path or not hasattr(socket, "send_fds"):
        _cold(args)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(ACCEPT_TIMEOUT)
        conn.connect(path)
        request = json.dumps({"args": args, "env": dict(os.environ), "cwd": os.getcwd()})
        payload = request.encode()
        socket.send_fds(conn, [struct.pack("!I", len(payload)) + payload], [0, 1, 2])
        # The interpreter answers with its pid once it has taken the pipes over.
        pid = struct.unpack("!I", _receive_exact(conn, 4))[0]
    except (OSError, ValueError, struct.error):
        conn.close()
        _cold(args)
    conn.settimeout(None)

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    # The pipes now belong to the interpreter: this process must not read from them.
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    try:
        code = struct.unpack("!i", _receive_exact(conn, 4))[0]
        while conn.recv(4096):  # until the interpreter has exited (its atexit work done)
            pass
    except (OSError, struct.error, ConnectionError):
        code = 1  # the interpreter died without a word (killed)
    os._exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
