"""Joining, changing tier, leaving."""

from __future__ import annotations

import datetime
import re

from django.db import transaction

from .models import Address, Member, MembershipTier


class MembershipError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


DEFAULT_TIER = {
    "name": "Basic",
    "max_loans": 3,
    "loan_days": 14,
    "daily_fine_cents": 25,
    "max_renewals": 1,
    "max_reservations": 1,
    "annual_fee_cents": 0,
}

CARD_PREFIX = "LIB"


def default_tier() -> MembershipTier:
    """The basic tier: seeded by a data migration, re-created if someone removed it."""
    tier, _ = MembershipTier.objects.get_or_create(code="basic", defaults=DEFAULT_TIER)
    return tier


def normalise_email(email: str) -> str:
    """Lower-case the domain (the local part is the owner's business)."""
    email = email.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain:
        raise MembershipError("invalid_email", f"not an email address: {email!r}")
    return f"{local}@{domain.lower()}"


def next_card_number() -> str:
    numbers = Member.objects.filter(card_number__startswith=CARD_PREFIX).values_list(
        "card_number", flat=True
    )
    serials = [int(n[len(CARD_PREFIX) :]) for n in numbers if n[len(CARD_PREFIX) :].isdigit()]
    return f"{CARD_PREFIX}{max(serials, default=0) + 1:06d}"


_PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")


@transaction.atomic
def enroll(
    *,
    first_name: str,
    last_name: str,
    email: str,
    joined_on: datetime.date,
    tier: MembershipTier | None = None,
    user=None,
    date_of_birth: datetime.date | None = None,
    phone: str = "",
) -> Member:
    email = normalise_email(email)
    if Member.objects.filter(email__iexact=email).exists():
        raise MembershipError("duplicate_email", f"{email} already has a card")
    if phone and not _PHONE.match(phone):
        raise MembershipError("invalid_phone", f"not a phone number: {phone!r}")
    if date_of_birth is not None and date_of_birth >= joined_on:
        raise MembershipError("invalid_birth_date", "members are born before they join")
    if user is not None and Member.objects.filter(user=user).exists():
        raise MembershipError("user_has_card", "this login already has a card")
    return Member.objects.create(
        card_number=next_card_number(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        phone=phone,
        tier=tier or default_tier(),
        joined_on=joined_on,
        date_of_birth=date_of_birth,
        user=user,
    )


def change_tier(member: Member, tier: MembershipTier) -> Member:
    active = member.active_loans().count()
    if active > tier.max_loans:
        raise MembershipError(
            "too_many_loans", f"{tier.name} allows {tier.max_loans} loans; {active} are out"
        )
    member.tier = tier
    member.save(update_fields=["tier"])
    return member


@transaction.atomic
def deactivate(member: Member, *, on: datetime.date) -> Member:
    """Close a card: no loans may be out; open reservations are cancelled."""
    from loans.services import cancel_reservation

    if member.active_loans().exists():
        raise MembershipError("loans_out", "return every loan before closing the card")
    for reservation in member.reservations.open().order_by("pk"):
        cancel_reservation(reservation, on=on)
    member.is_active = False
    member.save(update_fields=["is_active"])
    return member


def reactivate(member: Member) -> Member:
    member.is_active = True
    member.save(update_fields=["is_active"])
    return member


def set_address(member: Member, kind: str, **fields: str) -> Address:
    if kind not in Address.Kind.values:
        raise MembershipError("invalid_kind", f"unknown address kind {kind!r}")
    fields.setdefault("line2", "")
    address, _ = Address.objects.update_or_create(member=member, kind=kind, defaults=fields)
    return address


def annual_fee_due(member: Member, on: datetime.date) -> int:
    """Fee owed for the membership year that contains ``on`` (free in the joining year)."""
    if member.membership_years_on(on) < 1:
        return 0
    fee = member.tier.annual_fee_cents
    if member.is_minor_on(on):
        fee //= 2
    return fee
