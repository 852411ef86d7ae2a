"""pytest-dbfleet: one database per pytest-xdist worker, cloned from a fingerprinted template.

PYTEST_DONT_REWRITE: pytest rewrites asserts in plugin packages it loads, and warns when the
package is already imported, as it is when the ``dbfleet`` command runs pytest in-process
(``dbfleet plan``); in a project with ``filterwarnings = error`` that warning was a crash.
"""

from __future__ import annotations

from dbfleet.errors import DbfleetError
from dbfleet.fleet import FleetDatabase

__version__ = "0.1.0"

__all__ = ["DbfleetError", "FleetDatabase", "__version__"]
