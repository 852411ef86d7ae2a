"""The URL the fresh pool connects with: crash-safe clones where the server allows it."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from dbfleet.backends import pool_backend_url
from dbfleet.backends.postgres.restore import crash_safe_url


def test_the_pool_asks_postgresql_14_and_later_to_abort_a_clone_whose_client_died() -> None:
    url = make_url("postgresql://app@db/app_test?options=-c%20work_mem%3D64MB")
    assert crash_safe_url(url, 13) == url
    assert crash_safe_url(url, 15).query["options"] == (
        "-c work_mem=64MB -c client_connection_check_interval=50"
    )
    plain = make_url("postgresql://app@db/app_test")
    assert pool_backend_url(plain, "16").query["options"] == (
        "-c client_connection_check_interval=50"
    )
    sqlite = make_url("sqlite:///app_test.db")
    assert pool_backend_url(sqlite, "3") == sqlite
