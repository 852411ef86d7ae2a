"""The fixtures' engines: the one line a missing library gets."""

from __future__ import annotations

import pytest

from dbfleet.errors import ConfigError
from dbfleet.isolation import engines


def test_a_missing_sqlalchemy_is_one_line_saying_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engines, "installed", lambda module: module != "sqlalchemy")
    with pytest.raises(ConfigError, match=r"^dbfleet: dbfleet_session needs SQLAlchemy 2; pip"):
        engines.require_sqlalchemy("dbfleet_session")
    monkeypatch.setattr(engines, "installed", lambda module: module != "greenlet")
    with pytest.raises(ConfigError, match=r"pip install 'sqlalchemy\[asyncio\]>=2'$"):
        engines.require_sqlalchemy("dbfleet_async_session", asyncio=True)


@pytest.mark.skipif(engines.installed("asyncmy"), reason="asyncmy is installed here")
def test_a_missing_driver_is_one_line_saying_what_to_install() -> None:
    with pytest.raises(ConfigError, match=r"connects with mysql\+asyncmy, which needs asyncmy"):
        engines.async_engine("mysql+asyncmy://app:secret@127.0.0.1/app_test")
