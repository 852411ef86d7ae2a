"""Timestamps written by the application."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Aware UTC now, to whole seconds (MySQL DATETIME keeps no fractions by default)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
