"""Small helpers shared by the JSON views."""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse


class BadRequest(Exception):
    def __init__(self, message: str, code: str = "bad_request") -> None:
        super().__init__(message)
        self.code = code


def json_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


def parse_body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"body is not JSON: {exc}", "invalid_json") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object", "invalid_json")
    return data


def require(data: dict[str, Any], *names: str) -> list[Any]:
    missing = [name for name in names if data.get(name) in (None, "")]
    if missing:
        raise BadRequest(f"missing field(s): {', '.join(missing)}", "missing_field")
    return [data[name] for name in names]


def parse_date(value: str, field: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{field} must be a date (YYYY-MM-DD)", "invalid_date") from None


def parse_int(
    value: Any, field: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{field} must be an integer", "invalid_integer") from None
    if minimum is not None and number < minimum:
        raise BadRequest(f"{field} must be at least {minimum}", "out_of_range")
    if maximum is not None and number > maximum:
        raise BadRequest(f"{field} must be at most {maximum}", "out_of_range")
    return number


def json_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn BadRequest raised by a view into a 400 JSON response."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadRequest as exc:
            return json_error(exc.code, str(exc), 400)

    return wrapper


def login_required_json(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return json_error("not_authenticated", "log in first", 401)
        return view(request, *args, **kwargs)

    return wrapper


def paginate(items: list[Any], page: int, page_size: int) -> dict[str, Any]:
    start = (page - 1) * page_size
    return {
        "count": len(items),
        "page": page,
        "pages": max(1, -(-len(items) // page_size)),
        "results": items[start : start + page_size],
    }
