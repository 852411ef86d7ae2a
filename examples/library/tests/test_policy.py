"""loans.policy: due dates, fines and renewals as pure functions (no database)."""

import datetime

import pytest

from loans import policy

D = datetime.date


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (D(2025, 3, 12), 14, D(2025, 3, 26)),  # Wednesday -> Wednesday
        (D(2025, 3, 9), 14, D(2025, 3, 24)),  # lands on a Sunday -> Monday
        (D(2025, 3, 8), 1, D(2025, 3, 10)),  # Saturday + 1 = Sunday -> Monday
        (D(2024, 2, 28), 1, D(2024, 2, 29)),  # leap day
        (D(2025, 12, 30), 5, D(2026, 1, 5)),  # Sunday 4 January -> Monday 5
    ],
)
def test_compute_due_date(start, days, due):
    assert policy.compute_due_date(start, days) == due


def test_due_date_is_never_a_sunday():
    start = D(2025, 1, 1)
    for offset in range(30):
        for days in (1, 7, 14, 21, 28):
            due = policy.compute_due_date(start + datetime.timedelta(days=offset), days)
            assert due.weekday() != policy.SUNDAY


def test_due_date_skips_several_closed_days():
    # Open Tuesday to Saturday only.
    closed = frozenset({6, 0})
    assert policy.compute_due_date(D(2025, 3, 8), 1, closed_weekdays=closed) == D(2025, 3, 11)


def test_due_date_with_no_closed_days():
    assert policy.compute_due_date(D(2025, 3, 9), 7, closed_weekdays=frozenset()) == D(2025, 3, 16)


@pytest.mark.parametrize("days", [0, -3])
def test_due_date_needs_a_positive_loan(days):
    with pytest.raises(ValueError, match="loan_days"):
        policy.compute_due_date(D(2025, 3, 12), days)


def test_due_date_needs_an_open_day():
    with pytest.raises(ValueError, match="open"):
        policy.compute_due_date(D(2025, 3, 12), 3, closed_weekdays=frozenset(range(7)))


@pytest.mark.parametrize(
    ("due", "returned", "grace", "late"),
    [
        (D(2025, 3, 10), D(2025, 3, 10), 0, 0),
        (D(2025, 3, 10), D(2025, 3, 9), 0, 0),
        (D(2025, 3, 10), D(2025, 3, 11), 0, 1),
        (D(2025, 3, 10), D(2025, 3, 11), 1, 0),
        (D(2025, 3, 10), D(2025, 3, 20), 2, 8),
        (D(2025, 2, 27), D(2025, 3, 1), 0, 2),
    ],
)
def test_days_late(due, returned, grace, late):
    assert policy.days_late(due, returned, grace) == late


@pytest.mark.parametrize(
    ("returned", "expected"),
    [(D(2025, 3, 10), 0), (D(2025, 3, 11), 25), (D(2025, 3, 14), 100), (D(2025, 4, 30), 1275)],
)
def test_late_fine_per_day(returned, expected):
    assert policy.late_fine_cents(D(2025, 3, 10), returned, 25) == expected


def test_late_fine_grace_period():
    assert policy.late_fine_cents(D(2025, 3, 10), D(2025, 3, 14), 25, grace_days=1) == 75


def test_late_fine_is_capped():
    assert policy.late_fine_cents(D(2025, 1, 1), D(2025, 12, 31), 25, cap_cents=750) == 750


def test_cap_above_the_fine_changes_nothing():
    assert policy.late_fine_cents(D(2025, 3, 10), D(2025, 3, 12), 25, cap_cents=10_000) == 50


def test_free_tier_never_fines():
    assert policy.late_fine_cents(D(2025, 1, 1), D(2025, 6, 1), 0) == 0


def test_negative_daily_rate_rejected():
    with pytest.raises(ValueError, match="negative"):
        policy.late_fine_cents(D(2025, 1, 1), D(2025, 1, 5), -1)


@pytest.mark.parametrize(
    ("kwargs", "allowed", "reason"),
    [
        ({"renewals": 0, "max_renewals": 2, "overdue": False, "others_waiting": False}, True, ""),
        ({"renewals": 1, "max_renewals": 2, "overdue": False, "others_waiting": False}, True, ""),
        (
            {"renewals": 2, "max_renewals": 2, "overdue": False, "others_waiting": False},
            False,
            "renewal_limit",
        ),
        (
            {"renewals": 0, "max_renewals": 2, "overdue": True, "others_waiting": False},
            False,
            "overdue",
        ),
        (
            {"renewals": 0, "max_renewals": 2, "overdue": False, "others_waiting": True},
            False,
            "reserved",
        ),
        (
            {"renewals": 0, "max_renewals": 0, "overdue": False, "others_waiting": False},
            False,
            "renewal_limit",
        ),
    ],
)
def test_renewal_decision(kwargs, allowed, reason):
    decision = policy.renewal_decision(**kwargs)
    assert decision.allowed is allowed
    assert decision.reason == reason


def test_overdue_is_reported_before_the_queue():
    decision = policy.renewal_decision(
        renewals=5, max_renewals=1, overdue=True, others_waiting=True
    )
    assert decision.reason == "overdue"


def test_renewal_decision_is_immutable():
    decision = policy.renewal_decision(
        renewals=0, max_renewals=1, overdue=False, others_waiting=False
    )
    with pytest.raises(AttributeError):
        decision.allowed = False


@pytest.mark.parametrize(
    ("cents", "text"),
    [(0, "£0.00"), (5, "£0.05"), (125, "£1.25"), (100_000, "£1000.00"), (-250, "-£2.50")],
)
def test_format_cents(cents, text):
    assert policy.format_cents(cents) == text


def test_format_cents_other_currency():
    assert policy.format_cents(1999, "€") == "€19.99"


def test_hold_until_skips_sunday():
    # Thursday + 3 days = Sunday -> Monday.
    assert policy.hold_until(D(2025, 3, 13), 3) == D(2025, 3, 17)
