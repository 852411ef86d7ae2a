import datetime

import pytest

from loans import services
from tests.factories import at

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def loan(make_loan, copy, member):
    return make_loan(copy=copy, member=member, borrowed_at=at(2025, 3, 3))  # due 17 March


def test_renew_from_today(loan):
    renewed = services.renew(loan, at=at(2025, 3, 12))
    assert renewed.due_on == D(2025, 3, 26)
    assert renewed.renewals == 1


def test_renew_on_the_due_date_is_allowed(loan):
    assert services.renew(loan, at=at(2025, 3, 17)).due_on == D(2025, 3, 31)


def test_overdue_loans_cannot_be_renewed(loan):
    with pytest.raises(services.LendingError) as info:
        services.renew(loan, at=at(2025, 3, 18))
    assert info.value.code == "overdue"


def test_renewal_limit(loan):
    services.renew(loan, at=at(2025, 3, 10))
    services.renew(loan, at=at(2025, 3, 12))
    with pytest.raises(services.LendingError) as info:
        services.renew(loan, at=at(2025, 3, 14))
    assert info.value.code == "renewal_limit"
    loan.refresh_from_db()
    assert loan.renewals == 2


def test_tier_without_renewals(make_loan, make_member, make_tier):
    loan = make_loan(member=make_member(tier=make_tier(max_renewals=0)), borrowed_at=at(2025, 3, 3))
    with pytest.raises(services.LendingError) as info:
        services.renew(loan, at=at(2025, 3, 5))
    assert info.value.code == "renewal_limit"


def test_waiting_readers_block_renewal(loan, book, make_reservation, make_member):
    make_reservation(book=book, member=make_member())
    with pytest.raises(services.LendingError) as info:
        services.renew(loan, at=at(2025, 3, 10))
    assert info.value.code == "reserved"
    assert "reserved" in str(info.value)


def test_own_reservation_does_not_block(loan, book, member, make_reservation):
    make_reservation(book=book, member=member)
    assert services.renew(loan, at=at(2025, 3, 10)).renewals == 1


def test_other_books_reservations_do_not_block(loan, make_reservation):
    make_reservation()
    assert services.renew(loan, at=at(2025, 3, 10)).renewals == 1


def test_finished_reservations_do_not_block(loan, book, make_reservation, make_member):
    make_reservation(book=book, member=make_member(), status="cancelled")
    make_reservation(book=book, member=make_member(), status="fulfilled")
    assert services.renew(loan, at=at(2025, 3, 10)).renewals == 1


def test_returned_loan_cannot_be_renewed(loan):
    services.return_loan(loan, at=at(2025, 3, 5))
    with pytest.raises(services.LendingError) as info:
        services.renew(loan, at=at(2025, 3, 6))
    assert info.value.code == "already_returned"


def test_renewal_landing_on_sunday_moves_to_monday(loan):
    # Sunday 9 March + 14 = Sunday 23 March -> Monday 24.
    assert services.renew(loan, at=at(2025, 3, 9)).due_on == D(2025, 3, 24)


def test_renewal_is_saved(loan):
    services.renew(loan, at=at(2025, 3, 12))
    loan.refresh_from_db()
    assert (loan.due_on, loan.renewals) == (D(2025, 3, 26), 1)
