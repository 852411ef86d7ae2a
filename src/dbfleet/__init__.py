"""pytest-dbfleet: one database per pytest-xdist worker, cloned from a fingerprinted template."""

from __future__ import annotations

from dbfleet.errors import DbfleetError
from dbfleet.fleet import FleetDatabase

__version__ = "0.1.0"

__all__ = ["DbfleetError", "FleetDatabase", "__version__"]
