from __future__ import annotations

import pytest

from ledger.settings import Settings, SettingsError, load_settings

URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/ledger"


def test_minimal_environment() -> None:
    settings = load_settings({"DATABASE_URL": URL})
    assert settings == Settings(database_url=URL)
    assert settings.backend == "postgresql"


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("sqlite+aiosqlite:///./ledger.db", "sqlite"),
        ("mysql+aiomysql://root@127.0.0.1:3306/ledger", "mysql"),
        ("postgresql://u@h/db", "postgresql"),
    ],
)
def test_backend_name(url: str, backend: str) -> None:
    assert load_settings({"DATABASE_URL": url}).backend == backend


@pytest.mark.parametrize("environ", [{}, {"DATABASE_URL": ""}, {"DATABASE_URL": "   "}])
def test_database_url_is_required(environ: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL is not set"):
        load_settings(environ)


def test_database_url_must_look_like_a_url() -> None:
    with pytest.raises(SettingsError, match="not a database URL"):
        load_settings({"DATABASE_URL": "ledger.db"})


def test_url_is_stripped() -> None:
    assert load_settings({"DATABASE_URL": f"  {URL}\n"}).database_url == URL


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("ON", True), ("0", False), ("no", False)]
)
def test_echo_flag(raw: str, expected: bool) -> None:
    assert load_settings({"DATABASE_URL": URL, "LEDGER_ECHO_SQL": raw}).echo_sql is expected


def test_bad_echo_flag() -> None:
    with pytest.raises(SettingsError, match="LEDGER_ECHO_SQL"):
        load_settings({"DATABASE_URL": URL, "LEDGER_ECHO_SQL": "maybe"})


@pytest.mark.parametrize("raw", ["0", "-1", "lots"])
def test_bad_pool_size(raw: str) -> None:
    with pytest.raises(SettingsError, match="LEDGER_POOL_SIZE"):
        load_settings({"DATABASE_URL": URL, "LEDGER_POOL_SIZE": raw})


def test_default_currency_is_upper_cased() -> None:
    settings = load_settings({"DATABASE_URL": URL, "LEDGER_DEFAULT_CURRENCY": "eur"})
    assert settings.default_currency == "EUR"


@pytest.mark.parametrize("raw", ["EURO", "E1R", ""])
def test_bad_default_currency(raw: str) -> None:
    with pytest.raises(SettingsError, match="LEDGER_DEFAULT_CURRENCY"):
        load_settings({"DATABASE_URL": URL, "LEDGER_DEFAULT_CURRENCY": raw})


def test_automatch_window() -> None:
    settings = load_settings({"DATABASE_URL": URL, "LEDGER_AUTOMATCH_WINDOW_DAYS": "0"})
    assert settings.automatch_window_days == 0


def test_settings_are_immutable() -> None:
    settings = load_settings({"DATABASE_URL": URL})
    with pytest.raises(AttributeError):
        settings.database_url = "other"  # type: ignore[misc]
