"""Ledger: a small double-entry bookkeeping service (pytest-dbfleet example app)."""

__version__ = "1.4.0"
