import datetime

import pytest

from members.models import Member
from tests.factories import at

pytestmark = pytest.mark.django_db

D = datetime.date


def test_member_detail(client, member, make_loan, make_fine, make_copy):
    copy = make_copy(barcode="BCMEMV001")
    loan = make_loan(member=member, copy=copy, borrowed_at=at(2025, 3, 3))
    make_fine(loan, amount_cents=220)
    data = client.get(f"/api/members/{member.card_number}/").json()
    assert data == {
        "card_number": member.card_number,
        "name": member.full_name,
        "email": member.email,
        "tier": member.tier.code,
        "is_active": True,
        "joined_on": "2020-01-15",
        "active_loans": [{"barcode": "BCMEMV001", "due_on": "2025-03-17"}],
        "outstanding_fines_cents": 220,
    }


def test_member_detail_lists_loans_by_due_date(client, member, make_loan):
    make_loan(member=member, due_on=D(2025, 4, 2))
    make_loan(member=member, due_on=D(2025, 3, 20))
    loans = client.get(f"/api/members/{member.card_number}/").json()["active_loans"]
    assert [loan["due_on"] for loan in loans] == ["2025-03-20", "2025-04-02"]


def test_member_detail_404(client):
    assert client.get("/api/members/NOPE0000/").status_code == 404


def test_me_needs_login(client):
    response = client.get("/api/members/me/")
    assert response.status_code == 401


def test_me(client, reader):
    user, member = reader
    client.force_login(user)
    data = client.get("/api/members/me/").json()
    assert data["card_number"] == member.card_number


def test_me_without_a_card(client, django_user_model):
    user = django_user_model.objects.create_user(username="cardless", password="pw-123456")
    client.force_login(user)
    response = client.get("/api/members/me/")
    assert response.status_code == 404
    assert response.json()["error"] == "no_card"


def test_me_with_password_login(client, reader):
    user, member = reader
    assert client.login(username=user.username, password="correct horse battery")
    assert client.get("/api/members/me/").json()["name"] == member.full_name


def test_join(client, frozen_clock):
    response = client.post(
        "/api/members/",
        {"first_name": "Lior", "last_name": "Tamsin", "email": "lior@Example.test"},
        content_type="application/json",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["card_number"] == "LIB000001"
    assert data["email"] == "lior@example.test"
    assert data["joined_on"] == "2025-03-12"
    assert data["tier"] == "basic"


def test_join_logged_in_links_the_user(client, django_user_model, frozen_clock):
    user = django_user_model.objects.create_user(username="joiner", password="pw-123456")
    client.force_login(user)
    response = client.post(
        "/api/members/",
        {"first_name": "J", "last_name": "K", "email": "jk@example.test"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Member.objects.get(user=user).email == "jk@example.test"


def test_join_twice_conflicts(client, frozen_clock):
    body = {"first_name": "A", "last_name": "B", "email": "twice@example.test"}
    assert client.post("/api/members/", body, content_type="application/json").status_code == 201
    response = client.post("/api/members/", body, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["error"] == "duplicate_email"


def test_join_missing_fields(client):
    response = client.post("/api/members/", {"first_name": "A"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "error": "missing_field",
        "message": "missing field(s): last_name, email",
    }


def test_join_bad_birth_date(client, frozen_clock):
    response = client.post(
        "/api/members/",
        {"first_name": "A", "last_name": "B", "email": "bd@example.test", "date_of_birth": "soon"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_date"


def test_join_with_birth_date(client, frozen_clock):
    response = client.post(
        "/api/members/",
        {
            "first_name": "A",
            "last_name": "B",
            "email": "kid@example.test",
            "date_of_birth": "2015-01-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Member.objects.get(email="kid@example.test").date_of_birth == D(2015, 1, 1)


def test_join_not_json(client):
    response = client.post("/api/members/", "{oops", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"


def test_join_rejects_get(client):
    assert client.get("/api/members/").status_code == 405
