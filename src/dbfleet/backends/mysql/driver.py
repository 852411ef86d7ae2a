"""PyMySQL or mysqlclient (``MySQLdb``) behind one small surface, for dbfleet's own connections.

The two take the same connect keywords and raise errors whose first argument is the server's
error number; only the module, its error classes and its client flags differ, so that is all
this holds.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from dbfleet.backends.dbapi import Driver, import_driver
from dbfleet.backends.mysql import KIND


@dataclass(frozen=True)
class MysqlDriver(Driver):
    @staticmethod
    def code(error: BaseException) -> int:
        """The server's error number (1045: access denied …), 0 when there is none."""
        first = error.args[0] if error.args else 0
        return first if isinstance(first, int) else 0

    def connect(self, kwargs: dict[str, Any], *, multi_statements: bool = False) -> Any:
        if multi_statements:
            client = importlib.import_module(f"{self.name}.constants.CLIENT")
            kwargs = {**kwargs, "client_flag": client.MULTI_STATEMENTS}
        return self.module.connect(**kwargs)


def mysql_driver(drivername: str) -> MysqlDriver:
    """The driver for a URL's ``drivername``: the one it names, else PyMySQL, else mysqlclient."""
    return MysqlDriver(import_driver(KIND, drivername))
