import datetime

import pytest
from django.db import IntegrityError, transaction

from catalog.models import Copy
from loans import services
from loans.models import Fine
from tests.factories import at

pytestmark = pytest.mark.django_db

D = datetime.date


def test_mark_lost_charges_the_list_price(make_book, make_edition, make_copy, make_loan):
    book = make_book()
    edition = make_edition(book, list_price_cents=1899)
    copy = make_copy(edition, barcode="BCLOST001")
    loan = make_loan(copy=copy, borrowed_at=at(2025, 2, 1))
    fine = services.mark_lost(loan, at=at(2025, 3, 12))
    copy.refresh_from_db()
    loan.refresh_from_db()
    assert (fine.kind, fine.amount_cents, fine.note) == (Fine.Kind.LOST, 1899, "BCLOST001")
    assert copy.status == Copy.Status.LOST
    assert loan.returned_at == at(2025, 3, 12)


def test_mark_lost_without_price_uses_the_default(make_loan, settings):
    settings.LIBRARY = {**settings.LIBRARY, "DEFAULT_REPLACEMENT_CENTS": 3000}
    assert services.mark_lost(make_loan(), at=at(2025, 3, 20)).amount_cents == 3000


def test_mark_lost_on_a_returned_loan(make_loan):
    loan = make_loan(returned_at=at(2025, 3, 13))
    with pytest.raises(services.LendingError) as info:
        services.mark_lost(loan, at=at(2025, 3, 14))
    assert info.value.code == "already_returned"


def test_charge_damage(make_loan):
    fine = services.charge_damage(make_loan(), 450, on=D(2025, 3, 12), note="coffee")
    assert (fine.kind, fine.amount_cents, fine.note) == ("damage", 450, "coffee")


@pytest.mark.parametrize("amount", [0, -5])
def test_charge_damage_must_be_positive(make_loan, amount):
    with pytest.raises(services.LendingError) as info:
        services.charge_damage(make_loan(), amount, on=D(2025, 3, 12))
    assert info.value.code == "bad_amount"


def test_pay_fine(make_fine):
    fine = services.pay_fine(make_fine(issued_on=D(2025, 3, 12)), on=D(2025, 3, 14))
    fine.refresh_from_db()
    assert fine.paid_on == D(2025, 3, 14)
    assert not fine.is_outstanding


def test_pay_before_issue(make_fine):
    with pytest.raises(services.LendingError) as info:
        services.pay_fine(make_fine(issued_on=D(2025, 3, 12)), on=D(2025, 3, 11))
    assert info.value.code == "before_issued"


def test_pay_twice(make_fine):
    fine = services.pay_fine(make_fine(), on=D(2025, 3, 14))
    with pytest.raises(services.LendingError) as info:
        services.pay_fine(fine, on=D(2025, 3, 15))
    assert info.value.code == "not_outstanding"


def test_waive_fine(make_fine):
    fine = services.waive_fine(make_fine(note="3 days late"), reason="bereavement")
    fine.refresh_from_db()
    assert fine.waived
    assert fine.note == "3 days late; waived: bereavement"


def test_waive_without_note(make_fine):
    assert services.waive_fine(make_fine(note=""), reason="goodwill").note == "waived: goodwill"


def test_waive_needs_a_reason(make_fine):
    with pytest.raises(services.LendingError) as info:
        services.waive_fine(make_fine(), reason="  ")
    assert info.value.code == "no_reason"


def test_paid_fine_cannot_be_waived(make_fine):
    fine = services.pay_fine(make_fine(), on=D(2025, 3, 14))
    with pytest.raises(services.LendingError):
        services.waive_fine(fine, reason="late change of heart")


def test_fine_queryset_totals(make_fine, make_loan):
    loan = make_loan()
    make_fine(loan, kind="late", amount_cents=100)
    make_fine(loan, kind="damage", amount_cents=250, paid_on=D(2025, 3, 13))
    make_fine(loan, kind="lost", amount_cents=999, waived=True)
    fines = Fine.objects.filter(loan=loan)
    assert fines.total_cents() == 1349
    assert fines.outstanding().total_cents() == 100
    assert fines.paid().total_cents() == 250


def test_total_of_nothing_is_zero():
    assert Fine.objects.none().total_cents() == 0
    assert Fine.objects.filter(amount_cents__gt=10**8).total_cents() == 0


def test_str(make_fine):
    assert str(make_fine(amount_cents=1234)) == "Late return: 12.34"


def test_fine_must_be_positive(make_loan):
    with pytest.raises(IntegrityError), transaction.atomic():
        Fine.objects.create(loan=make_loan(), kind="late", amount_cents=0, issued_on=D(2025, 3, 12))


def test_fine_cannot_be_paid_and_waived(make_loan):
    with pytest.raises(IntegrityError), transaction.atomic():
        Fine.objects.create(
            loan=make_loan(),
            kind="late",
            amount_cents=10,
            issued_on=D(2025, 3, 12),
            paid_on=D(2025, 3, 12),
            waived=True,
        )


def test_one_fine_of_each_kind_per_loan(make_fine, make_loan):
    loan = make_loan()
    make_fine(loan, kind="late")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_fine(loan, kind="late")


def test_overdue_report(make_loan, make_member, make_tier, make_copy, make_book):
    member = make_member(card_number="TREPORT1", tier=make_tier(daily_fine_cents=10))
    book = make_book(title="Report Book")
    make_loan(
        member=member,
        copy=make_copy(book=book, barcode="BCREP0002"),
        borrowed_at=at(2025, 2, 1),
        due_on=D(2025, 3, 1),
    )
    make_loan(
        member=member,
        copy=make_copy(book=book, barcode="BCREP0001"),
        borrowed_at=at(2025, 2, 1),
        due_on=D(2025, 3, 1),
    )
    make_loan(member=member, borrowed_at=at(2025, 2, 1), due_on=D(2025, 3, 20))
    rows = services.overdue_report(on=D(2025, 3, 12))
    assert [(r["barcode"], r["days_overdue"], r["fine_so_far_cents"]) for r in rows] == [
        ("BCREP0001", 11, 100),
        ("BCREP0002", 11, 100),
    ]
    assert rows[0]["title"] == "Report Book"
    assert rows[0]["due_on"] == "2025-03-01"
