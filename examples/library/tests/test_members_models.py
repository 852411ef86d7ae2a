import datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from members.models import Address, Member, MembershipTier
from tests.factories import at

D = datetime.date


def test_full_name():
    assert Member(first_name="Ada", last_name="Byron").full_name == "Ada Byron"


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (D(2000, 3, 12), D(2025, 3, 11), 24),
        (D(2000, 3, 12), D(2025, 3, 12), 25),
        (D(2004, 2, 29), D(2025, 2, 28), 20),
        (D(2004, 2, 29), D(2025, 3, 1), 21),
    ],
)
def test_age_on(born, day, age):
    assert Member(date_of_birth=born).age_on(day) == age


def test_age_unknown():
    member = Member(date_of_birth=None)
    assert member.age_on(D(2025, 1, 1)) is None
    assert not member.is_minor_on(D(2025, 1, 1))


def test_minor():
    member = Member(date_of_birth=D(2010, 6, 1))
    assert member.is_minor_on(D(2028, 5, 31))
    assert not member.is_minor_on(D(2028, 6, 1))


@pytest.mark.parametrize(
    ("day", "years"),
    [(D(2019, 12, 31), 0), (D(2021, 1, 14), 0), (D(2021, 1, 15), 1), (D(2030, 6, 1), 10)],
)
def test_membership_years(day, years):
    assert Member(joined_on=D(2020, 1, 15)).membership_years_on(day) == years


def test_fine_cap_is_thirty_days():
    assert MembershipTier(daily_fine_cents=25).fine_cap_cents() == 750


def test_address_one_line():
    address = Address(line1="2 Mill Lane", line2="", city="Bath", postcode="ba1 2xy", country="GB")
    assert address.one_line() == "2 Mill Lane, Bath, BA1 2XY, GB"
    assert str(address) == address.one_line()


@pytest.mark.django_db
def test_active_manager(make_member):
    active = make_member()
    make_member(is_active=False)
    assert list(Member.objects.active().filter(pk__in=[active.pk])) == [active]
    assert Member.objects.active().count() == 1


@pytest.mark.django_db
def test_joined_before(make_member):
    early = make_member(joined_on=D(2019, 1, 1))
    make_member(joined_on=D(2021, 1, 1))
    assert list(Member.objects.joined_before(D(2020, 1, 1))) == [early]


@pytest.mark.django_db
def test_with_active_loan_count(make_member, make_loan, make_copy):
    member = make_member()
    make_loan(member=member)
    make_loan(member=member)
    make_loan(member=member, returned_at=at(2025, 3, 20))
    idle = make_member()
    counts = dict(Member.objects.with_active_loan_count().values_list("pk", "active_loan_count"))
    assert counts == {member.pk: 2, idle.pk: 0}


@pytest.mark.django_db
def test_owing(make_member, make_loan, make_fine):
    payer = make_member()
    debtor = make_member()
    make_fine(make_loan(member=payer), paid_on=D(2025, 3, 13))
    make_fine(make_loan(member=debtor))
    make_fine(make_loan(member=debtor), kind="damage")
    assert list(Member.objects.owing()) == [debtor]


@pytest.mark.django_db
def test_outstanding_fines_cents(member, make_loan, make_fine):
    loan = make_loan(member=member)
    make_fine(loan, kind="late", amount_cents=300)
    make_fine(loan, kind="damage", amount_cents=200, waived=True)
    make_fine(make_loan(member=member), kind="late", amount_cents=50, paid_on=D(2025, 3, 20))
    assert member.outstanding_fines_cents() == 300


@pytest.mark.django_db
def test_no_fines_is_zero(member):
    assert member.outstanding_fines_cents() == 0


@pytest.mark.django_db
def test_card_number_unique(make_member):
    make_member(card_number="TDUP01")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_member(card_number="TDUP01")


@pytest.mark.django_db
def test_email_unique(make_member):
    make_member(email="same@example.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_member(email="same@example.test")


@pytest.mark.django_db
def test_born_before_joining(make_member):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_member(joined_on=D(2020, 1, 1), date_of_birth=D(2020, 1, 1))


@pytest.mark.django_db
def test_tier_must_allow_a_loan(make_tier):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_tier(max_loans=0)


@pytest.mark.django_db
def test_tier_code_unique(make_tier):
    make_tier(code="test-gold")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_tier(code="test-gold")


@pytest.mark.django_db
def test_tier_with_members_is_protected(member):
    with pytest.raises(ProtectedError):
        member.tier.delete()


@pytest.mark.django_db
def test_one_address_per_kind(member):
    Address.objects.create(member=member, kind="home", line1="1 A St", city="X", postcode="1")
    Address.objects.create(member=member, kind="work", line1="2 B St", city="X", postcode="2")
    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(member=member, kind="home", line1="3 C St", city="X", postcode="3")


@pytest.mark.django_db
def test_addresses_go_with_the_member(member):
    Address.objects.create(member=member, line1="1 A St", city="X", postcode="1")
    member.delete()
    assert not Address.objects.filter(line1="1 A St").exists()


@pytest.mark.django_db
def test_deleting_the_user_keeps_the_card(django_user_model, make_member):
    user = django_user_model.objects.create_user(username="leaver", password="pw-pw-pw-pw")
    member = make_member(user=user)
    user.delete()
    member.refresh_from_db()
    assert member.user is None
