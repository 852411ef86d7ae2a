"""Application settings, read from the environment once, at import time.

Like most real services, the module-level ``settings`` object is built when this
module is first imported, so ``DATABASE_URL`` must be set *before* anything
imports :mod:`ledger.settings` (directly or via :mod:`ledger.main`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(RuntimeError):
    """Raised when the environment does not describe a usable configuration."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    echo_sql: bool = False
    pool_size: int = 5
    default_currency: str = "USD"
    automatch_window_days: int = 3

    @property
    def backend(self) -> str:
        """The database backend name, e.g. ``postgresql`` or ``sqlite``."""
        return self.database_url.split(":", 1)[0].split("+", 1)[0]


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name} must be a boolean, got {raw!r}")


def _parse_int(name: str, raw: str, *, minimum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be >= {minimum}, got {value}")
    return value


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build :class:`Settings` from an environment mapping."""
    url = environ.get("DATABASE_URL", "").strip()
    if not url:
        raise SettingsError(
            "DATABASE_URL is not set; expected an SQLAlchemy async URL such as "
            "postgresql+asyncpg://postgres@127.0.0.1:5432/ledger"
        )
    if "://" not in url:
        raise SettingsError(f"DATABASE_URL is not a database URL: {url!r}")
    currency = environ.get("LEDGER_DEFAULT_CURRENCY", "USD").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise SettingsError(f"LEDGER_DEFAULT_CURRENCY must be a 3-letter code, got {currency!r}")
    return Settings(
        database_url=url,
        echo_sql=_parse_bool("LEDGER_ECHO_SQL", environ.get("LEDGER_ECHO_SQL", "")),
        pool_size=_parse_int("LEDGER_POOL_SIZE", environ.get("LEDGER_POOL_SIZE", "5"), minimum=1),
        default_currency=currency,
        automatch_window_days=_parse_int(
            "LEDGER_AUTOMATCH_WINDOW_DAYS",
            environ.get("LEDGER_AUTOMATCH_WINDOW_DAYS", "3"),
            minimum=0,
        ),
    )


settings = load_settings(os.environ)
