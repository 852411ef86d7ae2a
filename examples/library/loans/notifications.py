"""Mail sent to readers. Called from transaction.on_commit, so only once data is saved."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from .models import Reservation


def send_ready_notice(reservation_pk: int) -> None:
    reservation = Reservation.objects.select_related("book", "member", "copy").get(
        pk=reservation_pk
    )
    if reservation.status != Reservation.Status.READY:
        return
    member = reservation.member
    send_mail(
        subject=f"Ready for collection: {reservation.book.title}",
        message=(
            f"Dear {member.first_name},\n\n"
            f"the copy {reservation.copy.barcode} of {reservation.book.title} is waiting for "
            f"you at the desk until {reservation.ready_until:%A %d %B %Y}.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[member.email],
    )


def send_overdue_reminders(rows: list[dict]) -> int:
    """One reminder per overdue row of loans.services.overdue_report; returns how many."""
    from members.models import Member

    emails = dict(
        Member.objects.filter(card_number__in={row["card_number"] for row in rows}).values_list(
            "card_number", "email"
        )
    )
    sent = 0
    for row in rows:
        sent += send_mail(
            subject=f"Overdue: {row['title']}",
            message=f"{row['title']} ({row['barcode']}) was due on {row['due_on']}.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[emails[row["card_number"]]],
        )
    return sent
