import datetime

import pytest

from catalog.models import Copy
from loans import services
from loans.models import Loan, Reservation
from tests.factories import NOW, at

pytestmark = pytest.mark.django_db

D = datetime.date


def test_lend_creates_a_loan(copy, member):
    loan = services.lend(copy, member, at=NOW)
    copy.refresh_from_db()
    assert loan.member == member
    assert loan.borrowed_at == NOW
    assert loan.due_on == D(2025, 3, 26)
    assert loan.renewals == 0
    assert copy.status == Copy.Status.ON_LOAN


def test_due_date_follows_the_tier(copy, make_member, make_tier):
    member = make_member(tier=make_tier(loan_days=21))
    assert services.lend(copy, member, at=NOW).due_on == D(2025, 4, 2)


def test_due_date_skips_sunday(copy, make_member, make_tier):
    member = make_member(tier=make_tier(loan_days=4))  # Wednesday + 4 = Sunday
    assert services.lend(copy, member, at=NOW).due_on == D(2025, 3, 17)


def test_copy_on_loan_cannot_be_lent(copy, member, make_member):
    services.lend(copy, member, at=NOW)
    with pytest.raises(services.LendingError) as info:
        services.lend(copy, make_member(), at=NOW)
    assert info.value.code == "not_lendable"


@pytest.mark.parametrize("status", [Copy.Status.REPAIR, Copy.Status.LOST])
def test_unshelved_copy_cannot_be_lent(make_copy, member, status):
    with pytest.raises(services.LendingError) as info:
        services.lend(make_copy(status=status), member, at=NOW)
    assert info.value.code == "not_lendable"


def test_ebook_cannot_be_lent_as_a_copy(make_edition, make_copy, member):
    copy = make_copy(make_edition(format="ebook"))
    with pytest.raises(services.LendingError):
        services.lend(copy, member, at=NOW)


def test_closed_card_cannot_borrow(copy, make_member):
    with pytest.raises(services.LendingError) as info:
        services.lend(copy, make_member(is_active=False), at=NOW)
    assert info.value.code == "inactive_member"


def test_loan_limit(make_copy, make_member, make_tier):
    member = make_member(tier=make_tier(max_loans=2))
    services.lend(make_copy(), member, at=NOW)
    services.lend(make_copy(), member, at=NOW)
    with pytest.raises(services.LendingError) as info:
        services.lend(make_copy(), member, at=NOW)
    assert info.value.code == "loan_limit"
    assert Loan.objects.filter(member=member).count() == 2


def test_returned_loans_do_not_count_towards_the_limit(
    make_copy, make_member, make_tier, make_loan
):
    member = make_member(tier=make_tier(max_loans=1))
    make_loan(member=member, borrowed_at=at(2025, 1, 1), returned_at=at(2025, 1, 10))
    assert services.lend(make_copy(), member, at=NOW).pk


def test_fines_block_borrowing(copy, member, make_loan, make_fine, settings):
    settings.LIBRARY = {**settings.LIBRARY, "BLOCKING_FINE_CENTS": 500}
    make_fine(make_loan(member=member, returned_at=at(2025, 3, 12, 11)), amount_cents=500)
    with pytest.raises(services.LendingError) as info:
        services.lend(copy, member, at=NOW)
    assert info.value.code == "fines_owed"
    assert "£5.00" in str(info.value)


def test_fines_below_the_threshold_do_not_block(copy, member, make_loan, make_fine, settings):
    settings.LIBRARY = {**settings.LIBRARY, "BLOCKING_FINE_CENTS": 500}
    make_fine(make_loan(member=member, returned_at=at(2025, 3, 12, 11)), amount_cents=499)
    assert services.lend(copy, member, at=NOW).pk


def test_paid_fines_do_not_block(copy, member, make_loan, make_fine):
    make_fine(
        make_loan(member=member, returned_at=at(2025, 3, 12, 11)),
        amount_cents=5000,
        paid_on=D(2025, 3, 12),
    )
    assert services.lend(copy, member, at=NOW).pk


def test_collecting_a_held_copy_fulfils_the_reservation(copy, book, member, make_reservation):
    reservation = make_reservation(
        book=book, member=member, status="ready", copy=copy, ready_until=D(2025, 3, 15)
    )
    copy.status = Copy.Status.HELD
    copy.save()
    services.lend(copy, member, at=NOW)
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.FULFILLED


def test_held_copy_is_refused_to_others(copy, book, member, make_member, make_reservation):
    make_reservation(
        book=book, member=member, status="ready", copy=copy, ready_until=D(2025, 3, 15)
    )
    copy.status = Copy.Status.HELD
    copy.save()
    with pytest.raises(services.LendingError) as info:
        services.lend(copy, make_member(), at=NOW)
    assert info.value.code == "held_for_other"


def test_held_copy_without_a_reservation_is_refused(make_copy, member):
    with pytest.raises(services.LendingError) as info:
        services.lend(make_copy(status=Copy.Status.HELD), member, at=NOW)
    assert info.value.code == "held_for_other"


def test_borrowing_off_the_shelf_fulfils_own_pending_reservation(
    copy, book, member, make_reservation
):
    mine = make_reservation(book=book, member=member)
    services.lend(copy, member, at=NOW)
    mine.refresh_from_db()
    assert mine.status == Reservation.Status.FULFILLED


def test_a_failed_lend_changes_nothing(copy, make_member):
    member = make_member(is_active=False)
    with pytest.raises(services.LendingError):
        services.lend(copy, member, at=NOW)
    copy.refresh_from_db()
    assert copy.status == Copy.Status.AVAILABLE
    assert not Loan.objects.filter(copy=copy).exists()


def test_lend_uses_fresh_rows(copy, member, make_member):
    stale = Copy.objects.get(pk=copy.pk)
    services.lend(copy, member, at=NOW)
    # The in-memory copy still says "available"; the service re-reads it and refuses.
    with pytest.raises(services.LendingError):
        services.lend(stale, make_member(), at=NOW)
