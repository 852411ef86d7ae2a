"""The fleet against a real server: concurrent template builds agree on one build."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from dbfleet.backends import open_backend
from dbfleet.fingerprint import fingerprint
from dbfleet.fleet import ensure_template
from dbfleet.marker import Marker, Run
from dbfleet.migrate import parse_migrator
from support import create_database, dead_run

SLOW_MIGRATION = """
import time
from pathlib import Path
import psycopg

def build(url):
    with Path(__file__).with_name("calls.log").open("a") as log:
        log.write("call\\n")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE t (id int)")
        # Hold the build open long enough that the other process arrives mid-build.
        conn.execute("SELECT pg_sleep(1)")
"""


def _build(url: str, root: str, queue: multiprocessing.Queue[tuple[str, bool]]) -> None:
    base_url = make_url(url)
    migrator = parse_migrator("python:slowschema:build", Path(root))
    backend = open_backend(base_url)
    try:
        template = ensure_template(
            backend,
            migrator=migrator,
            fingerprint=fingerprint(
                migrate_spec=migrator.spec,
                sources=migrator.sources(),
                extra_globs=(),
                rootdir=Path(root),
                server_version=backend.server_version(),
            ),
            run=Run.current(),
            environ={"PATH": "/usr/bin:/bin"},
            export=("DATABASE_URL",),
        )
    finally:
        backend.close()
    queue.put((template.name, template.reused))


def test_two_processes_building_one_template_build_it_once(base_url: str, tmp_path: Path) -> None:
    (tmp_path / "slowschema.py").write_text(SLOW_MIGRATION)
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[tuple[str, bool]] = context.Queue()
    processes = [
        context.Process(target=_build, args=(base_url, str(tmp_path), queue)) for _ in range(2)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    results = sorted(queue.get(timeout=5) for _ in processes)
    assert len({name for name, _ in results}) == 1
    assert sorted(reused for _, reused in results) == [False, True]
    assert (tmp_path / "calls.log").read_text().count("call") == 1


def test_backend_lists_only_marked_databases(
    base_url: str, base_name: str, admin: psycopg.Connection[tuple[object, ...]]
) -> None:
    create_database(admin, f"{base_name}_marked", Marker.new("worker", base_name, "", dead_run()))
    create_database(admin, f"{base_name}_mine", None)
    backend = open_backend(make_url(base_url))
    try:
        names = {db.name for db in backend.list_managed()}
    finally:
        backend.close()
    assert f"{base_name}_marked" in names
    assert f"{base_name}_mine" not in names
    assert "postgres" not in names
    assert "template1" not in names
