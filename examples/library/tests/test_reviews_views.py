import pytest

from reviews.models import Rating, Review
from tests.factories import at, borrowed

pytestmark = pytest.mark.django_db

BODY = "A slow start, then three hundred pages I could not put down."


@pytest.fixture
def logged_in(client, reader, book):
    user, member = reader
    borrowed(member, book)
    client.force_login(user)
    return member


def post(client, path, data):
    return client.post(path, data, content_type="application/json")


def test_book_reviews(client, book, make_review, make_rating, make_member):
    first = make_review(
        book=book,
        is_published=True,
        helpful_votes=3,
        title="Best",
        member=make_member(first_name="Ola"),
    )
    make_review(book=book, is_published=True, helpful_votes=1, title="Fine")
    make_review(book=book, title="Unmoderated")
    make_rating(book=book, stars=5)
    data = client.get(f"/api/books/{book.slug}/reviews/").json()
    assert [r["title"] for r in data["results"]] == ["Best", "Fine"]
    assert data["results"][0] == {
        "id": first.pk,
        "title": "Best",
        "excerpt": first.excerpt(),
        "author": "Ola",
        "helpful_votes": 3,
        "created_at": "2025-03-12T10:30:00+00:00",
        "published": True,
    }
    assert data["summary"] == {
        "average": 5.0,
        "count": 1,
        "histogram": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1},
        "reviews": 2,
    }


def test_book_reviews_404(client):
    assert client.get("/api/books/nothing-here/reviews/").status_code == 404


def test_post_review(client, logged_in, book, frozen_clock):
    response = post(
        client, f"/api/books/{book.slug}/reviews/new/", {"title": "Gripping", "body": BODY}
    )
    assert response.status_code == 201
    assert response.json()["published"] is False
    assert Review.objects.get(book=book, member=logged_in).title == "Gripping"


def test_post_review_anonymous(client, book):
    response = post(client, f"/api/books/{book.slug}/reviews/new/", {"title": "x", "body": BODY})
    assert response.status_code == 401


def test_post_review_without_a_card(client, django_user_model, book):
    client.force_login(
        django_user_model.objects.create_user(username="nocard", password="pw-123456")
    )
    response = post(client, f"/api/books/{book.slug}/reviews/new/", {"title": "x", "body": BODY})
    assert response.status_code == 403


def test_post_review_closed_card(client, reader, book):
    user, member = reader
    member.is_active = False
    member.save()
    client.force_login(user)
    response = post(client, f"/api/books/{book.slug}/reviews/new/", {"title": "x", "body": BODY})
    assert response.status_code == 403


def test_post_review_twice(client, logged_in, book, frozen_clock):
    post(client, f"/api/books/{book.slug}/reviews/new/", {"title": "One", "body": BODY})
    response = post(client, f"/api/books/{book.slug}/reviews/new/", {"title": "Two", "body": BODY})
    assert response.status_code == 409


def test_post_review_too_short(client, logged_in, book, frozen_clock):
    response = post(client, f"/api/books/{book.slug}/reviews/new/", {"title": "Meh", "body": "meh"})
    assert response.status_code == 400
    assert response.json()["error"] == "too_short"


def test_post_review_missing_body(client, logged_in, book):
    response = post(client, f"/api/books/{book.slug}/reviews/new/", {"title": "Meh"})
    assert response.json()["error"] == "missing_field"


def test_post_review_unknown_book(client, logged_in):
    response = post(client, "/api/books/no-such-book/reviews/new/", {"title": "x", "body": BODY})
    assert response.status_code == 404


def test_post_rating(client, logged_in, book, frozen_clock):
    response = post(client, f"/api/books/{book.slug}/rating/", {"stars": "4"})
    assert response.json() == {"book": book.slug, "stars": 4}
    assert Rating.objects.get(book=book, member=logged_in).rated_at == at(2025, 3, 12, 10, 30)


@pytest.mark.parametrize(("stars", "code"), [("many", "invalid_integer"), (9, "bad_stars")])
def test_post_rating_bad_stars(client, logged_in, book, frozen_clock, stars, code):
    response = post(client, f"/api/books/{book.slug}/rating/", {"stars": stars})
    assert response.status_code == 400
    assert response.json()["error"] == code


def test_top_rated_view(client, make_book, make_rating):
    book = make_book(slug="top-one")
    make_rating(book=book, stars=5)
    make_rating(book=book, stars=4)
    assert client.get("/api/top-rated/").json() == {
        "results": [{"slug": "top-one", "average": 4.5, "ratings": 2}]
    }


def test_top_rated_view_limit(client):
    assert client.get("/api/top-rated/", {"limit": 0}).status_code == 400
