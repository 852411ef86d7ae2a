from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from library import clock
from library.http import json_error, json_view, login_required_json, parse_body, parse_date, require

from .models import Member
from .services import MembershipError, enroll


def member_json(member: Member) -> dict:
    return {
        "card_number": member.card_number,
        "name": member.full_name,
        "email": member.email,
        "tier": member.tier.code,
        "is_active": member.is_active,
        "joined_on": member.joined_on.isoformat(),
        "active_loans": [
            {"barcode": loan.copy.barcode, "due_on": loan.due_on.isoformat()}
            for loan in member.active_loans().select_related("copy").order_by("due_on", "pk")
        ],
        "outstanding_fines_cents": member.outstanding_fines_cents(),
    }


@require_GET
def member_detail(request: HttpRequest, card_number: str) -> JsonResponse:
    member = Member.objects.select_related("tier").filter(card_number=card_number).first()
    if member is None:
        return json_error("not_found", f"no card {card_number}", 404)
    return JsonResponse(member_json(member))


@require_GET
@login_required_json
def me(request: HttpRequest) -> JsonResponse:
    member = Member.objects.select_related("tier").filter(user=request.user).first()
    if member is None:
        return json_error("no_card", "this login has no library card", 404)
    return JsonResponse(member_json(member))


@require_POST
@json_view
def join(request: HttpRequest) -> JsonResponse:
    data = parse_body(request)
    first_name, last_name, email = require(data, "first_name", "last_name", "email")
    birth = data.get("date_of_birth")
    try:
        member = enroll(
            first_name=first_name,
            last_name=last_name,
            email=email,
            joined_on=clock.today(),
            date_of_birth=parse_date(birth, "date_of_birth") if birth else None,
            phone=data.get("phone", ""),
            user=request.user if request.user.is_authenticated else None,
        )
    except MembershipError as exc:
        status = 409 if exc.code in {"duplicate_email", "user_has_card"} else 400
        return json_error(exc.code, str(exc), status)
    return JsonResponse(member_json(member), status=201)
