import datetime

import pytest

from catalog.models import Book, Copy
from tests.factories import make_member, make_rating

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def shelf(make_book, make_author, make_genre, make_copy):
    """Three books: two by Ursula Vance, one of them in a test genre; copies in mixed states."""
    vance = make_author(name="Ursula Vance")
    other = make_author(name="Piet Mondo")
    genre = make_genre()
    harbour = make_book(
        title="Harbour Lights",
        authors=[vance],
        genres=[genre],
        published_on=D(1999, 5, 1),
        isbn="9780306406157",
    )
    winter = make_book(title="Winter Roads", authors=[vance], published_on=D(2010, 1, 1))
    glass = make_book(title="Glass Rivers", authors=[other], published_on=D(2020, 9, 9))
    make_copy(book=harbour, status=Copy.Status.AVAILABLE)
    make_copy(book=harbour, status=Copy.Status.AVAILABLE)
    make_copy(book=winter, status=Copy.Status.ON_LOAN)
    return {"harbour": harbour, "winter": winter, "glass": glass, "genre": genre}


def titles(queryset):
    return sorted(book.title for book in queryset)


def test_search_by_title(shelf):
    assert titles(Book.objects.search("roads")) == ["Winter Roads"]


def test_search_is_case_insensitive_by_design(shelf):
    assert titles(Book.objects.search("HARBOUR")) == ["Harbour Lights"]


def test_search_by_author(shelf):
    assert titles(Book.objects.search("Vance")) == ["Harbour Lights", "Winter Roads"]


def test_search_by_isbn_with_hyphens(shelf):
    assert titles(Book.objects.search("978-0-306")) == ["Harbour Lights"]


def test_search_returns_each_book_once(shelf, make_author):
    # Two matching authors on one book must not duplicate it.
    shelf["glass"].authors.add(make_author(name="Piet Mondo junior"))
    assert titles(Book.objects.search("Piet")) == ["Glass Rivers"]


def test_blank_search_is_everything(shelf):
    assert Book.objects.search("   ").count() == 3


def test_no_match(shelf):
    assert not Book.objects.search("zzzz-no-such-book").exists()


def test_in_genre(shelf):
    assert titles(Book.objects.in_genre(shelf["genre"].slug)) == ["Harbour Lights"]


def test_available(shelf):
    assert titles(Book.objects.available()) == ["Harbour Lights"]


def test_with_available_copies(shelf):
    counts = dict(Book.objects.with_available_copies().values_list("title", "available_copies"))
    assert counts == {"Harbour Lights": 2, "Winter Roads": 0, "Glass Rivers": 0}


def test_published_between(shelf):
    found = Book.objects.published_between(D(2000, 1, 1), D(2015, 12, 31))
    assert titles(found) == ["Winter Roads"]


def test_published_between_is_inclusive(shelf):
    assert titles(Book.objects.published_between(D(1999, 5, 1), D(1999, 5, 1))) == [
        "Harbour Lights"
    ]


def test_with_rating(shelf):
    make_rating(book=shelf["glass"], member=make_member(), stars=5)
    make_rating(book=shelf["glass"], member=make_member(), stars=2)
    books = {b.title: b for b in Book.objects.with_rating()}
    assert books["Glass Rivers"].average_rating == pytest.approx(3.5)
    assert books["Glass Rivers"].rating_count == 2
    assert books["Winter Roads"].average_rating is None
    assert books["Winter Roads"].rating_count == 0


def test_querysets_chain(shelf):
    found = Book.objects.search("Vance").available().with_available_copies()
    assert [(b.title, b.available_copies) for b in found] == [("Harbour Lights", 2)]
