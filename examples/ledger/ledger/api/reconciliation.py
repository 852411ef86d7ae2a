from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from ledger import schemas
from ledger.api.deps import SessionDep
from ledger.models import BankStatement, ReconciliationMatch
from ledger.services import reconciliation
from ledger.services.reconciliation import StatementLineSpec
from ledger.settings import settings

router = APIRouter(tags=["reconciliation"])


@router.post(
    "/accounts/{account_id}/statements",
    response_model=schemas.StatementOut,
    status_code=status.HTTP_201_CREATED,
)
async def import_statement(
    account_id: int, payload: schemas.StatementCreate, session: SessionDep
) -> BankStatement:
    statement = await reconciliation.import_statement(
        session,
        account_id=account_id,
        reference=payload.reference,
        statement_date=payload.statement_date,
        opening_balance=payload.opening_balance,
        closing_balance=payload.closing_balance,
        lines=[
            StatementLineSpec(
                txn_date=line.txn_date,
                amount=line.amount,
                description=line.description,
                external_id=line.external_id,
            )
            for line in payload.lines
        ],
    )
    await session.commit()
    return statement


@router.get("/accounts/{account_id}/statements", response_model=list[schemas.StatementOut])
async def list_statements(account_id: int, session: SessionDep) -> list[BankStatement]:
    return list(await reconciliation.list_statements(session, account_id=account_id))


@router.get("/statements/{statement_id}", response_model=schemas.StatementOut)
async def get_statement(statement_id: int, session: SessionDep) -> BankStatement:
    return await reconciliation.get_statement(session, statement_id)


@router.get("/statements/{statement_id}/matches", response_model=list[schemas.MatchOut])
async def list_matches(statement_id: int, session: SessionDep) -> list[ReconciliationMatch]:
    return list(await reconciliation.list_matches(session, statement_id))


@router.post("/statements/{statement_id}/auto-match", response_model=schemas.AutoMatchOut)
async def auto_match(
    statement_id: int,
    session: SessionDep,
    window_days: Annotated[int | None, Query(ge=0, le=31)] = None,
) -> schemas.AutoMatchOut:
    matches, left = await reconciliation.auto_match(
        session,
        statement_id,
        window_days=settings.automatch_window_days if window_days is None else window_days,
    )
    await session.commit()
    return schemas.AutoMatchOut(
        matched=[schemas.MatchOut.model_validate(m) for m in matches],
        unmatched_statement_line_ids=left,
    )


@router.get("/statements/{statement_id}/summary", response_model=schemas.ReconciliationSummaryOut)
async def statement_summary(
    statement_id: int, session: SessionDep
) -> schemas.ReconciliationSummaryOut:
    result = await reconciliation.summary(session, statement_id)
    return schemas.ReconciliationSummaryOut.model_validate(result, from_attributes=True)


@router.post("/matches", response_model=schemas.MatchOut, status_code=status.HTTP_201_CREATED)
async def create_match(payload: schemas.MatchCreate, session: SessionDep) -> ReconciliationMatch:
    match = await reconciliation.match_lines(
        session,
        statement_line_id=payload.statement_line_id,
        journal_line_id=payload.journal_line_id,
    )
    await session.commit()
    return match


@router.delete("/matches/{match_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_match(match_id: int, session: SessionDep) -> Response:
    await reconciliation.unmatch(session, match_id)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
