import pytest

from catalog.models import Copy
from tests.factories import make_member, make_rating

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(make_book, make_author, make_genre, make_copy):
    genre = make_genre(name="Test sea stories", slug="test-sea-stories")
    author = make_author(name="Hilde Marr")
    sea = make_book(title="Open Sea", slug="open-sea", authors=[author], genres=[genre])
    make_copy(book=sea)
    make_book(title="Attic Dust", slug="attic-dust", authors=[author])
    make_book(title="Moss Garden", slug="moss-garden")
    return {"sea": sea, "genre": genre, "author": author}


def test_book_list_is_ordered_by_title(client, books):
    response = client.get("/api/books/")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert [b["title"] for b in data["results"]] == ["Attic Dust", "Moss Garden", "Open Sea"]


def test_book_list_item_shape(client, books):
    item = client.get("/api/books/", {"q": "open"}).json()["results"][0]
    assert item == {
        "title": "Open Sea",
        "slug": "open-sea",
        "isbn": books["sea"].isbn,
        "authors": ["Hilde Marr"],
        "publisher": books["sea"].publisher.name,
        "published_on": "2001-01-01",
    }


def test_book_list_search(client, books):
    data = client.get("/api/books/", {"q": "Marr"}).json()
    assert [b["slug"] for b in data["results"]] == ["attic-dust", "open-sea"]


def test_book_list_by_genre(client, books):
    data = client.get("/api/books/", {"genre": "test-sea-stories"}).json()
    assert [b["slug"] for b in data["results"]] == ["open-sea"]


def test_book_list_available_only(client, books):
    data = client.get("/api/books/", {"available": "1"}).json()
    assert [b["slug"] for b in data["results"]] == ["open-sea"]


def test_book_list_pagination(client, books):
    data = client.get("/api/books/", {"page": 2, "page_size": 2}).json()
    assert data["pages"] == 2
    assert [b["slug"] for b in data["results"]] == ["open-sea"]


@pytest.mark.parametrize("params", [{"page": 0}, {"page_size": 500}, {"page": "two"}])
def test_book_list_bad_paging(client, books, params):
    response = client.get("/api/books/", params)
    assert response.status_code == 400
    assert response.json()["error"] in {"out_of_range", "invalid_integer"}


def test_book_list_rejects_post(client):
    assert client.post("/api/books/").status_code == 405


def test_book_detail(client, books, make_edition, make_copy):
    sea = books["sea"]
    hardback = make_edition(sea, format="hardcover", number=1)
    make_copy(hardback, status=Copy.Status.ON_LOAN)
    make_rating(book=sea, member=make_member(), stars=4)
    make_rating(book=sea, member=make_member(), stars=5)
    data = client.get("/api/books/open-sea/").json()
    assert data["title"] == "Open Sea"
    assert data["genres"] == ["test-sea-stories"]
    assert data["available_copies"] == 1
    assert data["editions"] == [
        {"format": "hardcover", "number": 1, "copies": 1},
        {"format": "paperback", "number": 1, "copies": 1},
    ]
    assert data["average_rating"] == 4.5
    assert data["rating_count"] == 2


def test_book_detail_unrated(client, books):
    data = client.get("/api/books/attic-dust/").json()
    assert data["average_rating"] is None
    assert data["rating_count"] == 0
    assert data["editions"] == []


def test_book_detail_404(client):
    response = client.get("/api/books/no-such-book/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_author_detail(client, books, make_author):
    author = books["author"]
    data = client.get(f"/api/authors/{author.pk}/").json()
    assert data["name"] == "Hilde Marr"
    assert data["birth_date"] == "1950-06-01"
    assert data["death_date"] is None
    assert [b["slug"] for b in data["books"]] == ["attic-dust", "open-sea"]


def test_author_detail_404(client, make_author):
    author = make_author()
    missing = author.pk + 1000
    assert client.get(f"/api/authors/{missing}/").status_code == 404


def test_genre_list_counts_books(client, books):
    results = client.get("/api/genres/").json()["results"]
    ours = [g for g in results if g["slug"] == "test-sea-stories"]
    assert ours == [{"name": "Test sea stories", "slug": "test-sea-stories", "books": 1}]


def test_stats(client, books):
    assert client.get("/api/stats/").json() == {
        "books": 3,
        "authors": 2,
        "copies": 1,
        "available_copies": 1,
        "on_loan": 0,
    }


def test_stats_empty_catalogue(client):
    assert client.get("/api/stats/").json()["books"] == 0


def test_published_on_may_be_missing(client, make_book):
    make_book(title="Undated", slug="undated", published_on=None)
    item = client.get("/api/books/").json()["results"][0]
    assert item["published_on"] is None
