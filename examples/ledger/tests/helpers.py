"""Shared test helpers: a thin client for the ledger API and data builders.

Every builder creates uniquely named data, because the suite runs against a
database that earlier tests (or earlier runs) have already written to.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from ledger.models import Account, Book

Json = dict[str, Any]
Amount = Decimal | int | str

FIRST_OF_YEAR = dt.date(2024, 1, 1)


def uid() -> str:
    return uuid.uuid4().hex[:10]


def D(value: Amount | float) -> Decimal:
    return Decimal(str(value))


def dr(account: Json | int, amount: Amount, **extra: Any) -> Json:
    account_id = account if isinstance(account, int) else account["id"]
    return {"account_id": account_id, "debit": str(amount), **extra}


def cr(account: Json | int, amount: Amount, **extra: Any) -> Json:
    account_id = account if isinstance(account, int) else account["id"]
    return {"account_id": account_id, "credit": str(amount), **extra}


def expect(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url} -> {response.status_code}: "
        f"{response.text}"
    )
    if status == 204:
        return None
    return response.json()


def error_code(response: httpx.Response) -> str:
    body = response.json()
    return str(body["error"]["code"])


class LedgerApi:
    """Typed-ish wrapper around the HTTP API used by API and report tests."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    # currencies & fx
    async def currencies(self, *, active: bool = False) -> list[Json]:
        return expect(await self.client.get("/currencies", params={"active": active}), 200)

    async def free_currency_code(self) -> str:
        """A 3-letter code not in the currencies table.

        Test currencies start with Q or Z (never X: XTS etc. are used by
        the global-state tests); tests that need a code that never
        exists use "AAA".
        """
        taken = {c["code"] for c in await self.currencies()}
        rng = random.Random()
        for _ in range(10_000):
            code = rng.choice("QZ") + "".join(rng.choices(string.ascii_uppercase, k=2))
            if code not in taken:
                return code
        raise RuntimeError("no free test currency code left; reset the test database")

    async def create_currency(
        self, code: str | None = None, *, decimal_places: int = 2, name: str | None = None
    ) -> Json:
        code = code or await self.free_currency_code()
        payload = {
            "code": code,
            "name": name or f"Test currency {code}",
            "decimal_places": decimal_places,
        }
        return expect(await self.client.post("/currencies", json=payload), 201)

    async def set_rate(
        self, base: str, quote: str, as_of: dt.date, rate: Amount, *, source: str | None = None
    ) -> Json:
        payload = {
            "base_currency": base,
            "quote_currency": quote,
            "as_of": as_of.isoformat(),
            "rate": str(rate),
            "source": source,
        }
        return expect(await self.client.put("/fx-rates", json=payload), 200)

    # books & accounts
    async def create_book(self, *, name: str | None = None, base_currency: str = "USD") -> Json:
        payload = {"name": name or f"Book {uid()}", "base_currency": base_currency}
        return expect(await self.client.post("/books", json=payload), 201)

    async def create_account(
        self,
        book: Json | int,
        *,
        code: str | None = None,
        name: str | None = None,
        type: str = "asset",
        currency: str | None = None,
        parent: Json | int | None = None,
        description: str | None = None,
    ) -> Json:
        book_id = book if isinstance(book, int) else book["id"]
        code = code or f"A-{uid()}"
        payload: Json = {"code": code, "name": name or f"Account {code}", "type": type}
        if currency is not None:
            payload["currency"] = currency
        if parent is not None:
            payload["parent_id"] = parent if isinstance(parent, int) else parent["id"]
        if description is not None:
            payload["description"] = description
        return expect(await self.client.post(f"/books/{book_id}/accounts", json=payload), 201)

    async def balance(self, account: Json | int, *, as_of: dt.date | None = None) -> Decimal:
        account_id = account if isinstance(account, int) else account["id"]
        params = {"as_of": as_of.isoformat()} if as_of else {}
        body = expect(await self.client.get(f"/accounts/{account_id}/balance", params=params), 200)
        return Decimal(body["balance"])

    # journal
    def entry_payload(
        self,
        lines: list[Json],
        *,
        entry_date: dt.date = dt.date(2024, 1, 15),
        description: str = "test entry",
        reference: str | None = None,
        status: str = "posted",
    ) -> Json:
        payload: Json = {
            "entry_date": entry_date.isoformat(),
            "description": description,
            "status": status,
            "lines": lines,
        }
        if reference is not None:
            payload["reference"] = reference
        return payload

    async def post_entry_raw(
        self, book: Json | int, lines: list[Json], **kw: Any
    ) -> httpx.Response:
        book_id = book if isinstance(book, int) else book["id"]
        return await self.client.post(
            f"/books/{book_id}/journal-entries", json=self.entry_payload(lines, **kw)
        )

    async def create_entry(self, book: Json | int, lines: list[Json], **kw: Any) -> Json:
        return expect(await self.post_entry_raw(book, lines, **kw), 201)

    async def transfer(
        self,
        book: Json | int,
        debit: Json,
        credit: Json,
        amount: Amount,
        *,
        entry_date: dt.date = dt.date(2024, 1, 15),
        description: str = "transfer",
        **kw: Any,
    ) -> Json:
        return await self.create_entry(
            book,
            [dr(debit, amount), cr(credit, amount)],
            entry_date=entry_date,
            description=description,
            **kw,
        )

    # reports
    async def trial_balance(self, book: Json | int | None, **params: Any) -> Json:
        if book is None:
            url = "/reports/trial-balance"
        else:
            book_id = book if isinstance(book, int) else book["id"]
            url = f"/books/{book_id}/reports/trial-balance"
        return expect(await self.client.get(url, params=_params(params)), 200)

    async def balance_sheet(self, book: Json, as_of: dt.date) -> Json:
        url = f"/books/{book['id']}/reports/balance-sheet"
        return expect(await self.client.get(url, params={"as_of": as_of.isoformat()}), 200)

    async def income_statement(self, book: Json, date_from: dt.date, date_to: dt.date) -> Json:
        url = f"/books/{book['id']}/reports/income-statement"
        params = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
        return expect(await self.client.get(url, params=params), 200)

    async def ledger(self, account: Json, **params: Any) -> Json:
        url = f"/accounts/{account['id']}/ledger"
        return expect(await self.client.get(url, params=_params(params)), 200)

    async def revaluation(self, book: Json, as_of: dt.date) -> Json:
        url = f"/books/{book['id']}/reports/fx-revaluation"
        return expect(await self.client.get(url, params={"as_of": as_of.isoformat()}), 200)


def _params(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        out[key] = value.isoformat() if isinstance(value, dt.date) else value
    return out


@dataclass
class Chart:
    """A small but complete chart of accounts in one book."""

    book: Json
    cash: Json
    bank: Json
    receivables: Json
    payables: Json
    loan: Json
    capital: Json
    sales: Json
    interest_income: Json
    rent: Json
    salaries: Json
    supplies: Json

    @property
    def all(self) -> list[Json]:
        return [
            self.cash,
            self.bank,
            self.receivables,
            self.payables,
            self.loan,
            self.capital,
            self.sales,
            self.interest_income,
            self.rent,
            self.salaries,
            self.supplies,
        ]


async def build_chart(api: LedgerApi, *, base_currency: str = "USD") -> Chart:
    book = await api.create_book(base_currency=base_currency)

    async def account(code: str, name: str, type: str) -> Json:
        return await api.create_account(book, code=code, name=name, type=type)

    return Chart(
        book=book,
        cash=await account("1000", "Cash on hand", "asset"),
        bank=await account("1010", "Operating bank account", "asset"),
        receivables=await account("1200", "Accounts receivable", "asset"),
        payables=await account("2000", "Accounts payable", "liability"),
        loan=await account("2500", "Bank loan", "liability"),
        capital=await account("3000", "Owner's capital", "equity"),
        sales=await account("4000", "Sales", "income"),
        interest_income=await account("4100", "Interest income", "income"),
        rent=await account("6100", "Rent", "expense"),
        salaries=await account("6200", "Salaries", "expense"),
        supplies=await account("6300", "Office supplies", "expense"),
    )


@dataclass
class MiniBook:
    """ORM objects of a small book, for service-level tests."""

    book: Book
    cash: Account
    bank: Account
    loan: Account
    equity: Account
    sales: Account
    costs: Account
