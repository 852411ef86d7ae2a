"""Lending as Django TestCases: setUpTestData, on_commit callbacks and the mail outbox."""

import datetime

from django.core import mail
from django.test import TestCase

from catalog.models import Copy
from loans import notifications, services
from loans.models import Reservation
from tests import factories
from tests.factories import at

D = datetime.date


class ReservationNoticeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.book = factories.make_book(title="Tidewater")
        cls.copy = factories.make_copy(book=cls.book, barcode="BCNOTE0001")
        cls.tier = factories.make_tier()
        cls.borrower = factories.make_member(tier=cls.tier)
        cls.waiting = factories.make_member(
            tier=cls.tier, first_name="Maren", email="maren@example.test"
        )
        cls.loan = services.lend(cls.copy, cls.borrower, at=at(2025, 3, 3))

    def test_return_sends_a_notice_after_commit(self):
        services.reserve(self.book, self.waiting, at=at(2025, 3, 4))
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            services.return_loan(self.loan, at=at(2025, 3, 12))
        self.assertEqual(len(callbacks), 1)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["maren@example.test"])
        self.assertEqual(message.subject, "Ready for collection: Tidewater")
        self.assertIn("BCNOTE0001", message.body)
        self.assertIn("Saturday 15 March 2025", message.body)

    def test_nothing_is_sent_without_a_queue(self):
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            services.return_loan(self.loan, at=at(2025, 3, 12))
        self.assertEqual(callbacks, [])
        self.assertEqual(mail.outbox, [])

    def test_callbacks_do_not_run_inside_the_test_transaction(self):
        services.reserve(self.book, self.waiting, at=at(2025, 3, 4))
        services.return_loan(self.loan, at=at(2025, 3, 12))
        self.assertEqual(mail.outbox, [])

    def test_notice_for_a_reservation_no_longer_ready_is_skipped(self):
        reservation = services.reserve(self.book, self.waiting, at=at(2025, 3, 4))
        services.return_loan(self.loan, at=at(2025, 3, 12))
        services.cancel_reservation(reservation, on=D(2025, 3, 12))
        notifications.send_ready_notice(reservation.pk)
        self.assertEqual(mail.outbox, [])

    def test_waiting_reader_collects(self):
        reservation = services.reserve(self.book, self.waiting, at=at(2025, 3, 4))
        services.return_loan(self.loan, at=at(2025, 3, 12))
        loan = services.lend(self.copy, self.waiting, at=at(2025, 3, 13))
        reservation.refresh_from_db()
        self.assertEqual(reservation.status, Reservation.Status.FULFILLED)
        self.assertEqual(loan.due_on, D(2025, 3, 27))

    def test_borrower_cannot_take_it_back_while_held(self):
        services.reserve(self.book, self.waiting, at=at(2025, 3, 4))
        services.return_loan(self.loan, at=at(2025, 3, 12))
        with self.assertRaises(services.LendingError):
            services.lend(self.copy, self.borrower, at=at(2025, 3, 12, 13))

    def test_copy_state_from_setUpTestData(self):
        self.copy.refresh_from_db()
        self.assertEqual(self.copy.status, Copy.Status.ON_LOAN)


class OverdueReminderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        tier = factories.make_tier(daily_fine_cents=20)
        cls.member = factories.make_member(tier=tier, email="late@example.test")
        cls.late = factories.make_loan(
            member=cls.member, borrowed_at=at(2025, 2, 1), due_on=D(2025, 2, 24)
        )
        cls.on_time = factories.make_loan(
            member=cls.member, borrowed_at=at(2025, 3, 1), due_on=D(2025, 3, 20)
        )

    def test_report_lists_only_overdue(self):
        rows = services.overdue_report(on=D(2025, 3, 12))
        self.assertEqual([r["loan"] for r in rows], [self.late.pk])
        self.assertEqual(rows[0]["fine_so_far_cents"], 300)  # 16 days late, 1 of grace, 20p a day

    def test_reminders_are_mailed(self):
        sent = notifications.send_overdue_reminders(services.overdue_report(on=D(2025, 3, 12)))
        self.assertEqual(sent, 1)
        self.assertEqual(mail.outbox[0].to, ["late@example.test"])
        self.assertIn("was due on 2025-02-24", mail.outbox[0].body)

    def test_no_reminders_before_anything_is_due(self):
        self.assertEqual(
            notifications.send_overdue_reminders(services.overdue_report(on=D(2025, 2, 1))), 0
        )
