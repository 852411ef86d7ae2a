"""pytest-style transactional tests: django_db(transaction=True) with available_apps."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from catalog.models import Copy
from loans import services
from loans.models import Fine, Loan
from members import services as member_services
from members.models import Member
from tests.factories import at
from tests.transactional import LIBRARY_APPS

D = datetime.date

pytestmark = pytest.mark.django_db(transaction=True, available_apps=LIBRARY_APPS)


def test_reserving_a_shelved_copy_mails_at_once(mailoutbox, make_copy, member, book):
    make_copy(book=book)
    services.reserve(book, member, at=at(2025, 3, 12))
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == f"Ready for collection: {book.title}"


def test_pending_reservation_sends_nothing(mailoutbox, member, book):
    services.reserve(book, member, at=at(2025, 3, 12))
    assert mailoutbox == []


def test_full_circle(make_copy, member, book):
    copy = make_copy(book=book)
    loan = services.lend(copy, member, at=at(2025, 3, 3))
    loan = services.renew(loan, at=at(2025, 3, 12))
    assert loan.due_on == D(2025, 3, 26)
    receipt = services.return_loan(loan, at=at(2025, 4, 1))
    # Six days late, one of them grace, 25p a day.
    assert Fine.objects.get(loan=loan).amount_cents == receipt.fine.amount_cents == 125
    assert Copy.objects.get(pk=copy.pk).status == Copy.Status.AVAILABLE


def test_mark_lost_commits(make_loan):
    loan = make_loan(borrowed_at=at(2025, 2, 1))
    services.mark_lost(loan, at=at(2025, 3, 12))
    assert Fine.objects.get(loan=loan).kind == Fine.Kind.LOST
    assert Copy.objects.get(pk=loan.copy_id).status == Copy.Status.LOST


def test_integrity_error_outside_a_test_transaction(make_member):
    make_member(card_number="TINTEG01")
    with pytest.raises(IntegrityError):
        make_member(card_number="TINTEG01")
    # Autocommit: no broken transaction to roll back, the connection is usable at once.
    assert Member.objects.filter(card_number="TINTEG01").count() == 1


def test_enroll_is_atomic(make_tier):
    tier = make_tier()
    member_services.enroll(
        first_name="A",
        last_name="B",
        email="atomic@example.test",
        joined_on=D(2025, 3, 12),
        tier=tier,
    )
    with pytest.raises(member_services.MembershipError):
        member_services.enroll(
            first_name="C",
            last_name="D",
            email="atomic@example.test",
            joined_on=D(2025, 3, 12),
            tier=tier,
        )
    assert Member.objects.filter(email="atomic@example.test").count() == 1


def test_savepoint_rollback_keeps_the_outer_work(make_copy, make_member):
    copy = make_copy()
    member = make_member()
    with transaction.atomic():
        loan = services.lend(copy, member, at=at(2025, 3, 3))
        with pytest.raises(services.LendingError), transaction.atomic():
            services.lend(copy, make_member(), at=at(2025, 3, 3))
    assert Loan.objects.filter(pk=loan.pk).exists()


def test_select_for_update_inside_atomic(make_copy):
    copy = make_copy()
    with transaction.atomic():
        locked = Copy.objects.select_for_update().get(pk=copy.pk)
        locked.status = Copy.Status.REPAIR
        locked.save()
    assert Copy.objects.get(pk=copy.pk).status == Copy.Status.REPAIR
