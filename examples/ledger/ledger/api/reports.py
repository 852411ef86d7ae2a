from __future__ import annotations

import datetime as dt

from fastapi import APIRouter

from ledger import schemas
from ledger.api.deps import SessionDep
from ledger.services import reports

router = APIRouter(tags=["reports"])


@router.get("/reports/trial-balance", response_model=schemas.TrialBalanceOut)
async def global_trial_balance(
    session: SessionDep, as_of: dt.date | None = None
) -> schemas.TrialBalanceOut:
    return await reports.trial_balance(session, book_id=None, as_of=as_of)


@router.get("/books/{book_id}/reports/trial-balance", response_model=schemas.TrialBalanceOut)
async def trial_balance(
    book_id: int,
    session: SessionDep,
    as_of: dt.date | None = None,
    include_zero: bool = False,
) -> schemas.TrialBalanceOut:
    return await reports.trial_balance(
        session, book_id=book_id, as_of=as_of, include_zero=include_zero
    )


@router.get("/books/{book_id}/reports/balance-sheet", response_model=schemas.BalanceSheetOut)
async def balance_sheet(
    book_id: int, session: SessionDep, as_of: dt.date
) -> schemas.BalanceSheetOut:
    return await reports.balance_sheet(session, book_id=book_id, as_of=as_of)


@router.get("/books/{book_id}/reports/income-statement", response_model=schemas.IncomeStatementOut)
async def income_statement(
    book_id: int, session: SessionDep, date_from: dt.date, date_to: dt.date
) -> schemas.IncomeStatementOut:
    return await reports.income_statement(
        session, book_id=book_id, date_from=date_from, date_to=date_to
    )


@router.get("/accounts/{account_id}/ledger", response_model=schemas.AccountLedgerOut)
async def account_ledger(
    account_id: int,
    session: SessionDep,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> schemas.AccountLedgerOut:
    return await reports.account_ledger(
        session, account_id=account_id, date_from=date_from, date_to=date_to
    )


@router.get("/books/{book_id}/reports/fx-revaluation", response_model=schemas.RevaluationOut)
async def fx_revaluation(
    book_id: int, session: SessionDep, as_of: dt.date
) -> schemas.RevaluationOut:
    return await reports.fx_revaluation(session, book_id=book_id, as_of=as_of)
