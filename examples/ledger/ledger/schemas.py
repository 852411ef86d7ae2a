"""Pydantic request/response models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
AccountCode = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
Amount = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=4)]
SignedAmount = Annotated[Decimal, Field(max_digits=20, decimal_places=4)]
AccountType = Literal["asset", "liability", "equity", "income", "expense"]


class ORMModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- currencies & FX -------------------------------------------------------


class CurrencyCreate(BaseModel):
    code: CurrencyCode
    name: Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
    decimal_places: Annotated[int, Field(ge=0, le=4)]
    symbol: Annotated[str, StringConstraints(max_length=8)] | None = None


class CurrencyUpdate(BaseModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    symbol: Annotated[str, StringConstraints(max_length=8)] | None = None
    is_active: bool | None = None


class CurrencyOut(ORMModel):
    code: str
    name: str
    decimal_places: int
    symbol: str | None
    is_active: bool


class FxRateIn(BaseModel):
    base_currency: CurrencyCode
    quote_currency: CurrencyCode
    as_of: dt.date
    rate: Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=10)]
    source: Annotated[str, StringConstraints(max_length=32)] | None = None


class FxRateOut(ORMModel):
    id: int
    base_currency: str
    quote_currency: str
    as_of: dt.date
    rate: Decimal
    source: str | None


class RateQuoteOut(BaseModel):
    base_currency: str
    quote_currency: str
    as_of: dt.date
    rate: Decimal


class ConversionOut(BaseModel):
    amount: Decimal
    from_currency: str
    to_currency: str
    as_of: dt.date
    rate: Decimal
    converted: Decimal


# --- books & accounts ------------------------------------------------------


class BookCreate(BaseModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
    base_currency: CurrencyCode


class BookOut(ORMModel):
    id: int
    name: str
    base_currency: str


class AccountCreate(BaseModel):
    code: AccountCode
    name: Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]
    type: AccountType
    currency: CurrencyCode | None = None
    parent_id: int | None = None
    description: str | None = None


class AccountUpdate(BaseModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    description: str | None = None
    parent_id: int | None = None
    is_active: bool | None = None


class AccountOut(ORMModel):
    id: int
    book_id: int
    code: str
    name: str
    type: AccountType
    currency: str
    parent_id: int | None
    is_active: bool
    description: str | None


class BalanceOut(BaseModel):
    account_id: int
    currency: str
    as_of: dt.date | None
    debit_total: Decimal
    credit_total: Decimal
    balance: Decimal


class AccountTreeNode(BaseModel):
    id: int
    code: str
    name: str
    type: AccountType
    currency: str
    balance: Decimal
    total_balance: Decimal
    children: list[AccountTreeNode] = []


# --- journal ---------------------------------------------------------------


class JournalLineIn(BaseModel):
    account_id: int
    debit: Amount = Decimal(0)
    credit: Amount = Decimal(0)
    currency: CurrencyCode | None = None
    memo: Annotated[str, StringConstraints(max_length=255)] | None = None


class JournalEntryCreate(BaseModel):
    entry_date: dt.date
    description: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    reference: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    status: Literal["draft", "posted"] = "posted"
    lines: list[JournalLineIn]


class JournalLineOut(ORMModel):
    id: int
    line_no: int
    account_id: int
    currency: str
    debit: Decimal
    credit: Decimal
    memo: str | None


class JournalEntryOut(ORMModel):
    id: int
    book_id: int
    entry_date: dt.date
    description: str
    reference: str | None
    status: Literal["draft", "posted", "void"]
    posted_at: dt.datetime | None
    reversal_of_id: int | None
    lines: list[JournalLineOut]


class ReverseRequest(BaseModel):
    entry_date: dt.date | None = None
    description: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None


# --- periods ---------------------------------------------------------------


class PeriodCreate(BaseModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    start_date: dt.date
    end_date: dt.date


class PeriodOut(ORMModel):
    id: int
    book_id: int
    name: str
    start_date: dt.date
    end_date: dt.date
    is_closed: bool
    closed_at: dt.datetime | None


# --- bank statements & reconciliation --------------------------------------


class StatementLineIn(BaseModel):
    txn_date: dt.date
    amount: SignedAmount
    description: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class StatementCreate(BaseModel):
    reference: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    statement_date: dt.date
    opening_balance: SignedAmount
    closing_balance: SignedAmount
    lines: list[StatementLineIn]


class StatementLineOut(ORMModel):
    id: int
    txn_date: dt.date
    amount: Decimal
    description: str
    external_id: str


class StatementOut(ORMModel):
    id: int
    account_id: int
    reference: str
    statement_date: dt.date
    opening_balance: Decimal
    closing_balance: Decimal
    lines: list[StatementLineOut]


class MatchCreate(BaseModel):
    statement_line_id: int
    journal_line_id: int


class MatchOut(ORMModel):
    id: int
    statement_line_id: int
    journal_line_id: int
    method: Literal["auto", "manual"]


class AutoMatchOut(BaseModel):
    matched: list[MatchOut]
    unmatched_statement_line_ids: list[int]


class ReconciliationSummaryOut(BaseModel):
    statement_id: int
    account_id: int
    statement_date: dt.date
    line_count: int
    matched_count: int
    unmatched_count: int
    unmatched_amount: Decimal
    closing_balance: Decimal
    ledger_balance: Decimal
    difference: Decimal
    is_reconciled: bool


# --- reports ---------------------------------------------------------------


class TrialBalanceRow(BaseModel):
    account_id: int
    book_id: int
    code: str
    name: str
    type: AccountType
    currency: str
    debit_total: Decimal
    credit_total: Decimal
    debit_balance: Decimal
    credit_balance: Decimal


class CurrencyTotals(BaseModel):
    currency: str
    debit_total: Decimal
    credit_total: Decimal
    debit_balance: Decimal
    credit_balance: Decimal
    balanced: bool


class TrialBalanceOut(BaseModel):
    book_id: int | None
    as_of: dt.date | None
    rows: list[TrialBalanceRow]
    totals: list[CurrencyTotals]


class ReportLine(BaseModel):
    account_id: int
    code: str
    name: str
    currency: str
    amount: Decimal
    converted: Decimal


class BalanceSheetOut(BaseModel):
    book_id: int
    as_of: dt.date
    currency: str
    assets: list[ReportLine]
    liabilities: list[ReportLine]
    equity: list[ReportLine]
    retained_earnings: Decimal
    total_assets: Decimal
    total_liabilities: Decimal
    total_equity: Decimal
    difference: Decimal
    balanced: bool


class IncomeStatementOut(BaseModel):
    book_id: int
    date_from: dt.date
    date_to: dt.date
    currency: str
    income: list[ReportLine]
    expenses: list[ReportLine]
    total_income: Decimal
    total_expenses: Decimal
    net_income: Decimal


class LedgerRowOut(BaseModel):
    entry_id: int
    line_id: int
    entry_date: dt.date
    description: str
    reference: str | None
    memo: str | None
    debit: Decimal
    credit: Decimal
    balance: Decimal


class AccountLedgerOut(BaseModel):
    account_id: int
    code: str
    currency: str
    date_from: dt.date | None
    date_to: dt.date | None
    opening_balance: Decimal
    total_debit: Decimal
    total_credit: Decimal
    closing_balance: Decimal
    rows: list[LedgerRowOut]


class RevaluationRow(BaseModel):
    account_id: int
    code: str
    name: str
    type: AccountType
    currency: str
    balance: Decimal
    historical_value: Decimal
    rate: Decimal
    revalued_value: Decimal
    unrealized_gain: Decimal


class RevaluationOut(BaseModel):
    book_id: int
    as_of: dt.date
    base_currency: str
    rows: list[RevaluationRow]
    total_unrealized_gain: Decimal
