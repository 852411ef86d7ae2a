from __future__ import annotations

import datetime

from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce


class LoanQuerySet(models.QuerySet["Loan"]):
    def active(self) -> LoanQuerySet:
        return self.filter(returned_at__isnull=True)

    def returned(self) -> LoanQuerySet:
        return self.filter(returned_at__isnull=False)

    def overdue(self, on: datetime.date) -> LoanQuerySet:
        """Loans still out whose due date is before ``on``."""
        return self.active().filter(due_on__lt=on)

    def due_between(self, start: datetime.date, end: datetime.date) -> LoanQuerySet:
        return self.active().filter(due_on__gte=start, due_on__lte=end)

    def for_book(self, book) -> LoanQuerySet:
        return self.filter(copy__edition__book=book)

    def returned_late(self) -> LoanQuerySet:
        return self.returned().filter(returned_at__date__gt=F("due_on"))


class Loan(models.Model):
    copy = models.ForeignKey("catalog.Copy", on_delete=models.PROTECT, related_name="loans")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="loans")
    borrowed_at = models.DateTimeField()
    due_on = models.DateField()
    returned_at = models.DateTimeField(null=True, blank=True)
    renewals = models.PositiveSmallIntegerField(default=0)

    objects = LoanQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(returned_at__gte=F("borrowed_at")),
                name="loan_returned_after_borrowed",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "returned_at"], name="loan_member_open_idx"),
            models.Index(fields=["due_on"], name="loan_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.copy} -> {self.member}"

    @property
    def is_active(self) -> bool:
        return self.returned_at is None

    def is_overdue(self, on: datetime.date) -> bool:
        return self.is_active and self.due_on < on

    def days_overdue(self, on: datetime.date) -> int:
        """Days late as of ``on`` (or as of the return, once returned)."""
        end = self.returned_at.date() if self.returned_at else on
        return max(0, (end - self.due_on).days)


class ReservationQuerySet(models.QuerySet["Reservation"]):
    def open(self) -> ReservationQuerySet:
        return self.filter(status__in=[Reservation.Status.PENDING, Reservation.Status.READY])

    def queue_for(self, book) -> ReservationQuerySet:
        """Pending reservations for ``book``, first come first served."""
        return self.filter(book=book, status=Reservation.Status.PENDING).order_by(
            "created_at", "pk"
        )

    def lapsed(self, on: datetime.date) -> ReservationQuerySet:
        """Ready reservations whose collection window closed before ``on``."""
        return self.filter(status=Reservation.Status.READY, ready_until__lt=on)


class Reservation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a copy"
        READY = "ready", "Ready for collection"
        FULFILLED = "fulfilled", "Collected"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    book = models.ForeignKey("catalog.Book", on_delete=models.CASCADE, related_name="reservations")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="reservations"
    )
    created_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    copy = models.ForeignKey(
        "catalog.Copy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="holds",
        help_text="The copy held for the member once the reservation is ready.",
    )
    ready_until = models.DateField(null=True, blank=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["book", "status", "created_at"], name="reservation_queue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(ready_until__isnull=False, copy__isnull=False),
                name="ready_reservation_has_copy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} wants {self.book} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.PENDING, self.Status.READY}


class FineQuerySet(models.QuerySet["Fine"]):
    def outstanding(self) -> FineQuerySet:
        return self.filter(paid_on__isnull=True, waived=False)

    def paid(self) -> FineQuerySet:
        return self.filter(paid_on__isnull=False)

    def total_cents(self) -> int:
        return self.aggregate(total=Coalesce(Sum("amount_cents"), 0))["total"]


class Fine(models.Model):
    class Kind(models.TextChoices):
        LATE = "late", "Late return"
        LOST = "lost", "Lost copy"
        DAMAGE = "damage", "Damaged copy"

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="fines")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    amount_cents = models.PositiveIntegerField()
    issued_on = models.DateField()
    paid_on = models.DateField(null=True, blank=True)
    waived = models.BooleanField(default=False)
    note = models.CharField(max_length=255, blank=True)

    objects = FineQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="fine_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | Q(waived=False),
                name="fine_not_paid_and_waived",
            ),
            models.UniqueConstraint(fields=["loan", "kind"], name="fine_one_per_kind_per_loan"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount_cents / 100:.2f}"

    @property
    def is_outstanding(self) -> bool:
        return self.paid_on is None and not self.waived
