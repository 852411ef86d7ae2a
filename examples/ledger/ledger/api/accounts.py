from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Response, status

from ledger import schemas
from ledger.api.deps import SessionDep
from ledger.models import Account
from ledger.services import accounts
from ledger.services.accounts import TreeNode

router = APIRouter(tags=["accounts"])


@router.post(
    "/books/{book_id}/accounts",
    response_model=schemas.AccountOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_account(
    book_id: int, payload: schemas.AccountCreate, session: SessionDep
) -> Account:
    account = await accounts.create_account(
        session,
        book_id=book_id,
        code=payload.code,
        name=payload.name,
        type=payload.type,
        currency=payload.currency,
        parent_id=payload.parent_id,
        description=payload.description,
    )
    await session.commit()
    return account


@router.get("/books/{book_id}/accounts", response_model=list[schemas.AccountOut])
async def list_accounts(
    book_id: int,
    session: SessionDep,
    type: schemas.AccountType | None = None,
    active: bool | None = None,
    parent_id: int | None = None,
    roots_only: bool = False,
) -> list[Account]:
    return list(
        await accounts.list_accounts(
            session,
            book_id=book_id,
            type=type,
            active=active,
            parent_id=parent_id,
            roots_only=roots_only,
        )
    )


def _tree_out(node: TreeNode) -> schemas.AccountTreeNode:
    return schemas.AccountTreeNode(
        id=node.id,
        code=node.code,
        name=node.name,
        type=node.type,  # type: ignore[arg-type]
        currency=node.currency,
        balance=node.balance,
        total_balance=node.total_balance,
        children=[_tree_out(child) for child in node.children],
    )


@router.get("/books/{book_id}/accounts/tree", response_model=list[schemas.AccountTreeNode])
async def account_tree(
    book_id: int, session: SessionDep, as_of: dt.date | None = None
) -> list[schemas.AccountTreeNode]:
    roots = await accounts.account_tree(session, book_id=book_id, as_of=as_of)
    return [_tree_out(root) for root in roots]


@router.get("/accounts/{account_id}", response_model=schemas.AccountOut)
async def get_account(account_id: int, session: SessionDep) -> Account:
    return await accounts.get_account(session, account_id)


@router.patch("/accounts/{account_id}", response_model=schemas.AccountOut)
async def update_account(
    account_id: int, payload: schemas.AccountUpdate, session: SessionDep
) -> Account:
    changes: dict[str, Any] = {
        "name": payload.name,
        "description": payload.description,
        "is_active": payload.is_active,
    }
    if "parent_id" in payload.model_fields_set:
        changes["parent_id"] = payload.parent_id
    account = await accounts.update_account(session, account_id, **changes)
    await session.commit()
    return account


@router.delete("/accounts/{account_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_account(account_id: int, session: SessionDep) -> Response:
    await accounts.delete_account(session, account_id)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/accounts/{account_id}/balance", response_model=schemas.BalanceOut)
async def account_balance(
    account_id: int, session: SessionDep, as_of: dt.date | None = None
) -> schemas.BalanceOut:
    balance = await accounts.account_balance(session, account_id, as_of=as_of)
    return schemas.BalanceOut(
        account_id=balance.account_id,
        currency=balance.currency,
        as_of=balance.as_of,
        debit_total=balance.debit_total,
        credit_total=balance.credit_total,
        balance=balance.balance,
    )
