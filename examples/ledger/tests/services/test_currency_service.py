from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import Conflict, NotFound, ValidationFailed
from ledger.services import books, currencies
from tests.helpers import LedgerApi, uid


async def test_get_is_case_insensitive(session: AsyncSession) -> None:
    assert (await currencies.get_currency(session, "chf")).code == "CHF"


async def test_get_missing(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await currencies.get_currency(session, "AAA")


async def test_decimal_places_lookup(session: AsyncSession) -> None:
    places = await currencies.decimal_places(session, {"USD", "JPY", "KWD", "AAA"})
    assert places == {"USD": 2, "JPY": 0, "KWD": 3}


async def test_decimal_places_of_nothing(session: AsyncSession) -> None:
    assert await currencies.decimal_places(session, set()) == {}


async def test_create_update_delete(session: AsyncSession, api: LedgerApi) -> None:
    code = await api.free_currency_code()
    created = await currencies.create_currency(
        session, code=code.lower(), name="x", decimal_places=1
    )
    await session.commit()
    assert created.code == code
    updated = await currencies.update_currency(session, code, symbol="§", is_active=False)
    assert (updated.symbol, updated.is_active) == ("§", False)
    await session.commit()
    await currencies.delete_currency(session, code)
    await session.commit()
    with pytest.raises(NotFound):
        await currencies.get_currency(session, code)


async def test_require_active(session: AsyncSession, api: LedgerApi) -> None:
    code = await api.free_currency_code()
    await currencies.create_currency(session, code=code, name="x", decimal_places=2)
    await currencies.update_currency(session, code, is_active=False)
    with pytest.raises(ValidationFailed, match="inactive"):
        await currencies.require_active(session, code)
    with pytest.raises(ValidationFailed, match="unknown"):
        await currencies.require_active(session, "AAA")


async def test_in_use_detection(session: AsyncSession, api: LedgerApi) -> None:
    code = await api.free_currency_code()
    await currencies.create_currency(session, code=code, name="x", decimal_places=2)
    assert await currencies.is_in_use(session, code) is False
    await books.create_book(session, name=f"b {uid()}", base_currency=code)
    assert await currencies.is_in_use(session, code) is True
    with pytest.raises(Conflict):
        await currencies.delete_currency(session, code)


async def test_list_active_only(session: AsyncSession, api: LedgerApi) -> None:
    code = await api.free_currency_code()
    await currencies.create_currency(session, code=code, name="x", decimal_places=2)
    await currencies.update_currency(session, code, is_active=False)
    active = {c.code for c in await currencies.list_currencies(session, active_only=True)}
    assert code not in active
    assert "USD" in active
