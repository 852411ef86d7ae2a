"""Lending rules as pure functions: due dates, fines, renewals. No database."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

SUNDAY = 6


def compute_due_date(
    start: datetime.date, loan_days: int, *, closed_weekdays: frozenset[int] = frozenset({SUNDAY})
) -> datetime.date:
    """``loan_days`` after ``start``, moved on to the next day the library is open."""
    if loan_days < 1:
        raise ValueError("loan_days must be at least 1")
    if len(closed_weekdays) >= 7:
        raise ValueError("the library must open on some day")
    due = start + datetime.timedelta(days=loan_days)
    while due.weekday() in closed_weekdays:
        due += datetime.timedelta(days=1)
    return due


def days_late(due_on: datetime.date, returned_on: datetime.date, grace_days: int = 0) -> int:
    """Chargeable days: those after the due date, less the grace period."""
    return max(0, (returned_on - due_on).days - grace_days)


def late_fine_cents(
    due_on: datetime.date,
    returned_on: datetime.date,
    daily_cents: int,
    *,
    grace_days: int = 0,
    cap_cents: int | None = None,
) -> int:
    if daily_cents < 0:
        raise ValueError("daily_cents must not be negative")
    amount = days_late(due_on, returned_on, grace_days) * daily_cents
    if cap_cents is not None:
        amount = min(amount, cap_cents)
    return amount


@dataclass(frozen=True)
class RenewalDecision:
    allowed: bool
    reason: str = ""


def renewal_decision(
    *, renewals: int, max_renewals: int, overdue: bool, others_waiting: bool
) -> RenewalDecision:
    if overdue:
        return RenewalDecision(False, "overdue")
    if others_waiting:
        return RenewalDecision(False, "reserved")
    if renewals >= max_renewals:
        return RenewalDecision(False, "renewal_limit")
    return RenewalDecision(True)


def format_cents(cents: int, currency: str = "£") -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{currency}{cents // 100}.{cents % 100:02d}"


def hold_until(on: datetime.date, hold_days: int) -> datetime.date:
    """Last day a held copy waits for collection; never a Sunday."""
    return compute_due_date(on, hold_days)
