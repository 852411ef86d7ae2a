"""Rows the data migrations seed. Only serialized_rollback tests may rely on them: Django
reloads the database's post-migration contents before each of these tests."""

import pytest
from django.test import TransactionTestCase

from catalog.models import Genre
from members import services as member_services
from members.models import MembershipTier

pytestmark = pytest.mark.seeded

SEEDED_TIERS = {
    # code: (max_loans, loan_days, daily_fine_cents, annual_fee_cents, max_renewals, max_reservations)
    "basic": (3, 14, 25, 0, 1, 1),
    "standard": (6, 21, 20, 1500, 2, 3),
    "premium": (12, 28, 10, 4000, 5, 10),
}
SEEDED_GENRES = ["children", "fiction", "history", "non-fiction", "poetry", "science"]


class SeededTierTests(TransactionTestCase):
    serialized_rollback = True

    def test_three_tiers(self):
        codes = set(MembershipTier.objects.values_list("code", flat=True))
        self.assertEqual(codes, set(SEEDED_TIERS))

    def test_tier_policies(self):
        for tier in MembershipTier.objects.order_by("code"):
            with self.subTest(tier=tier.code):
                self.assertEqual(
                    (
                        tier.max_loans,
                        tier.loan_days,
                        tier.daily_fine_cents,
                        tier.annual_fee_cents,
                        tier.max_renewals,
                        tier.max_reservations,
                    ),
                    SEEDED_TIERS[tier.code],
                )

    def test_default_tier_is_the_seeded_one(self):
        seeded = MembershipTier.objects.get(code="basic")
        self.assertEqual(member_services.default_tier().pk, seeded.pk)
        self.assertEqual(MembershipTier.objects.count(), 3)

    def test_changes_are_undone_for_the_next_test(self):
        MembershipTier.objects.filter(code="premium").update(max_loans=99)
        MembershipTier.objects.create(code="test-extra", name="Extra")
        self.assertEqual(MembershipTier.objects.count(), 4)

    def test_changes_were_undone(self):
        self.assertEqual(MembershipTier.objects.get(code="premium").max_loans, 12)
        self.assertFalse(MembershipTier.objects.filter(code="test-extra").exists())


class SeededGenreTests(TransactionTestCase):
    serialized_rollback = True

    def test_six_genres_in_name_order(self):
        self.assertEqual(
            list(Genre.objects.values_list("name", flat=True)),
            ["Children", "Fiction", "History", "Non-fiction", "Poetry", "Science"],
        )

    def test_genre_slugs(self):
        self.assertEqual(sorted(Genre.objects.values_list("slug", flat=True)), SEEDED_GENRES)

    def test_genre_list_view(self):
        results = self.client.get("/api/genres/").json()["results"]
        self.assertEqual([g["slug"] for g in results], sorted(SEEDED_GENRES))
        self.assertTrue(all(g["books"] == 0 for g in results))

    def test_every_genre_has_a_description(self):
        self.assertFalse(Genre.objects.filter(description="").exists())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_enrolling_without_a_tier_uses_seeded_basic():
    import datetime

    member = member_services.enroll(
        first_name="Sam",
        last_name="Seed",
        email="sam@example.test",
        joined_on=datetime.date(2025, 3, 12),
    )
    assert member.tier.name == "Basic"
    assert member.tier.max_loans == 3
    assert MembershipTier.objects.count() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_seeded_standard_tier_lends_for_three_weeks(make_copy, make_member):
    from loans import services
    from tests.factories import at

    member = make_member(tier=MembershipTier.objects.get(code="standard"))
    loan = services.lend(make_copy(), member, at=at(2025, 3, 12))
    assert loan.due_on.isoformat() == "2025-04-02"
