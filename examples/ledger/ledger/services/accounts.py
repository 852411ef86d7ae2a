"""Chart of accounts: creation, hierarchy, activation and balances."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import Conflict, NotFound, ValidationFailed
from ledger.models import Account, BankStatement, JournalEntry, JournalLine
from ledger.services import books, currencies
from ledger.services.money import ZERO, signed_balance, to_decimal

_UNSET = object()


@dataclass(frozen=True)
class Balance:
    account_id: int
    currency: str
    as_of: dt.date | None
    debit_total: Decimal
    credit_total: Decimal
    balance: Decimal


@dataclass
class TreeNode:
    id: int
    code: str
    name: str
    type: str
    currency: str
    balance: Decimal
    total_balance: Decimal = ZERO
    children: list[TreeNode] = field(default_factory=list)


async def create_account(
    session: AsyncSession,
    *,
    book_id: int,
    code: str,
    name: str,
    type: str,
    currency: str | None = None,
    parent_id: int | None = None,
    description: str | None = None,
) -> Account:
    book = await books.get_book(session, book_id)
    currency_code = (currency or book.base_currency).upper()
    await currencies.require_active(session, currency_code)
    duplicate = await session.scalar(
        select(Account.id).where(Account.book_id == book_id, Account.code == code)
    )
    if duplicate is not None:
        raise Conflict(f"account code {code!r} already exists in book {book_id}")
    if parent_id is not None:
        parent = await _get_parent(session, parent_id, book_id=book_id)
        _check_parent_compatible(parent, type=type, currency=currency_code)
    account = Account(
        book_id=book_id,
        code=code,
        name=name,
        type=type,
        currency=currency_code,
        parent_id=parent_id,
        description=description,
        is_active=True,
    )
    session.add(account)
    await session.flush()
    return account


async def _get_parent(session: AsyncSession, parent_id: int, *, book_id: int) -> Account:
    parent = await session.get(Account, parent_id)
    if parent is None or parent.book_id != book_id:
        raise ValidationFailed(f"parent account {parent_id} does not exist in book {book_id}")
    return parent


def _check_parent_compatible(parent: Account, *, type: str, currency: str) -> None:
    if parent.type != type:
        raise ValidationFailed(
            f"a {type} account cannot sit under {parent.type} account {parent.code}"
        )
    if parent.currency != currency:
        raise ValidationFailed(
            f"sub-account currency {currency} differs from parent currency {parent.currency}"
        )


async def get_account(session: AsyncSession, account_id: int) -> Account:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound(f"account {account_id} does not exist")
    return account


async def list_accounts(
    session: AsyncSession,
    *,
    book_id: int,
    type: str | None = None,
    active: bool | None = None,
    parent_id: int | None = None,
    roots_only: bool = False,
) -> Sequence[Account]:
    await books.get_book(session, book_id)
    stmt = select(Account).where(Account.book_id == book_id).order_by(Account.code)
    if type is not None:
        stmt = stmt.where(Account.type == type)
    if active is not None:
        stmt = stmt.where(Account.is_active.is_(active))
    if parent_id is not None:
        stmt = stmt.where(Account.parent_id == parent_id)
    elif roots_only:
        stmt = stmt.where(Account.parent_id.is_(None))
    return (await session.scalars(stmt)).all()


async def _ancestors(session: AsyncSession, account: Account) -> list[int]:
    chain: list[int] = []
    current = account.parent_id
    while current is not None:
        if current in chain:  # defensive: corrupt data
            break
        chain.append(current)
        current = await session.scalar(select(Account.parent_id).where(Account.id == current))
    return chain


async def update_account(
    session: AsyncSession,
    account_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
    parent_id: int | object | None = _UNSET,
    is_active: bool | None = None,
) -> Account:
    account = await get_account(session, account_id)
    if name is not None:
        account.name = name
    if description is not None:
        account.description = description
    if parent_id is not _UNSET:
        if parent_id is None:
            account.parent_id = None
        else:
            assert isinstance(parent_id, int)
            if parent_id == account.id:
                raise ValidationFailed("an account cannot be its own parent")
            parent = await _get_parent(session, parent_id, book_id=account.book_id)
            _check_parent_compatible(parent, type=account.type, currency=account.currency)
            if account.id in await _ancestors(session, parent):
                raise ValidationFailed("moving the account there would create a cycle")
            account.parent_id = parent_id
    if is_active is not None and is_active != account.is_active:
        if not is_active:
            await _check_can_deactivate(session, account)
        account.is_active = is_active
    await session.flush()
    return account


async def _check_can_deactivate(session: AsyncSession, account: Account) -> None:
    balance = await account_balance(session, account.id)
    if balance.balance != 0:
        raise Conflict(f"account {account.code} has a non-zero balance ({balance.balance})")
    active_child = await session.scalar(
        select(exists().where(Account.parent_id == account.id, Account.is_active.is_(True)))
    )
    if active_child:
        raise Conflict(f"account {account.code} has active sub-accounts")


async def delete_account(session: AsyncSession, account_id: int) -> None:
    account = await get_account(session, account_id)
    if await session.scalar(select(exists().where(JournalLine.account_id == account.id))):
        raise Conflict(f"account {account.code} has journal lines; deactivate it instead")
    if await session.scalar(select(exists().where(Account.parent_id == account.id))):
        raise Conflict(f"account {account.code} has sub-accounts")
    if await session.scalar(select(exists().where(BankStatement.account_id == account.id))):
        raise Conflict(f"account {account.code} has bank statements")
    await session.delete(account)
    await session.flush()


async def account_balance(
    session: AsyncSession, account_id: int, *, as_of: dt.date | None = None
) -> Balance:
    """Posted balance of one account in its own currency, in its natural sign."""
    account = await get_account(session, account_id)
    stmt = (
        select(func.sum(JournalLine.debit), func.sum(JournalLine.credit))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalLine.account_id == account_id, JournalEntry.status == "posted")
    )
    if as_of is not None:
        stmt = stmt.where(JournalEntry.entry_date <= as_of)
    debit, credit = (await session.execute(stmt)).one()
    debit, credit = to_decimal(debit), to_decimal(credit)
    return Balance(
        account_id=account.id,
        currency=account.currency,
        as_of=as_of,
        debit_total=debit,
        credit_total=credit,
        balance=signed_balance(debit, credit, debit_normal=account.debit_normal),
    )


async def balances_by_account(
    session: AsyncSession, *, book_id: int, as_of: dt.date | None = None
) -> dict[int, tuple[Decimal, Decimal]]:
    """(debit total, credit total) of posted lines per account of a book."""
    stmt = (
        select(JournalLine.account_id, func.sum(JournalLine.debit), func.sum(JournalLine.credit))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.book_id == book_id, JournalEntry.status == "posted")
        .group_by(JournalLine.account_id)
    )
    if as_of is not None:
        stmt = stmt.where(JournalEntry.entry_date <= as_of)
    rows = await session.execute(stmt)
    return {account_id: (to_decimal(d), to_decimal(c)) for account_id, d, c in rows}


async def account_tree(
    session: AsyncSession, *, book_id: int, as_of: dt.date | None = None
) -> list[TreeNode]:
    """The chart of accounts as a forest, each node carrying its own and rolled-up balance."""
    accounts = await list_accounts(session, book_id=book_id)
    totals = await balances_by_account(session, book_id=book_id, as_of=as_of)
    nodes: dict[int, TreeNode] = {}
    for account in accounts:
        debit, credit = totals.get(account.id, (ZERO, ZERO))
        nodes[account.id] = TreeNode(
            id=account.id,
            code=account.code,
            name=account.name,
            type=account.type,
            currency=account.currency,
            balance=signed_balance(debit, credit, debit_normal=account.debit_normal),
        )
    roots: list[TreeNode] = []
    for account in accounts:
        node = nodes[account.id]
        if account.parent_id is not None and account.parent_id in nodes:
            nodes[account.parent_id].children.append(node)
        else:
            roots.append(node)

    def roll_up(node: TreeNode) -> Decimal:
        node.total_balance = node.balance + sum((roll_up(c) for c in node.children), ZERO)
        return node.total_balance

    for root in roots:
        roll_up(root)
    return roots
