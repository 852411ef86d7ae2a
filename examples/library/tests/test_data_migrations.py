"""The data migrations' functions, and one real round trip through the schema history."""

import datetime
import importlib

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from catalog.isbn import normalise_isbn
from catalog.models import Genre
from members.models import MembershipTier
from tests import factories
from tests.transactional import LibraryTransactionTestCase

D = datetime.date


def migration(app, name):
    return importlib.import_module(f"{app}.migrations.{name}")


seed_tiers = migration("members", "0002_seed_membership_tiers")
tier_fees = migration("members", "0006_set_tier_fees")
seed_genres = migration("catalog", "0003_seed_genres")
isbns = migration("catalog", "0007_normalise_isbns")


@pytest.fixture
def no_seeded_tiers(db):
    # Seeded rows may or may not be present (a transactional test may have flushed them).
    MembershipTier.objects.filter(code__in=["basic", "standard", "premium"]).delete()


@pytest.fixture
def no_seeded_genres(db):
    Genre.objects.filter(slug__in=[slug for _, slug, _ in seed_genres.GENRES]).delete()


def test_seed_tiers(no_seeded_tiers):
    seed_tiers.seed_tiers(global_apps, None)
    basic = MembershipTier.objects.get(code="basic")
    assert (basic.name, basic.max_loans, basic.loan_days, basic.daily_fine_cents) == (
        "Basic",
        3,
        14,
        25,
    )
    assert MembershipTier.objects.filter(code__in=["basic", "standard", "premium"]).count() == 3


def test_seed_tiers_is_idempotent(no_seeded_tiers):
    seed_tiers.seed_tiers(global_apps, None)
    MembershipTier.objects.filter(code="standard").update(max_loans=1)
    seed_tiers.seed_tiers(global_apps, None)
    assert MembershipTier.objects.get(code="standard").max_loans == 6
    assert MembershipTier.objects.filter(code="standard").count() == 1


def test_unseed_tiers_keeps_tiers_in_use(no_seeded_tiers, make_member):
    seed_tiers.seed_tiers(global_apps, None)
    make_member(tier=MembershipTier.objects.get(code="premium"))
    seed_tiers.unseed_tiers(global_apps, None)
    remaining = MembershipTier.objects.filter(code__in=["basic", "standard", "premium"])
    assert list(remaining.values_list("code", flat=True)) == ["premium"]


def test_set_and_reset_fees(no_seeded_tiers):
    seed_tiers.seed_tiers(global_apps, None)
    tier_fees.set_fees(global_apps, None)
    assert MembershipTier.objects.get(code="premium").annual_fee_cents == 4000
    assert MembershipTier.objects.get(code="basic").max_renewals == 1
    tier_fees.reset_fees(global_apps, None)
    premium = MembershipTier.objects.get(code="premium")
    assert (premium.annual_fee_cents, premium.max_renewals, premium.max_reservations) == (0, 2, 2)


def test_set_fees_leaves_other_tiers_alone(no_seeded_tiers, make_tier):
    tier = make_tier(annual_fee_cents=777)
    tier_fees.set_fees(global_apps, None)
    tier.refresh_from_db()
    assert tier.annual_fee_cents == 777


def test_seed_genres(no_seeded_genres):
    seed_genres.seed_genres(global_apps, None)
    assert Genre.objects.get(slug="poetry").name == "Poetry"
    seed_genres.seed_genres(global_apps, None)
    assert Genre.objects.filter(slug="poetry").count() == 1


def test_unseed_genres_keeps_genres_in_use(no_seeded_genres, make_book):
    seed_genres.seed_genres(global_apps, None)
    make_book(genres=[Genre.objects.get(slug="history")])
    seed_genres.unseed_genres(global_apps, None)
    left = Genre.objects.filter(slug__in=[slug for _, slug, _ in seed_genres.GENRES])
    assert list(left.values_list("slug", flat=True)) == ["history"]


@pytest.mark.parametrize(
    "raw", ["0-306-40615-2", "978-0-306-40615-7", "978 1 4028 9462 6", "9780804429573"]
)
def test_frozen_normaliser_agrees_with_the_app(raw):
    assert isbns._normalise(raw) == normalise_isbn(raw)


@pytest.mark.parametrize("raw", ["12345", "X306406152", ""])
def test_frozen_normaliser_rejects(raw):
    with pytest.raises(ValueError, match="not an ISBN"):
        isbns._normalise(raw)


@pytest.mark.django_db
def test_normalise_isbns_on_current_rows(make_book):
    book = make_book(isbn="9780306406157")
    isbns.normalise_isbns(global_apps, None)
    book.refresh_from_db()
    assert book.isbn == "9780306406157"


class SchemaHistoryTests(LibraryTransactionTestCase):
    """Unapply the catalogue back to the days of Book.format and loans of books, add rows
    the old way, and migrate forward: slugs, ISBNs, editions and copies are filled in."""

    OLD = (("catalog", "0004_book_slug"), ("loans", "0001_initial"), ("reviews", None))

    def migrate(self, targets):
        # The migration graph spans contrib.auth too, which available_apps hides: lift the
        # restriction while migrating, as Django does itself to reload serialized rows.
        global_apps.unset_available_apps()
        try:
            MigrationExecutor(connection).migrate(list(targets))
            # Models as the database now is: the state after every applied migration.
            loader = MigrationExecutor(connection).loader
            return loader.project_state(list(loader.applied_migrations)).apps
        finally:
            global_apps.set_available_apps(self.available_apps)

    def latest(self):
        global_apps.unset_available_apps()
        try:
            return MigrationExecutor(connection).loader.graph.leaf_nodes()
        finally:
            global_apps.set_available_apps(self.available_apps)

    def tearDown(self):
        # Whatever happened, leave the schema as every other test expects it.
        self.migrate(self.latest())
        super().tearDown()

    def test_forward_through_the_data_migrations(self):
        old = self.migrate(self.OLD)
        Publisher = old.get_model("catalog", "Publisher")
        Author = old.get_model("catalog", "Author")
        Book = old.get_model("catalog", "Book")
        Loan = old.get_model("loans", "Loan")
        Member = old.get_model("members", "Member")
        MembershipTier = old.get_model("members", "MembershipTier")

        publisher = Publisher.objects.create(name="Old Press Test")
        author = Author.objects.create(name="Old Author")
        first = Book.objects.create(
            title="Moor House",
            isbn="0-306-40615-2",
            publisher=publisher,
            pages=120,
            format="hardcover",
        )
        Book.objects.create(
            title="Moor House",
            isbn="978 1 4028 9462 6",
            publisher=publisher,
            pages=90,
            format="paperback",
        )
        first.authors.add(author)
        tier = MembershipTier.objects.create(code="test-mig-tier", name="Migration tier")
        member = Member.objects.create(
            card_number="TMIG0001",
            first_name="M",
            last_name="G",
            email="mig@example.test",
            tier=tier,
            joined_on=D(2020, 1, 1),
        )
        Loan.objects.create(
            book=first, member=member, borrowed_at=factories.at(2024, 5, 1), due_on=D(2024, 5, 15)
        )

        self.migrate(self.latest())

        from catalog.models import Book as CurrentBook
        from loans.models import Loan as CurrentLoan

        books = list(CurrentBook.objects.order_by("slug").values_list("slug", "isbn", "page_count"))
        self.assertEqual(
            books, [("moor-house", "9780306406157", 120), ("moor-house-2", "9781402894626", 90)]
        )
        moor = CurrentBook.objects.get(slug="moor-house")
        self.assertEqual(list(moor.editions.values_list("format", "number")), [("hardcover", 1)])
        loan = CurrentLoan.objects.select_related("copy__edition__book").get()
        self.assertEqual(loan.copy.edition.book, moor)
        self.assertEqual(loan.copy.status, "on_loan")
        self.assertTrue(loan.copy.barcode.startswith("LEGACY-"))

    def test_backward_restores_the_old_shape(self):
        from catalog.models import Copy, Edition
        from loans.models import Loan as CurrentLoan

        book = factories.make_book(title="Return Journey", isbn="9780306406157")
        edition = Edition.objects.create(book=book, format="audiobook", number=1)
        copy = Copy.objects.create(edition=edition, barcode="BCMIGBACK1", acquired_on=D(2024, 1, 1))
        CurrentLoan.objects.create(
            copy=copy,
            member=factories.make_member(),
            borrowed_at=factories.at(2024, 5, 1),
            due_on=D(2024, 5, 15),
        )

        old = self.migrate(self.OLD)

        Book = old.get_model("catalog", "Book")
        Loan = old.get_model("loans", "Loan")
        old_book = Book.objects.get(pk=book.pk)
        self.assertEqual((old_book.isbn, old_book.format), ("978-0306406157", "audiobook"))
        self.assertEqual(Loan.objects.get().book_id, book.pk)
