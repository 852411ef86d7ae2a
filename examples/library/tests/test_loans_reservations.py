import datetime

import pytest
from django.db import IntegrityError, transaction

from catalog.models import Copy
from loans import services
from loans.models import Reservation
from tests.factories import NOW, at

pytestmark = pytest.mark.django_db

D = datetime.date


def test_reserve_with_no_copy_free_is_pending(book, member, make_copy):
    make_copy(book=book, status=Copy.Status.ON_LOAN)
    reservation = services.reserve(book, member, at=NOW)
    assert reservation.status == Reservation.Status.PENDING
    assert reservation.copy is None
    assert reservation.ready_until is None


def test_reserve_with_a_copy_on_the_shelf_holds_it(book, member, make_copy):
    copy = make_copy(book=book, barcode="BCRES0001")
    reservation = services.reserve(book, member, at=NOW)
    copy.refresh_from_db()
    assert reservation.status == Reservation.Status.READY
    assert reservation.copy == copy
    assert reservation.ready_until == D(2025, 3, 15)
    assert copy.status == Copy.Status.HELD


def test_reserve_holds_the_lowest_barcode(book, member, make_copy):
    make_copy(book=book, barcode="BCRES0009")
    make_copy(book=book, barcode="BCRES0002")
    assert services.reserve(book, member, at=NOW).copy.barcode == "BCRES0002"


def test_reserve_ignores_digital_copies(book, member, make_edition, make_copy):
    make_copy(make_edition(book, format="audiobook"))
    assert services.reserve(book, member, at=NOW).status == Reservation.Status.PENDING


def test_hold_days_from_settings(book, member, make_copy, settings):
    settings.LIBRARY = {**settings.LIBRARY, "RESERVATION_HOLD_DAYS": 7}
    make_copy(book=book)
    assert services.reserve(book, member, at=NOW).ready_until == D(2025, 3, 19)


def test_reserve_twice_is_refused(book, member):
    services.reserve(book, member, at=NOW)
    with pytest.raises(services.LendingError) as info:
        services.reserve(book, member, at=NOW)
    assert info.value.code == "already_reserved"


def test_reserve_again_after_cancelling(book, member):
    first = services.reserve(book, member, at=NOW)
    services.cancel_reservation(first, on=D(2025, 3, 12))
    assert services.reserve(book, member, at=NOW).pk != first.pk


def test_reserve_what_you_already_have(book, member, make_loan, make_copy):
    make_loan(copy=make_copy(book=book), member=member)
    with pytest.raises(services.LendingError) as info:
        services.reserve(book, member, at=NOW)
    assert info.value.code == "already_borrowed"


def test_reservation_limit(member, make_book):
    services.reserve(make_book(), member, at=NOW)
    services.reserve(make_book(), member, at=NOW)
    with pytest.raises(services.LendingError) as info:
        services.reserve(make_book(), member, at=NOW)
    assert info.value.code == "reservation_limit"


def test_closed_card_cannot_reserve(book, make_member):
    with pytest.raises(services.LendingError) as info:
        services.reserve(book, make_member(is_active=False), at=NOW)
    assert info.value.code == "inactive_member"


def test_cancel_pending(book, member):
    reservation = services.reserve(book, member, at=NOW)
    services.cancel_reservation(reservation, on=D(2025, 3, 12))
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED


def test_cancel_ready_releases_the_copy(book, member, make_copy):
    copy = make_copy(book=book)
    reservation = services.reserve(book, member, at=NOW)
    services.cancel_reservation(reservation, on=D(2025, 3, 13))
    copy.refresh_from_db()
    reservation.refresh_from_db()
    assert copy.status == Copy.Status.AVAILABLE
    assert reservation.copy is None


def test_cancel_ready_passes_the_copy_on(book, member, make_member, make_copy):
    copy = make_copy(book=book)
    mine = services.reserve(book, member, at=NOW)
    theirs = services.reserve(book, make_member(), at=at(2025, 3, 12, 11))
    assert theirs.status == Reservation.Status.PENDING
    services.cancel_reservation(mine, on=D(2025, 3, 13))
    theirs.refresh_from_db()
    assert theirs.status == Reservation.Status.READY
    assert theirs.copy == copy
    assert theirs.ready_until == D(2025, 3, 17)  # Thursday + 3 = Sunday -> Monday


def test_cancel_twice(book, member):
    reservation = services.reserve(book, member, at=NOW)
    services.cancel_reservation(reservation, on=D(2025, 3, 12))
    with pytest.raises(services.LendingError) as info:
        services.cancel_reservation(reservation, on=D(2025, 3, 12))
    assert info.value.code == "not_open"


def test_expire_reservations(book, member, make_member, make_copy):
    copy = make_copy(book=book)
    lapsed = services.reserve(book, member, at=NOW)  # ready until 15 March
    nxt = services.reserve(book, make_member(), at=at(2025, 3, 12, 12))
    assert services.expire_reservations(on=D(2025, 3, 15)) == 0
    assert services.expire_reservations(on=D(2025, 3, 16)) == 1
    lapsed.refresh_from_db()
    nxt.refresh_from_db()
    assert lapsed.status == Reservation.Status.EXPIRED
    assert nxt.status == Reservation.Status.READY
    assert nxt.copy == copy


def test_expire_with_nobody_waiting_shelves_the_copy(book, member, make_copy):
    copy = make_copy(book=book)
    services.reserve(book, member, at=NOW)
    services.expire_reservations(on=D(2025, 4, 1))
    copy.refresh_from_db()
    assert copy.status == Copy.Status.AVAILABLE


def test_open_queryset(make_reservation):
    statuses = ["pending", "fulfilled", "cancelled", "expired"]
    made = {status: make_reservation(status=status) for status in statuses}
    assert list(Reservation.objects.open()) == [made["pending"]]


def test_ready_reservation_needs_a_copy(make_reservation):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_reservation(status="ready", ready_until=D(2025, 3, 15))


def test_reservation_is_open_property():
    assert Reservation(status="pending").is_open
    assert Reservation(status="ready").is_open
    assert not Reservation(status="expired").is_open
