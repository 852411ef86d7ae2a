"""I5: an exclusive lock is exclusive on every backend, across processes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from backends.servers import Server
from dbfleet.backends import open_backend
from dbfleet.urls import parse_url

KINDS = ["postgresql", "mysql", "sqlite"]

#: A second process that tries the lock, says whether it got it, and holds it until stdin ends.
CHILD = """
import sys
from dbfleet.backends import open_backend
from dbfleet.urls import parse_url
backend = open_backend(parse_url(sys.argv[1]))
print(backend.try_exclusive(sys.argv[2]), flush=True)
sys.stdin.read()
backend.close()
"""


def _other_process_gets(url: str, key: str) -> bool:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, url, key], input="", capture_output=True, text=True
    )
    assert child.returncode == 0, child.stderr
    return child.stdout.strip() == "True"


@pytest.mark.parametrize("server", KINDS, indirect=True)
def test_two_processes_cannot_both_hold_the_exclusive_lock(server: Server, base: str) -> None:
    url, key = server.url(base), f"dbfleet:test:{base}"
    holder = open_backend(parse_url(url))
    try:
        assert holder.try_exclusive(key)
        assert not _other_process_gets(url, key)
        holder.release_exclusive(key)
        assert _other_process_gets(url, key)
    finally:
        holder.close()


@pytest.mark.parametrize("server", KINDS, indirect=True)
def test_a_shared_holder_keeps_others_from_the_exclusive_lock(server: Server, base: str) -> None:
    url, key = server.url(base), f"dbfleet:test:{base}"
    holder = open_backend(parse_url(url))
    try:
        holder.hold_shared(key)
        assert not _other_process_gets(url, key)
    finally:
        holder.close()
    assert _other_process_gets(url, key)
