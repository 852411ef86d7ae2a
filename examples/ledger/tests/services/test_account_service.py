from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import Conflict, NotFound, ValidationFailed
from ledger.services import accounts, journal
from ledger.services.journal import LineSpec
from tests.helpers import MiniBook


async def _post(
    session: AsyncSession, mini: MiniBook, debit: int, credit: int, amount: str, day: int = 1
) -> None:
    await journal.create_entry(
        session,
        book_id=mini.book.id,
        entry_date=dt.date(2024, 2, day),
        description="svc",
        lines=[LineSpec(debit, debit=Decimal(amount)), LineSpec(credit, credit=Decimal(amount))],
    )
    await session.commit()


async def test_account_defaults(session: AsyncSession, mini: MiniBook) -> None:
    assert mini.cash.currency == "USD"
    assert mini.cash.is_active is True
    assert mini.cash.debit_normal is True
    assert mini.loan.debit_normal is False


async def test_missing_book(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await accounts.create_account(session, book_id=987654321, code="1", name="x", type="asset")


async def test_duplicate_code(session: AsyncSession, mini: MiniBook) -> None:
    with pytest.raises(Conflict):
        await accounts.create_account(
            session, book_id=mini.book.id, code="1000", name="x", type="asset"
        )


async def test_balance_natural_signs(session: AsyncSession, mini: MiniBook) -> None:
    await _post(session, mini, mini.cash.id, mini.equity.id, "100")
    await _post(session, mini, mini.costs.id, mini.cash.id, "30")
    await _post(session, mini, mini.cash.id, mini.sales.id, "45.5")
    balances = {
        name: (await accounts.account_balance(session, getattr(mini, name).id)).balance
        for name in ("cash", "equity", "costs", "sales")
    }
    assert balances == {
        "cash": Decimal("115.5"),
        "equity": Decimal(100),
        "costs": Decimal(30),
        "sales": Decimal("45.5"),
    }


async def test_balance_totals(session: AsyncSession, mini: MiniBook) -> None:
    await _post(session, mini, mini.cash.id, mini.equity.id, "100")
    await _post(session, mini, mini.costs.id, mini.cash.id, "30")
    balance = await accounts.account_balance(session, mini.cash.id)
    assert (balance.debit_total, balance.credit_total) == (Decimal(100), Decimal(30))


async def test_balances_by_account(session: AsyncSession, mini: MiniBook) -> None:
    await _post(session, mini, mini.cash.id, mini.equity.id, "10", day=1)
    await _post(session, mini, mini.cash.id, mini.equity.id, "20", day=9)
    totals = await accounts.balances_by_account(
        session, book_id=mini.book.id, as_of=dt.date(2024, 2, 5)
    )
    assert totals == {
        mini.cash.id: (Decimal(10), Decimal(0)),
        mini.equity.id: (Decimal(0), Decimal(10)),
    }


async def test_update_moves_and_detaches(session: AsyncSession, mini: MiniBook) -> None:
    await accounts.update_account(session, mini.bank.id, parent_id=mini.cash.id)
    assert mini.bank.parent_id == mini.cash.id
    await accounts.update_account(session, mini.bank.id, parent_id=None)
    assert mini.bank.parent_id is None


async def test_update_without_parent_argument_keeps_parent(
    session: AsyncSession, mini: MiniBook
) -> None:
    await accounts.update_account(session, mini.bank.id, parent_id=mini.cash.id)
    await accounts.update_account(session, mini.bank.id, name="Bank")
    assert mini.bank.parent_id == mini.cash.id


async def test_parent_type_mismatch(session: AsyncSession, mini: MiniBook) -> None:
    with pytest.raises(ValidationFailed, match="cannot sit under"):
        await accounts.update_account(session, mini.bank.id, parent_id=mini.loan.id)


async def test_deactivate_with_balance(session: AsyncSession, mini: MiniBook) -> None:
    await _post(session, mini, mini.cash.id, mini.equity.id, "1")
    with pytest.raises(Conflict, match="non-zero balance"):
        await accounts.update_account(session, mini.cash.id, is_active=False)


async def test_delete_unused(session: AsyncSession, mini: MiniBook) -> None:
    await accounts.delete_account(session, mini.bank.id)
    await session.commit()
    with pytest.raises(NotFound):
        await accounts.get_account(session, mini.bank.id)


async def test_tree_rollup(session: AsyncSession, mini: MiniBook) -> None:
    await accounts.update_account(session, mini.bank.id, parent_id=mini.cash.id)
    await session.commit()
    await _post(session, mini, mini.bank.id, mini.equity.id, "70")
    await _post(session, mini, mini.cash.id, mini.equity.id, "5")
    roots = await accounts.account_tree(session, book_id=mini.book.id)
    cash = next(node for node in roots if node.code == "1000")
    assert (cash.balance, cash.total_balance) == (Decimal(5), Decimal(75))
    assert [child.code for child in cash.children] == ["1010"]
