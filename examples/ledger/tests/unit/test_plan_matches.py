"""The auto-matching algorithm, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledger.services.reconciliation import BankItem, LedgerItem, plan_matches

DAY = dt.date(2024, 5, 10)


def bank(item_id: int, days: int, amount: str) -> BankItem:
    return BankItem(id=item_id, txn_date=DAY + dt.timedelta(days=days), amount=Decimal(amount))


def ledger(item_id: int, days: int, amount: str) -> LedgerItem:
    return LedgerItem(id=item_id, entry_date=DAY + dt.timedelta(days=days), amount=Decimal(amount))


def test_exact_match() -> None:
    assert plan_matches([bank(1, 0, "50")], [ledger(10, 0, "50")], window_days=3) == [(1, 10)]


def test_amount_must_be_equal() -> None:
    assert plan_matches([bank(1, 0, "50")], [ledger(10, 0, "50.01")], window_days=3) == []


def test_sign_matters() -> None:
    assert plan_matches([bank(1, 0, "-50")], [ledger(10, 0, "50")], window_days=3) == []


@pytest.mark.parametrize(("gap", "window", "matched"), [(3, 3, True), (4, 3, False), (0, 0, True)])
def test_date_window(gap: int, window: int, matched: bool) -> None:
    pairs = plan_matches([bank(1, 0, "5")], [ledger(10, gap, "5")], window_days=window)
    assert pairs == ([(1, 10)] if matched else [])


def test_window_applies_in_both_directions() -> None:
    assert plan_matches([bank(1, 0, "5")], [ledger(10, -2, "5")], window_days=2) == [(1, 10)]


def test_closest_date_wins() -> None:
    pairs = plan_matches(
        [bank(1, 0, "20")], [ledger(10, -3, "20"), ledger(11, 1, "20")], window_days=5
    )
    assert pairs == [(1, 11)]


def test_tie_on_gap_prefers_earlier_entry() -> None:
    pairs = plan_matches(
        [bank(1, 0, "20")], [ledger(11, 2, "20"), ledger(10, -2, "20")], window_days=5
    )
    assert pairs == [(1, 10)]


def test_tie_on_date_prefers_lower_id() -> None:
    pairs = plan_matches(
        [bank(1, 0, "20")], [ledger(12, 0, "20"), ledger(11, 0, "20")], window_days=1
    )
    assert pairs == [(1, 11)]


def test_each_ledger_line_is_used_once() -> None:
    pairs = plan_matches([bank(1, 0, "9"), bank(2, 1, "9")], [ledger(10, 0, "9")], window_days=3)
    assert pairs == [(1, 10)]


def test_duplicates_pair_up_in_date_order() -> None:
    pairs = plan_matches(
        [bank(2, 5, "9"), bank(1, 0, "9")],
        [ledger(11, 5, "9"), ledger(10, 0, "9")],
        window_days=7,
    )
    assert pairs == [(1, 10), (2, 11)]


def test_greedy_earlier_statement_line_takes_its_closest() -> None:
    # Line 1 (day 0) grabs ledger 10 (day 1); line 2 (day 2) falls back to ledger 11 (day 4).
    pairs = plan_matches(
        [bank(1, 0, "7"), bank(2, 2, "7")],
        [ledger(10, 1, "7"), ledger(11, 4, "7")],
        window_days=3,
    )
    assert pairs == [(1, 10), (2, 11)]


def test_nothing_to_match() -> None:
    assert plan_matches([], [ledger(10, 0, "1")], window_days=3) == []
    assert plan_matches([bank(1, 0, "1")], [], window_days=3) == []


def test_many_lines() -> None:
    banks = [bank(i, i % 20, str(i)) for i in range(1, 201)]
    ledgers = [ledger(1000 + i, (i % 20) + 1, str(i)) for i in range(1, 201)]
    pairs = plan_matches(banks, ledgers, window_days=1)
    assert pairs == [(i, 1000 + i) for i in sorted(range(1, 201), key=lambda i: (i % 20, i))]
