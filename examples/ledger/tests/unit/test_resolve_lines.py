"""Double-entry validation rules, exercised without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.errors import UnbalancedEntry, ValidationFailed
from ledger.models import Account
from ledger.services.journal import LineSpec, imbalances, resolve_lines

BOOK = 1
PLACES = {"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3}


def _account(account_id: int, currency: str = "USD", **kw: object) -> Account:
    fields: dict[str, object] = {
        "id": account_id,
        "book_id": BOOK,
        "code": f"{account_id:04d}",
        "name": f"Account {account_id}",
        "type": "asset",
        "currency": currency,
        "is_active": True,
    }
    fields.update(kw)
    return Account(**fields)


ACCOUNTS = {
    1: _account(1),
    2: _account(2),
    3: _account(3, "EUR"),
    4: _account(4, "EUR"),
    5: _account(5, "JPY"),
    6: _account(6, "JPY"),
    7: _account(7, "KWD"),
    8: _account(8, "KWD"),
    9: _account(9, is_active=False),
    10: _account(10, book_id=2),
}


def resolve(*lines: LineSpec) -> list:
    return resolve_lines(list(lines), book_id=BOOK, accounts=ACCOUNTS, places=PLACES)


def D(value: str) -> Decimal:
    return Decimal(value)


def test_simple_balanced_entry() -> None:
    lines = resolve(LineSpec(1, debit=D("10")), LineSpec(2, credit=D("10")))
    assert [(line.line_no, line.currency) for line in lines] == [(1, "USD"), (2, "USD")]


def test_line_currency_defaults_to_account_currency() -> None:
    lines = resolve(LineSpec(3, debit=D("5")), LineSpec(4, credit=D("5")))
    assert {line.currency for line in lines} == {"EUR"}


def test_explicit_matching_currency_is_accepted() -> None:
    resolve(LineSpec(1, debit=D("5"), currency="USD"), LineSpec(2, credit=D("5")))


def test_split_entry_with_many_lines() -> None:
    lines = resolve(
        LineSpec(1, debit=D("60")),
        LineSpec(1, debit=D("40")),
        LineSpec(2, credit=D("25")),
        LineSpec(2, credit=D("75")),
    )
    assert len(lines) == 4


def test_multi_currency_entry_balancing_per_currency() -> None:
    resolve(
        LineSpec(1, debit=D("110")),
        LineSpec(2, credit=D("110")),
        LineSpec(3, debit=D("100")),
        LineSpec(4, credit=D("100")),
    )


def test_memo_is_kept() -> None:
    lines = resolve(LineSpec(1, debit=D("1"), memo="coffee"), LineSpec(2, credit=D("1")))
    assert lines[0].memo == "coffee"
    assert lines[1].memo is None


@pytest.mark.parametrize("count", [0, 1])
def test_needs_two_lines(count: int) -> None:
    lines = [LineSpec(1, debit=D("1"))][:count]
    with pytest.raises(ValidationFailed, match="at least two lines"):
        resolve(*lines)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (LineSpec(1, debit=D("-1")), "negative"),
        (LineSpec(1, credit=D("-1")), "negative"),
        (LineSpec(1, debit=D("1"), credit=D("1")), "either a debit or a credit"),
        (LineSpec(1), "must not be zero"),
        (LineSpec(99, debit=D("1")), "does not exist"),
        (LineSpec(9, debit=D("1")), "inactive"),
        (LineSpec(10, debit=D("1")), "another book"),
        (LineSpec(1, debit=D("1"), currency="EUR"), "kept in USD"),
        (LineSpec(1, debit=D("1.005")), "2 decimal places"),
        (LineSpec(5, debit=D("1.5")), "0 decimal places"),
        (LineSpec(7, debit=D("1.0001")), "3 decimal places"),
    ],
)
def test_invalid_first_line(spec: LineSpec, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message) as excinfo:
        resolve(spec, LineSpec(2, credit=D("1")))
    assert str(excinfo.value).startswith("line 1:")


def test_error_names_the_offending_line() -> None:
    with pytest.raises(ValidationFailed, match=r"^line 3:"):
        resolve(LineSpec(1, debit=D("2")), LineSpec(2, credit=D("1")), LineSpec(2))


@pytest.mark.parametrize(
    "lines",
    [
        (LineSpec(1, debit=D("10")), LineSpec(2, credit=D("9.99"))),
        (LineSpec(1, debit=D("10")), LineSpec(2, debit=D("10"))),
        (LineSpec(1, debit=D("10")), LineSpec(3, credit=D("10"))),
        (LineSpec(5, debit=D("100")), LineSpec(6, credit=D("99"))),
    ],
)
def test_unbalanced_entries_are_rejected(lines: tuple[LineSpec, ...]) -> None:
    with pytest.raises(UnbalancedEntry, match="does not balance"):
        resolve(*lines)


def test_unbalanced_message_lists_each_currency() -> None:
    with pytest.raises(UnbalancedEntry) as excinfo:
        resolve(LineSpec(1, debit=D("10")), LineSpec(3, credit=D("10")))
    assert "EUR: debits 0.00 != credits 10.00" in str(excinfo.value)
    assert "USD: debits 10.00 != credits 0.00" in str(excinfo.value)


def test_three_decimal_currency_balances() -> None:
    resolve(LineSpec(7, debit=D("1.234")), LineSpec(8, credit=D("1.234")))


def test_trailing_zeros_do_not_count_as_places() -> None:
    resolve(LineSpec(5, debit=D("100.00")), LineSpec(6, credit=D("100")))


def test_imbalances_of_balanced_lines_is_empty() -> None:
    lines = resolve(LineSpec(1, debit=D("3")), LineSpec(2, credit=D("3")))
    assert imbalances(lines) == {}
