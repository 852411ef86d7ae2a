from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q


class MembershipTier(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    max_loans = models.PositiveSmallIntegerField(default=3)
    loan_days = models.PositiveSmallIntegerField(default=14)
    daily_fine_cents = models.PositiveIntegerField(default=25)
    max_renewals = models.PositiveSmallIntegerField(default=2)
    max_reservations = models.PositiveSmallIntegerField(default=2)
    annual_fee_cents = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(max_loans__gte=1), name="tier_allows_a_loan"),
            models.CheckConstraint(condition=Q(loan_days__gte=1), name="tier_loan_days_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def fine_cap_cents(self) -> int:
        """A late fine never exceeds thirty days' worth."""
        return self.daily_fine_cents * 30


class MemberQuerySet(models.QuerySet["Member"]):
    def active(self) -> MemberQuerySet:
        return self.filter(is_active=True)

    def joined_before(self, day: datetime.date) -> MemberQuerySet:
        return self.filter(joined_on__lt=day)

    def with_active_loan_count(self) -> MemberQuerySet:
        return self.annotate(
            active_loan_count=models.Count("loans", filter=Q(loans__returned_at__isnull=True))
        )

    def owing(self) -> MemberQuerySet:
        """Members with at least one unpaid, unwaived fine."""
        return self.filter(
            loans__fines__paid_on__isnull=True, loans__fines__waived=False
        ).distinct()


class Member(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
    )
    card_number = models.CharField(max_length=16, unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=191, unique=True)
    phone = models.CharField(max_length=32, blank=True)
    tier = models.ForeignKey(MembershipTier, on_delete=models.PROTECT, related_name="members")
    joined_on = models.DateField()
    date_of_birth = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="member_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=True)
                | Q(date_of_birth__lt=models.F("joined_on")),
                name="member_born_before_joining",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: datetime.date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def is_minor_on(self, day: datetime.date) -> bool:
        age = self.age_on(day)
        return age is not None and age < 18

    def membership_years_on(self, day: datetime.date) -> int:
        joined = self.joined_on
        return max(0, day.year - joined.year - ((day.month, day.day) < (joined.month, joined.day)))

    def active_loans(self) -> models.QuerySet:
        return self.loans.filter(returned_at__isnull=True)

    def outstanding_fines_cents(self) -> int:
        from loans.models import Fine

        return Fine.objects.filter(loan__member=self).outstanding().total_cents()


class Address(models.Model):
    class Kind(models.TextChoices):
        HOME = "home", "Home"
        WORK = "work", "Work"
        POSTAL = "postal", "Postal"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.HOME)
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postcode = models.CharField(max_length=16)
    country = models.CharField(max_length=2, default="GB")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "kind"], name="address_one_per_kind"),
        ]

    def __str__(self) -> str:
        return self.one_line()

    def one_line(self) -> str:
        parts = [self.line1, self.line2, self.city, self.postcode.upper(), self.country]
        return ", ".join(p for p in parts if p)
