"""The restorers against real servers: what changed is found, whoever wrote it, and only that is
put back — rows, references and counters."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from inner_projects import SCHEMAS
from sqlalchemy import text
from sqlalchemy.engine import Engine

from backends.servers import Server
from dbfleet.backends import Changes, Restorer, open_backend, open_restorer
from dbfleet.backends.postgres import restore as postgres
from dbfleet.errors import DbfleetError
from dbfleet.isolation.engines import sync_engine
from dbfleet.marker import Marker, Run
from dbfleet.urls import connectable, parse_url


@pytest.fixture
def database(server: Server, base: str) -> str:
    """A marked database holding the schema and seed rows; its URL."""
    backend = open_backend(parse_url(server.url(base)))
    try:
        name = f"{base}_restore"
        backend.create_empty(name, Marker.new("worker", base, "", Run.current()))
        backend.run_sql(name, SCHEMAS[server.kind])
        return connectable(backend.url_for(name))
    finally:
        backend.close()


@pytest.fixture
def restorer(database: str) -> Iterator[Restorer]:
    restorer = open_restorer(database)
    restorer.capture()
    yield restorer
    restorer.close()


@pytest.fixture
def engine(database: str) -> Iterator[Engine]:
    """The application's own engine: another connection than the restorer's."""
    engine = sync_engine(database)
    yield engine
    engine.dispose()


def _contents(engine: Engine) -> tuple[list[object], list[object]]:
    with engine.connect() as conn:
        items = conn.execute(text("SELECT id, name FROM item ORDER BY id")).all()
        tags = conn.execute(text("SELECT id, item_id, label FROM tag ORDER BY id")).all()
    return [tuple(row) for row in items], [tuple(row) for row in tags]


def _next_id(engine: Engine) -> int:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO item (name) VALUES ('probe')"))
        return int(conn.execute(text("SELECT max(id) FROM item")).scalar_one())


TEMPLATE = ([(1, "seed-1"), (2, "seed-2")], [(1, 1, "first")])


def test_an_untouched_database_needs_no_restore(restorer: Restorer, engine: Engine) -> None:
    assert _contents(engine) == TEMPLATE
    assert not restorer.changes()
    assert restorer.counts() == {"item": 2, "tag": 1}


def test_commits_of_another_connection_are_found_and_undone(
    restorer: Restorer, engine: Engine
) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO item (name) VALUES ('new')"))
        conn.execute(text("UPDATE item SET name = 'renamed' WHERE id = 2"))
        conn.execute(text("INSERT INTO tag (item_id, label) VALUES (3, 'second')"))
    changes = restorer.changes()
    assert changes.tables == {"item", "tag"}
    restored = restorer.restore(changes)
    assert set(restored.tables) == {"item", "tag"}
    assert _contents(engine) == TEMPLATE
    assert not restorer.changes()
    assert _next_id(engine) == 3


def test_an_update_that_keeps_the_row_count_is_found(restorer: Restorer, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE tag SET label = 'changed'"))
    assert restorer.changes().tables == {"tag"}
    restorer.restore(restorer.changes())
    assert _contents(engine) == TEMPLATE


def test_a_counter_moved_by_a_rolled_back_insert_is_set_back(
    restorer: Restorer, engine: Engine
) -> None:
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO item (name) VALUES ('rolled back')"))
        conn.rollback()
    restorer.restore(restorer.changes())
    assert not restorer.changes()
    assert _next_id(engine) == 3


def test_restores_repeat(restorer: Restorer, engine: Engine) -> None:
    for _ in range(3):
        _next_id(engine)
        restorer.restore(restorer.changes())
        assert _contents(engine) == TEMPLATE
        assert not restorer.changes()


def test_a_changed_parent_takes_its_referencing_table_along(
    pg: Server, base: str, request: pytest.FixtureRequest
) -> None:
    """PostgreSQL: emptying ``item`` must empty ``tag`` (which references it) as well."""
    backend = open_backend(parse_url(pg.url(base)))
    name = f"{base}_fk"
    backend.create_empty(name, Marker.new("worker", base, "", Run.current()))
    backend.run_sql(name, SCHEMAS["postgresql"])
    url = connectable(backend.url_for(name))
    backend.close()
    restorer = open_restorer(url)
    request.addfinalizer(restorer.close)
    restorer.capture()
    engine = sync_engine(url)
    request.addfinalizer(engine.dispose)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO item (name) VALUES ('only item changes')"))
    changes = restorer.changes()
    assert changes.tables == {"item"}
    assert restorer.restore(changes).tables == ("item", "tag")
    assert _contents(engine) == TEMPLATE


def test_many_rows_are_truncated_and_restored(
    pg: Server, base: str, request: pytest.FixtureRequest
) -> None:
    backend = open_backend(parse_url(pg.url(base)))
    name = f"{base}_big"
    backend.create_empty(name, Marker.new("worker", base, "", Run.current()))
    backend.run_sql(name, SCHEMAS["postgresql"])
    url = connectable(backend.url_for(name))
    backend.close()
    restorer = open_restorer(url)
    request.addfinalizer(restorer.close)
    restorer.capture()
    engine = sync_engine(url)
    request.addfinalizer(engine.dispose)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO item (name) SELECT 'bulk' FROM generate_series(1, :n)"),
            {"n": postgres.TRUNCATE_ABOVE + 1},
        )
    restorer.restore(restorer.changes())
    assert _contents(engine) == TEMPLATE
    assert _next_id(engine) == 3


def test_a_connection_left_inside_a_transaction_is_named(
    pg: Server, base: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "LAST_LOCK_WAIT", "200ms")
    backend = open_backend(parse_url(pg.url(base)))
    name = f"{base}_lock"
    backend.create_empty(name, Marker.new("worker", base, "", Run.current()))
    backend.run_sql(name, SCHEMAS["postgresql"])
    url = parse_url(connectable(backend.url_for(name)))
    backend.close()
    restorer = open_restorer(url)
    request.addfinalizer(restorer.close)
    restorer.capture()
    with psycopg.connect(**postgres.connect_kwargs(url, name), autocommit=True) as writer:
        writer.execute("INSERT INTO item (name) VALUES ('leaked')")
    with psycopg.connect(
        **postgres.connect_kwargs(url, name), application_name="forgotten-session"
    ) as holder:
        # A row lock held by a transaction the test never finished.
        holder.execute("UPDATE item SET name = name WHERE id = 1")
        with pytest.raises(DbfleetError, match=r"forgotten-session \(idle in transaction"):
            restorer.restore(restorer.changes())
    # Once the session is gone, the same restore goes through and leaves nothing changed.
    assert set(restorer.restore(restorer.changes()).tables) == {"item", "tag"}  # tag refers to item
    assert not restorer.changes()
    assert not restorer.changes()


def test_changes_before_capture_is_a_usage_mistake(database: str) -> None:
    restorer = open_restorer(database)
    try:
        with pytest.raises(DbfleetError, match="before the rows were captured"):
            restorer.changes()
        assert restorer.restore(Changes()).tables == ()
    finally:
        restorer.close()
