"""library.http helpers; RequestFactory needs no database."""

import datetime
import json

import pytest
from django.http import JsonResponse
from django.test import RequestFactory

from library import http


@pytest.fixture
def rf():
    return RequestFactory()


def test_parse_body_empty(rf):
    assert http.parse_body(rf.post("/", data=b"", content_type="application/json")) == {}


def test_parse_body_object(rf):
    request = rf.post("/", data={"a": 1}, content_type="application/json")
    assert http.parse_body(request) == {"a": 1}


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_parse_body_rejects(rf, body):
    with pytest.raises(http.BadRequest) as info:
        http.parse_body(rf.post("/", data=body, content_type="application/json"))
    assert info.value.code == "invalid_json"


def test_require_returns_values_in_order():
    assert http.require({"b": 2, "a": 1}, "a", "b") == [1, 2]


def test_require_lists_every_missing_field():
    with pytest.raises(http.BadRequest, match="a, c"):
        http.require({"a": "", "b": 1}, "a", "b", "c")


@pytest.mark.parametrize(("value", "expected"), [("7", 7), (3, 3), ("-2", -2)])
def test_parse_int(value, expected):
    assert http.parse_int(value, "n") == expected


@pytest.mark.parametrize("value", ["x", None, "1.5", ""])
def test_parse_int_rejects(value):
    with pytest.raises(http.BadRequest) as info:
        http.parse_int(value, "n")
    assert info.value.code == "invalid_integer"


def test_parse_int_bounds():
    with pytest.raises(http.BadRequest, match="at least 1"):
        http.parse_int("0", "page", minimum=1)
    with pytest.raises(http.BadRequest, match="at most 100"):
        http.parse_int("101", "page_size", maximum=100)


def test_parse_date():
    assert http.parse_date("2025-03-12", "on") == datetime.date(2025, 3, 12)


@pytest.mark.parametrize("value", ["12/03/2025", "2025-02-30", None])
def test_parse_date_rejects(value):
    with pytest.raises(http.BadRequest, match="on must be a date"):
        http.parse_date(value, "on")


@pytest.mark.parametrize(
    ("page", "size", "results", "pages"),
    [(1, 2, [0, 1], 3), (3, 2, [4], 3), (4, 2, [], 3), (1, 10, [0, 1, 2, 3, 4], 1)],
)
def test_paginate(page, size, results, pages):
    data = http.paginate(list(range(5)), page, size)
    assert data["results"] == results
    assert data["pages"] == pages
    assert data["count"] == 5


def test_paginate_empty_has_one_page():
    assert http.paginate([], 1, 20) == {"count": 0, "page": 1, "pages": 1, "results": []}


def test_json_view_turns_bad_request_into_400(rf):
    @http.json_view
    def view(request):
        raise http.BadRequest("nope", "custom")

    response = view(rf.get("/"))
    assert response.status_code == 400
    assert json.loads(response.content) == {"error": "custom", "message": "nope"}


def test_json_view_passes_responses_through(rf):
    @http.json_view
    def view(request):
        return JsonResponse({"ok": True})

    assert view(rf.get("/")).status_code == 200


def test_login_required_json_rejects_anonymous(rf):
    from django.contrib.auth.models import AnonymousUser

    @http.login_required_json
    def view(request):
        return JsonResponse({})

    request = rf.get("/")
    request.user = AnonymousUser()
    response = view(request)
    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "not_authenticated"
