"""TransactionTestCase: services commit for real, so on_commit callbacks fire and atomic
blocks roll back to the database's own state, not to a test savepoint."""

import datetime
from unittest import mock

from django.core import mail
from django.db import transaction

from catalog import services as catalog_services
from catalog.models import Book, Copy, Genre
from loans import services
from loans.models import Loan, Reservation
from members import services as member_services
from members.models import Member
from tests import factories
from tests.factories import at
from tests.transactional import LibraryTransactionTestCase

D = datetime.date


class ReturnAndNotifyTests(LibraryTransactionTestCase):
    def setUp(self):
        self.book = factories.make_book(title="Ironbridge")
        self.copy = factories.make_copy(book=self.book, barcode="BCTX000001")
        tier = factories.make_tier()
        self.borrower = factories.make_member(tier=tier)
        self.waiting = factories.make_member(tier=tier, email="waiting@example.test")
        self.loan = services.lend(self.copy, self.borrower, at=at(2025, 3, 3))

    def test_return_mails_the_next_reader_on_commit(self):
        services.reserve(self.book, self.waiting, at=at(2025, 3, 4))
        services.return_loan(self.loan, at=at(2025, 3, 12))
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["waiting@example.test"])

    def test_no_mail_when_the_outer_transaction_rolls_back(self):
        services.reserve(self.book, self.waiting, at=at(2025, 3, 4))
        with self.assertRaises(RuntimeError), transaction.atomic():
            services.return_loan(self.loan, at=at(2025, 3, 12))
            raise RuntimeError("the desk terminal crashed")
        self.assertEqual(mail.outbox, [])
        self.loan.refresh_from_db()
        self.assertIsNone(self.loan.returned_at)
        self.copy.refresh_from_db()
        self.assertEqual(self.copy.status, Copy.Status.ON_LOAN)

    def test_mail_waits_for_the_outermost_commit(self):
        services.reserve(self.book, self.waiting, at=at(2025, 3, 4))
        with transaction.atomic():
            services.return_loan(self.loan, at=at(2025, 3, 12))
            self.assertEqual(mail.outbox, [])
        self.assertEqual(len(mail.outbox), 1)

    def test_expiry_passes_the_copy_on_and_mails(self):
        services.reserve(self.book, self.waiting, at=at(2025, 3, 4))
        later = factories.make_member(email="later@example.test")
        services.reserve(self.book, later, at=at(2025, 3, 5))
        services.return_loan(self.loan, at=at(2025, 3, 12))
        self.assertEqual(services.expire_reservations(on=D(2025, 3, 20)), 1)
        self.assertEqual(
            [m.to for m in mail.outbox], [["waiting@example.test"], ["later@example.test"]]
        )


class AtomicityTests(LibraryTransactionTestCase):
    def test_failed_lend_leaves_no_loan(self):
        copy = factories.make_copy()
        member = factories.make_member()
        with (
            mock.patch.object(Copy, "save", side_effect=RuntimeError("disk full")),
            self.assertRaises(RuntimeError),
        ):
            services.lend(copy, member, at=at(2025, 3, 12))
        self.assertFalse(Loan.objects.filter(copy=copy).exists())
        copy.refresh_from_db()
        self.assertEqual(copy.status, Copy.Status.AVAILABLE)

    def test_failed_registration_leaves_no_book(self):
        unsaved = Genre(name="Never saved", slug="never-saved")
        with self.assertRaises(ValueError):
            catalog_services.register_book(
                title="Half Made",
                isbn="0306406152",
                publisher=factories.make_publisher(),
                authors=[factories.make_author()],
                genres=[unsaved],
            )
        self.assertFalse(Book.objects.filter(isbn="9780306406157").exists())

    def test_failed_deactivation_keeps_the_card_open(self):
        member = factories.make_member()
        factories.make_reservation(member=member)
        with (
            mock.patch("loans.services.cancel_reservation", side_effect=RuntimeError("boom")),
            self.assertRaises(RuntimeError),
        ):
            member_services.deactivate(member, on=D(2025, 3, 12))
        member.refresh_from_db()
        self.assertTrue(member.is_active)

    def test_a_committed_loan_survives_a_later_failure(self):
        copy = factories.make_copy()
        member = factories.make_member()
        loan = services.lend(copy, member, at=at(2025, 3, 3))
        with self.assertRaises(services.LendingError):
            services.return_loan(loan, at=at(2025, 3, 1))
        self.assertTrue(Loan.objects.active().filter(pk=loan.pk).exists())

    def test_offer_copy_runs_in_its_own_transaction(self):
        copy = factories.make_copy(status=Copy.Status.REPAIR)
        factories.make_reservation(book=copy.edition.book)
        services.offer_copy(copy, on=D(2025, 3, 12))
        self.assertEqual(Reservation.objects.get(copy=copy).status, Reservation.Status.READY)
        self.assertEqual(len(mail.outbox), 1)


class CommittedRowsAreFlushedTests(LibraryTransactionTestCase):
    """Two tests that would clash on unique values if the first one's rows survived."""

    def test_first(self):
        factories.make_member(card_number="TFLUSH01", email="flush@example.test")
        self.assertEqual(Member.objects.filter(card_number="TFLUSH01").count(), 1)

    def test_second(self):
        factories.make_member(card_number="TFLUSH01", email="flush@example.test")
        self.assertEqual(Member.objects.filter(card_number="TFLUSH01").count(), 1)
