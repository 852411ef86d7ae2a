import datetime

import pytest

from catalog.models import Copy
from loans.models import Loan, Reservation
from tests.factories import at

pytestmark = pytest.mark.django_db

D = datetime.date


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


def test_lend(client, frozen_clock, copy, member):
    response = post(
        client, "/api/loans/", {"card_number": member.card_number, "barcode": copy.barcode}
    )
    assert response.status_code == 201
    data = response.json()
    loan = Loan.objects.get(copy=copy)
    assert data == {
        "id": loan.pk,
        "barcode": copy.barcode,
        "card_number": member.card_number,
        "borrowed_at": "2025-03-12T10:30:00+00:00",
        "due_on": "2025-03-26",
        "returned_at": None,
        "renewals": 0,
    }


def test_lend_unknown_barcode(client, member):
    response = post(client, "/api/loans/", {"card_number": member.card_number, "barcode": "NOPE"})
    assert response.status_code == 404


def test_lend_missing_field(client):
    response = post(client, "/api/loans/", {"barcode": "X"})
    assert response.status_code == 400
    assert response.json()["error"] == "missing_field"


def test_lend_refused(client, frozen_clock, make_copy, member):
    copy = make_copy(status=Copy.Status.REPAIR)
    response = post(
        client, "/api/loans/", {"card_number": member.card_number, "barcode": copy.barcode}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "not_lendable"


def test_lend_rejects_get(client):
    assert client.get("/api/loans/").status_code == 405


def test_return_late(client, frozen_clock, make_loan):
    loan = make_loan(borrowed_at=at(2025, 2, 3), due_on=D(2025, 3, 3))
    response = post(client, f"/api/loans/{loan.pk}/return/")
    assert response.status_code == 200
    data = response.json()
    assert data["returned_at"] == "2025-03-12T10:30:00+00:00"
    assert data["fine_cents"] == 200  # 9 days late, 1 day's grace, 25p a day
    assert data["held_for"] is None


def test_return_holds_for_the_queue(
    client, frozen_clock, make_loan, make_reservation, make_member, copy, book
):
    loan = make_loan(copy=copy, borrowed_at=at(2025, 3, 1))
    waiting = make_member()
    make_reservation(book=book, member=waiting, created_at=at(2025, 3, 2))
    data = post(client, f"/api/loans/{loan.pk}/return/").json()
    assert data["held_for"] == waiting.card_number
    assert data["fine_cents"] == 0


def test_return_twice(client, frozen_clock, make_loan):
    loan = make_loan(borrowed_at=at(2025, 3, 1))
    post(client, f"/api/loans/{loan.pk}/return/")
    response = post(client, f"/api/loans/{loan.pk}/return/")
    assert response.status_code == 409
    assert response.json()["error"] == "already_returned"


def test_return_unknown(client, make_loan):
    loan = make_loan()
    assert post(client, f"/api/loans/{loan.pk + 1000}/return/").status_code == 404


def test_renew(client, frozen_clock, make_loan):
    loan = make_loan(borrowed_at=at(2025, 3, 3))
    data = post(client, f"/api/loans/{loan.pk}/renew/").json()
    assert (data["due_on"], data["renewals"]) == ("2025-03-26", 1)


def test_renew_overdue(client, frozen_clock, make_loan):
    loan = make_loan(borrowed_at=at(2025, 2, 3), due_on=D(2025, 3, 3))
    response = post(client, f"/api/loans/{loan.pk}/renew/")
    assert response.status_code == 400
    assert response.json()["error"] == "overdue"


def test_reserve(client, frozen_clock, book, member):
    response = post(
        client, "/api/reservations/", {"card_number": member.card_number, "book": book.slug}
    )
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "pending"
    assert data["book"] == book.slug
    assert data["barcode"] is None


def test_reserve_ready(client, frozen_clock, book, member, make_copy):
    make_copy(book=book, barcode="BCVIEW0001")
    data = post(
        client, "/api/reservations/", {"card_number": member.card_number, "book": book.slug}
    ).json()
    assert (data["status"], data["barcode"], data["ready_until"]) == (
        "ready",
        "BCVIEW0001",
        "2025-03-15",
    )


def test_reserve_twice_conflicts(client, frozen_clock, book, member):
    body = {"card_number": member.card_number, "book": book.slug}
    post(client, "/api/reservations/", body)
    response = post(client, "/api/reservations/", body)
    assert response.status_code == 409


def test_reserve_unknown_book(client, member):
    response = post(
        client, "/api/reservations/", {"card_number": member.card_number, "book": "nope"}
    )
    assert response.status_code == 404


def test_cancel_reservation(client, frozen_clock, make_reservation):
    reservation = make_reservation()
    data = post(client, f"/api/reservations/{reservation.pk}/cancel/").json()
    assert data["status"] == "cancelled"
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED


def test_cancel_closed_reservation(client, frozen_clock, make_reservation):
    reservation = make_reservation(status="fulfilled")
    assert post(client, f"/api/reservations/{reservation.pk}/cancel/").status_code == 409


def test_overdue_report_view(client, make_loan):
    make_loan(borrowed_at=at(2025, 2, 1), due_on=D(2025, 3, 1))
    data = client.get("/api/loans/overdue/", {"on": "2025-03-12"}).json()
    assert data["on"] == "2025-03-12"
    assert data["count"] == 1
    assert data["results"][0]["days_overdue"] == 11


def test_overdue_report_defaults_to_today(client, frozen_clock, make_loan):
    make_loan(borrowed_at=at(2025, 2, 1), due_on=D(2025, 3, 11))
    data = client.get("/api/loans/overdue/").json()
    assert (data["on"], data["count"]) == ("2025-03-12", 1)


def test_overdue_report_bad_date(client):
    response = client.get("/api/loans/overdue/", {"on": "yesterday"})
    assert response.status_code == 400
