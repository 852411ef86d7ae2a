from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Book, Copy
from library import clock
from library.http import json_error, json_view, parse_body, parse_date, require
from members.models import Member

from . import services
from .models import Loan, Reservation

ERROR_STATUS = {"already_returned": 409, "already_reserved": 409, "already_borrowed": 409}


def loan_json(loan: Loan) -> dict:
    return {
        "id": loan.pk,
        "barcode": loan.copy.barcode,
        "card_number": loan.member.card_number,
        "borrowed_at": loan.borrowed_at.isoformat(),
        "due_on": loan.due_on.isoformat(),
        "returned_at": loan.returned_at.isoformat() if loan.returned_at else None,
        "renewals": loan.renewals,
    }


def reservation_json(reservation: Reservation) -> dict:
    return {
        "id": reservation.pk,
        "book": reservation.book.slug,
        "card_number": reservation.member.card_number,
        "status": reservation.status,
        "barcode": reservation.copy.barcode if reservation.copy else None,
        "ready_until": reservation.ready_until.isoformat() if reservation.ready_until else None,
    }


def lending_error(exc: services.LendingError) -> JsonResponse:
    return json_error(exc.code, str(exc), ERROR_STATUS.get(exc.code, 400))


@require_POST
@json_view
def lend(request: HttpRequest) -> JsonResponse:
    card_number, barcode = require(parse_body(request), "card_number", "barcode")
    member = Member.objects.filter(card_number=card_number).first()
    copy = Copy.objects.filter(barcode=barcode).first()
    if member is None or copy is None:
        return json_error("not_found", "unknown card or barcode", 404)
    try:
        loan = services.lend(copy, member, at=clock.now())
    except services.LendingError as exc:
        return lending_error(exc)
    return JsonResponse(loan_json(loan), status=201)


def _loan_or_404(pk: int) -> Loan | None:
    return Loan.objects.select_related("copy", "member").filter(pk=pk).first()


@require_POST
def return_copy(request: HttpRequest, pk: int) -> JsonResponse:
    loan = _loan_or_404(pk)
    if loan is None:
        return json_error("not_found", f"no loan {pk}", 404)
    try:
        receipt = services.return_loan(loan, at=clock.now())
    except services.LendingError as exc:
        return lending_error(exc)
    data = loan_json(receipt.loan)
    data["fine_cents"] = receipt.fine.amount_cents if receipt.fine else 0
    data["held_for"] = receipt.held_for.member.card_number if receipt.held_for else None
    return JsonResponse(data)


@require_POST
def renew(request: HttpRequest, pk: int) -> JsonResponse:
    loan = _loan_or_404(pk)
    if loan is None:
        return json_error("not_found", f"no loan {pk}", 404)
    try:
        loan = services.renew(loan, at=clock.now())
    except services.LendingError as exc:
        return lending_error(exc)
    return JsonResponse(loan_json(loan))


@require_POST
@json_view
def reserve(request: HttpRequest) -> JsonResponse:
    card_number, slug = require(parse_body(request), "card_number", "book")
    member = Member.objects.filter(card_number=card_number).first()
    book = Book.objects.filter(slug=slug).first()
    if member is None or book is None:
        return json_error("not_found", "unknown card or book", 404)
    try:
        reservation = services.reserve(book, member, at=clock.now())
    except services.LendingError as exc:
        return lending_error(exc)
    return JsonResponse(reservation_json(reservation), status=201)


@require_POST
def cancel_reservation(request: HttpRequest, pk: int) -> JsonResponse:
    reservation = Reservation.objects.filter(pk=pk).first()
    if reservation is None:
        return json_error("not_found", f"no reservation {pk}", 404)
    try:
        reservation = services.cancel_reservation(reservation, on=clock.today())
    except services.LendingError as exc:
        return json_error(exc.code, str(exc), 409)
    return JsonResponse(reservation_json(reservation))


@require_GET
@json_view
def overdue(request: HttpRequest) -> JsonResponse:
    raw = request.GET.get("on")
    on = parse_date(raw, "on") if raw else clock.today()
    rows = services.overdue_report(on=on)
    return JsonResponse({"on": on.isoformat(), "count": len(rows), "results": rows})
