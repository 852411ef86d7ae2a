from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dbfleet.errors import ConfigError
from dbfleet.urls import (
    SERIAL_WORKER,
    SecretURL,
    connectable,
    fit_identifier,
    parse_url,
    redacted,
    scrub,
    with_database,
    worker_database_name,
)

URL_TEXT = "postgresql+asyncpg://app:s3cr%40t@db.internal:6543/app_test?sslmode=require"


def test_rebuilt_url_keeps_the_password_for_connecting() -> None:
    url = with_database(parse_url(URL_TEXT), "app_test_gw0")
    assert connectable(url) == (
        "postgresql+asyncpg://app:s3cr%40t@db.internal:6543/app_test_gw0?sslmode=require"
    )


def test_redacted_url_hides_the_password() -> None:
    assert redacted(parse_url(URL_TEXT)) == (
        "postgresql+asyncpg://app:***@db.internal:6543/app_test?sslmode=require"
    )


def test_scrub_removes_the_password_from_driver_messages() -> None:
    url = parse_url("postgresql://app:hunter2@h/db")
    assert scrub("auth failed for postgresql://app:hunter2@h/db (hunter2)", url) == (
        "auth failed for postgresql://app:***@h/db (***)"
    )


def test_serial_run_keeps_the_base_name() -> None:
    assert worker_database_name("app_test", "master", 63) == "app_test"


def test_worker_name_appends_the_worker_id() -> None:
    assert worker_database_name("app_test", "gw3", 63) == "app_test_gw3"


def test_unparseable_url_is_a_config_error_without_the_value() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_url("no url with hunter2 in it")
    assert "hunter2" not in str(caught.value)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_é", min_size=1, max_size=120))
def test_long_names_fit_the_limit_and_stay_apart(base: str) -> None:
    gw0 = worker_database_name(base, "gw0", 63)
    gw1 = worker_database_name(base, "gw1", 63)
    assert len(gw0.encode()) <= 63
    assert len(gw1.encode()) <= 63
    assert gw0 != gw1
    assert gw0 == worker_database_name(base, "gw0", 63)


def test_a_long_serial_base_name_is_fitted_too() -> None:
    base = "a" * 80
    assert len(worker_database_name(base, "master", 63).encode()) == 63


def test_short_names_are_left_alone() -> None:
    assert fit_identifier("app_test", "_gw0", 63) == "app_test_gw0"


def test_shortening_keeps_the_suffix_readable() -> None:
    name = fit_identifier("b" * 80, "_tpl_0123456789", 63)
    assert len(name.encode()) == 63
    assert name.endswith("_tpl_0123456789")


def test_scrub_masks_the_url_encoded_password_too() -> None:
    url = parse_url("postgresql://app:Se%40cret@h/db")
    message = "could not connect to postgresql://app:Se%40cret@h/db (password Se@cret)"
    assert "Se" not in scrub(message, url).replace("Server", "")


def test_secret_url_repr_hides_the_password_but_str_keeps_it() -> None:
    secret = SecretURL("postgresql://app:hunter2@h/db")
    assert "hunter2" not in repr(secret)
    assert "hunter2" in str(secret)
    assert secret == "postgresql://app:hunter2@h/db"


def test_a_namespace_goes_between_the_base_and_the_worker_id() -> None:
    assert worker_database_name("app_test", "gw0", 63, "ci3") == "app_test_ci3_gw0"
    assert worker_database_name("app_test", SERIAL_WORKER, 63, "ci3") == "app_test_ci3"
    long = worker_database_name("a" * 80, "gw0", 63, "ci3")
    assert len(long) == 63
    assert long.endswith("_ci3_gw0")
