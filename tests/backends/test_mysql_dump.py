"""The MySQL/MariaDB template cache's mysqldump save, on a real server."""

from __future__ import annotations

import gc
import shutil
import warnings
from pathlib import Path

import pymysql
import pytest
from sqlalchemy.engine import make_url

from backends.servers import MysqlServer
from dbfleet.backends.mysql.dump import MysqlDumper


@pytest.mark.skipif(shutil.which("mysqldump") is None, reason="no mysqldump installed")
@pytest.mark.parametrize("server", ["mysql"], indirect=True)
def test_a_mysqldump_save_leaves_no_pipe_open(
    server: MysqlServer, base: str, tmp_path: Path
) -> None:
    """An unclosed pipe warns when it is freed, which a serial run's first test (a Django
    suite's template is saved at session start) reports as an error under ``-W error``."""
    with (
        pymysql.connect(
            host=server.host, port=server.port, user=server.user, password=server.password
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute(f"CREATE DATABASE `{base}`")
        cursor.execute(f"CREATE TABLE `{base}`.note (id INT PRIMARY KEY)")
    dumper = MysqlDumper(make_url(server.url(base)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert dumper.dump(base, tmp_path / "saved") == "mysqldump"
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert b"CREATE TABLE `note`" in (tmp_path / "saved").read_bytes()
