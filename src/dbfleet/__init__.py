"""pytest-dbfleet: one database per pytest-xdist worker, cloned from a fingerprinted template.

PYTEST_DONT_REWRITE: pytest rewrites asserts in plugin packages it loads, and warns when the
package is already imported, as it is when the ``dbfleet`` command runs pytest in-process
(``dbfleet plan``); in a project with ``filterwarnings = error`` that warning was a crash.

The public names load on first use: importing the package (as every pytest process does to
load the plugin, every xdist worker included) must not pay for SQLAlchemy and the drivers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dbfleet.errors import DbfleetError
    from dbfleet.fleet import FleetDatabase

__version__ = "0.1.0"

__all__ = ["DbfleetError", "FleetDatabase", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "DbfleetError":
        from dbfleet.errors import DbfleetError

        return DbfleetError
    if name == "FleetDatabase":
        from dbfleet.fleet import FleetDatabase

        return FleetDatabase
    raise AttributeError(f"module 'dbfleet' has no attribute {name!r}")
