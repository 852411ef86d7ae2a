import datetime

import pytest

from catalog.models import Copy
from loans import services
from loans.models import Fine, Loan, Reservation
from tests.factories import at

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def loan(make_loan, copy, member):
    # Borrowed Monday 3 March 2025, due Monday 17 March (14 days, 25p a day, 1 day's grace).
    return make_loan(copy=copy, member=member, borrowed_at=at(2025, 3, 3))


def test_on_time_return(loan, copy):
    receipt = services.return_loan(loan, at=at(2025, 3, 17, 16))
    copy.refresh_from_db()
    assert receipt.fine is None
    assert receipt.held_for is None
    assert receipt.loan.returned_at == at(2025, 3, 17, 16)
    assert copy.status == Copy.Status.AVAILABLE


def test_grace_day_is_free(loan):
    assert services.return_loan(loan, at=at(2025, 3, 18)).fine is None


def test_late_return_is_fined(loan):
    receipt = services.return_loan(loan, at=at(2025, 3, 21))
    fine = receipt.fine
    assert fine.kind == Fine.Kind.LATE
    assert fine.amount_cents == 75  # 4 days late less 1 day's grace
    assert fine.issued_on == D(2025, 3, 21)
    assert fine.note == "4 days late"
    assert fine.is_outstanding


def test_late_fine_is_capped_at_thirty_days(loan):
    fine = services.return_loan(loan, at=at(2025, 12, 1)).fine
    assert fine.amount_cents == 750


def test_grace_comes_from_settings(loan, settings):
    settings.LIBRARY = {**settings.LIBRARY, "FINE_GRACE_DAYS": 0}
    assert services.return_loan(loan, at=at(2025, 3, 18)).fine.amount_cents == 25


def test_free_tier_is_not_fined(make_loan, make_member, make_tier):
    member = make_member(tier=make_tier(daily_fine_cents=0))
    loan = make_loan(member=member, borrowed_at=at(2025, 1, 6))
    assert services.return_loan(loan, at=at(2025, 6, 1)).fine is None


def test_return_twice_is_refused(loan):
    services.return_loan(loan, at=at(2025, 3, 10))
    with pytest.raises(services.LendingError) as info:
        services.return_loan(loan, at=at(2025, 3, 11))
    assert info.value.code == "already_returned"


def test_return_before_borrowing_is_refused(loan):
    with pytest.raises(services.LendingError) as info:
        services.return_loan(loan, at=at(2025, 3, 1))
    assert info.value.code == "before_borrowed"
    loan.refresh_from_db()
    assert loan.returned_at is None


def test_returned_copy_is_held_for_the_first_in_queue(
    loan, copy, book, make_member, make_reservation
):
    first = make_reservation(book=book, member=make_member(), created_at=at(2025, 3, 4, 9))
    second = make_reservation(book=book, member=make_member(), created_at=at(2025, 3, 5, 9))
    receipt = services.return_loan(loan, at=at(2025, 3, 12))
    first.refresh_from_db()
    second.refresh_from_db()
    copy.refresh_from_db()
    assert receipt.held_for == first
    assert first.status == Reservation.Status.READY
    assert first.copy == copy
    assert first.ready_until == D(2025, 3, 15)  # Wednesday + 3 days = Saturday
    assert second.status == Reservation.Status.PENDING
    assert copy.status == Copy.Status.HELD


def test_queue_ties_break_by_id(loan, book, make_member, make_reservation):
    same_time = at(2025, 3, 4, 9)
    first = make_reservation(book=book, member=make_member(), created_at=same_time)
    make_reservation(book=book, member=make_member(), created_at=same_time)
    assert services.return_loan(loan, at=at(2025, 3, 12)).held_for == first


def test_cancelled_reservations_are_skipped(loan, book, make_member, make_reservation):
    make_reservation(book=book, member=make_member(), created_at=at(2025, 3, 4), status="cancelled")
    waiting = make_reservation(book=book, member=make_member(), created_at=at(2025, 3, 5))
    assert services.return_loan(loan, at=at(2025, 3, 12)).held_for == waiting


def test_reservations_for_other_books_are_ignored(loan, make_reservation):
    make_reservation()
    assert services.return_loan(loan, at=at(2025, 3, 12)).held_for is None


def test_overdue_queryset(make_loan):
    late = make_loan(borrowed_at=at(2025, 2, 1), due_on=D(2025, 2, 15))
    make_loan(borrowed_at=at(2025, 3, 1), due_on=D(2025, 3, 15))
    make_loan(borrowed_at=at(2025, 2, 1), due_on=D(2025, 2, 15), returned_at=at(2025, 2, 20))
    assert list(Loan.objects.overdue(D(2025, 3, 12))) == [late]


def test_due_between(make_loan):
    soon = make_loan(due_on=D(2025, 3, 14))
    make_loan(due_on=D(2025, 3, 31))
    assert list(Loan.objects.due_between(D(2025, 3, 12), D(2025, 3, 19))) == [soon]


def test_returned_late_queryset(make_loan):
    late = make_loan(
        borrowed_at=at(2025, 3, 1), due_on=D(2025, 3, 10), returned_at=at(2025, 3, 11, 9)
    )
    make_loan(
        borrowed_at=at(2025, 3, 1), due_on=D(2025, 3, 10), returned_at=at(2025, 3, 10, 23, 59)
    )
    make_loan(borrowed_at=at(2025, 3, 1), due_on=D(2025, 3, 10))
    assert list(Loan.objects.returned_late()) == [late]


def test_loan_days_overdue(make_loan):
    loan = make_loan(borrowed_at=at(2025, 3, 1), due_on=D(2025, 3, 10))
    assert loan.days_overdue(D(2025, 3, 9)) == 0
    assert loan.days_overdue(D(2025, 3, 15)) == 5
    assert loan.is_overdue(D(2025, 3, 11))
    loan.returned_at = at(2025, 3, 12)
    assert loan.days_overdue(D(2025, 4, 1)) == 2
    assert not loan.is_overdue(D(2025, 4, 1))


def test_for_book(make_loan, make_copy, book):
    mine = make_loan(copy=make_copy(book=book))
    make_loan()
    assert list(Loan.objects.for_book(book)) == [mine]
