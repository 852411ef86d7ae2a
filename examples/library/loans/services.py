"""Lending, returning, renewing, reserving and fining."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from catalog.models import Book, Copy
from members.models import Member

from . import notifications, policy
from .models import Fine, Loan, Reservation


class LendingError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _policy(name: str) -> int:
    return settings.LIBRARY[name]


def _lock(model, pk):
    return model.objects.select_for_update().get(pk=pk)


def check_can_borrow(member: Member) -> None:
    if not member.is_active:
        raise LendingError("inactive_member", f"card {member.card_number} is closed")
    if member.active_loans().count() >= member.tier.max_loans:
        raise LendingError(
            "loan_limit", f"{member.tier.name} members may have {member.tier.max_loans} loans"
        )
    owed = member.outstanding_fines_cents()
    if owed >= _policy("BLOCKING_FINE_CENTS"):
        raise LendingError("fines_owed", f"{policy.format_cents(owed)} in fines is outstanding")


@transaction.atomic
def lend(copy: Copy, member: Member, *, at: datetime.datetime) -> Loan:
    """Issue ``copy`` to ``member``; collecting a copy held for them fulfils the reservation."""
    copy = _lock(Copy, copy.pk)
    member = _lock(Member, member.pk)
    check_can_borrow(member)
    reservation = None
    if copy.status == Copy.Status.HELD:
        reservation = (
            Reservation.objects.select_for_update()
            .filter(copy=copy, status=Reservation.Status.READY)
            .first()
        )
        if reservation is None or reservation.member_id != member.pk:
            raise LendingError("held_for_other", f"copy {copy.barcode} is held for another reader")
    elif not copy.is_lendable():
        raise LendingError("not_lendable", f"copy {copy.barcode} is {copy.get_status_display()}")
    loan = Loan.objects.create(
        copy=copy,
        member=member,
        borrowed_at=at,
        due_on=policy.compute_due_date(at.date(), member.tier.loan_days),
    )
    copy.status = Copy.Status.ON_LOAN
    copy.save(update_fields=["status"])
    if reservation is not None:
        reservation.status = Reservation.Status.FULFILLED
        reservation.save(update_fields=["status"])
    else:
        # Borrowing a book off the shelf satisfies the reader's own pending reservation.
        Reservation.objects.filter(
            book=copy.edition.book_id, member=member, status=Reservation.Status.PENDING
        ).update(status=Reservation.Status.FULFILLED)
    return loan


@dataclass(frozen=True)
class ReturnReceipt:
    loan: Loan
    fine: Fine | None
    held_for: Reservation | None


@transaction.atomic
def return_loan(loan: Loan, *, at: datetime.datetime) -> ReturnReceipt:
    loan = Loan.objects.select_for_update().select_related("member__tier").get(pk=loan.pk)
    if loan.returned_at is not None:
        raise LendingError("already_returned", "this loan was returned already")
    if at < loan.borrowed_at:
        raise LendingError("before_borrowed", "a copy cannot come back before it went out")
    loan.returned_at = at
    loan.save(update_fields=["returned_at"])
    fine = assess_late_fine(loan)
    copy = offer_copy(_lock(Copy, loan.copy_id), on=at.date())
    held_for = (
        Reservation.objects.filter(copy=copy, status=Reservation.Status.READY).first()
        if copy.status == Copy.Status.HELD
        else None
    )
    return ReturnReceipt(loan=loan, fine=fine, held_for=held_for)


def assess_late_fine(loan: Loan) -> Fine | None:
    assert loan.returned_at is not None
    tier = loan.member.tier
    amount = policy.late_fine_cents(
        loan.due_on,
        loan.returned_at.date(),
        tier.daily_fine_cents,
        grace_days=_policy("FINE_GRACE_DAYS"),
        cap_cents=tier.fine_cap_cents(),
    )
    if amount == 0:
        return None
    return Fine.objects.create(
        loan=loan,
        kind=Fine.Kind.LATE,
        amount_cents=amount,
        issued_on=loan.returned_at.date(),
        note=f"{policy.days_late(loan.due_on, loan.returned_at.date())} days late",
    )


@transaction.atomic
def renew(loan: Loan, *, at: datetime.datetime) -> Loan:
    loan = (
        Loan.objects.select_for_update()
        .select_related("member__tier", "copy__edition")
        .get(pk=loan.pk)
    )
    if not loan.is_active:
        raise LendingError("already_returned", "a returned loan cannot be renewed")
    tier = loan.member.tier
    decision = policy.renewal_decision(
        renewals=loan.renewals,
        max_renewals=tier.max_renewals,
        overdue=loan.is_overdue(at.date()),
        others_waiting=Reservation.objects.queue_for(loan.copy.edition.book_id)
        .exclude(member=loan.member_id)
        .exists(),
    )
    if not decision.allowed:
        raise LendingError(decision.reason, f"cannot renew: {decision.reason.replace('_', ' ')}")
    loan.due_on = policy.compute_due_date(at.date(), tier.loan_days)
    loan.renewals += 1
    loan.save(update_fields=["due_on", "renewals"])
    return loan


@transaction.atomic
def offer_copy(copy: Copy, *, on: datetime.date) -> Copy:
    """Hold a copy coming back to the shelf for the first reader in the queue, if any."""
    reservation = Reservation.objects.select_for_update().queue_for(copy.edition.book_id).first()
    if reservation is None:
        copy.status = Copy.Status.AVAILABLE
        copy.save(update_fields=["status"])
        return copy
    copy.status = Copy.Status.HELD
    copy.save(update_fields=["status"])
    reservation.status = Reservation.Status.READY
    reservation.copy = copy
    reservation.ready_until = policy.hold_until(on, _policy("RESERVATION_HOLD_DAYS"))
    reservation.save(update_fields=["status", "copy", "ready_until"])
    transaction.on_commit(lambda: notifications.send_ready_notice(reservation.pk))
    return copy


@transaction.atomic
def reserve(book: Book, member: Member, *, at: datetime.datetime) -> Reservation:
    member = _lock(Member, member.pk)
    if not member.is_active:
        raise LendingError("inactive_member", f"card {member.card_number} is closed")
    if Reservation.objects.open().filter(book=book, member=member).exists():
        raise LendingError("already_reserved", "you have already reserved this book")
    if Loan.objects.active().for_book(book).filter(member=member).exists():
        raise LendingError("already_borrowed", "you have this book on loan")
    if member.reservations.open().count() >= member.tier.max_reservations:
        raise LendingError(
            "reservation_limit",
            f"{member.tier.name} members may hold {member.tier.max_reservations} reservations",
        )
    reservation = Reservation.objects.create(book=book, member=member, created_at=at)
    copy = (
        Copy.objects.select_for_update()
        .of_book(book)
        .available()
        .filter(edition__format__in=["hardcover", "paperback"])
        .order_by("barcode")
        .first()
    )
    if copy is not None:
        offer_copy(copy, on=at.date())
        reservation.refresh_from_db()
    return reservation


@transaction.atomic
def cancel_reservation(reservation: Reservation, *, on: datetime.date) -> Reservation:
    reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if not reservation.is_open:
        raise LendingError("not_open", f"reservation is {reservation.status}")
    copy = reservation.copy if reservation.status == Reservation.Status.READY else None
    reservation.status = Reservation.Status.CANCELLED
    reservation.copy = None
    reservation.ready_until = None
    reservation.save(update_fields=["status", "copy", "ready_until"])
    if copy is not None:
        offer_copy(_lock(Copy, copy.pk), on=on)
    return reservation


@transaction.atomic
def expire_reservations(*, on: datetime.date) -> int:
    """Lapse ready reservations nobody collected; their copies move down the queue."""
    expired = 0
    for reservation in Reservation.objects.lapsed(on).select_for_update().order_by("pk"):
        copy = reservation.copy
        reservation.status = Reservation.Status.EXPIRED
        reservation.copy = None
        reservation.ready_until = None
        reservation.save(update_fields=["status", "copy", "ready_until"])
        if copy is not None:
            offer_copy(_lock(Copy, copy.pk), on=on)
        expired += 1
    return expired


@transaction.atomic
def mark_lost(loan: Loan, *, at: datetime.datetime) -> Fine:
    """The reader lost the copy: close the loan and charge the replacement cost."""
    loan = Loan.objects.select_for_update().select_related("copy__edition__book").get(pk=loan.pk)
    if not loan.is_active:
        raise LendingError("already_returned", "this loan was returned already")
    loan.returned_at = at
    loan.save(update_fields=["returned_at"])
    copy = loan.copy
    copy.status = Copy.Status.LOST
    copy.save(update_fields=["status"])
    cost = copy.edition.book.replacement_cost_cents(_policy("DEFAULT_REPLACEMENT_CENTS"))
    return Fine.objects.create(
        loan=loan, kind=Fine.Kind.LOST, amount_cents=cost, issued_on=at.date(), note=copy.barcode
    )


def charge_damage(loan: Loan, amount_cents: int, *, on: datetime.date, note: str = "") -> Fine:
    if amount_cents <= 0:
        raise LendingError("bad_amount", "a charge must be positive")
    return Fine.objects.create(
        loan=loan, kind=Fine.Kind.DAMAGE, amount_cents=amount_cents, issued_on=on, note=note
    )


def pay_fine(fine: Fine, *, on: datetime.date) -> Fine:
    if not fine.is_outstanding:
        raise LendingError("not_outstanding", "this fine is settled")
    if on < fine.issued_on:
        raise LendingError("before_issued", "a fine cannot be paid before it is issued")
    fine.paid_on = on
    fine.save(update_fields=["paid_on"])
    return fine


def waive_fine(fine: Fine, *, reason: str) -> Fine:
    if not fine.is_outstanding:
        raise LendingError("not_outstanding", "this fine is settled")
    if not reason.strip():
        raise LendingError("no_reason", "say why the fine is waived")
    fine.waived = True
    fine.note = f"{fine.note}; waived: {reason.strip()}".lstrip("; ")
    fine.save(update_fields=["waived", "note"])
    return fine


def overdue_report(*, on: datetime.date) -> list[dict]:
    rows = []
    loans = (
        Loan.objects.overdue(on)
        .select_related("member__tier", "copy__edition__book")
        .order_by("due_on", "member__card_number", "copy__barcode")
    )
    for loan in loans:
        tier = loan.member.tier
        rows.append(
            {
                "loan": loan.pk,
                "card_number": loan.member.card_number,
                "barcode": loan.copy.barcode,
                "title": loan.copy.edition.book.title,
                "due_on": loan.due_on.isoformat(),
                "days_overdue": loan.days_overdue(on),
                "fine_so_far_cents": policy.late_fine_cents(
                    loan.due_on,
                    on,
                    tier.daily_fine_cents,
                    grace_days=_policy("FINE_GRACE_DAYS"),
                    cap_cents=tier.fine_cap_cents(),
                ),
            }
        )
    return rows
