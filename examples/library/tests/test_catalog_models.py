import datetime

import pytest
from django.db import IntegrityError, transaction

from catalog.models import Author, Book, Copy, Edition

D = datetime.date


def test_author_age_without_birth_date_is_unknown():
    assert Author(name="Anon").age_on(D(2025, 1, 1)) is None


@pytest.mark.parametrize(
    ("day", "age"), [(D(2025, 5, 31), 74), (D(2025, 6, 1), 75), (D(2025, 12, 31), 75)]
)
def test_author_age_on(day, age):
    assert Author(name="A", birth_date=D(1950, 6, 1)).age_on(day) == age


def test_author_age_stops_at_death():
    author = Author(name="A", birth_date=D(1900, 1, 1), death_date=D(1950, 6, 30))
    assert author.age_on(D(2025, 1, 1)) == 50
    assert not author.is_living


def test_edition_is_digital():
    assert Edition(format=Edition.Format.EBOOK).is_digital
    assert Edition(format=Edition.Format.AUDIOBOOK).is_digital
    assert not Edition(format=Edition.Format.HARDCOVER).is_digital


@pytest.mark.django_db
def test_str_methods(make_book, make_copy):
    book = make_book(title="Salt and Stone")
    copy = make_copy(book=book, barcode="BCSTR0001")
    assert str(book) == "Salt and Stone"
    assert str(copy) == "BCSTR0001"
    assert str(copy.edition) == "Salt and Stone (Paperback, ed. 1)"
    assert str(book.publisher) == book.publisher.name


@pytest.mark.django_db
def test_author_names_are_sorted(make_book, make_author):
    book = make_book(authors=[make_author(name="Zadie"), make_author(name="Amos")])
    assert book.author_names() == ["Amos", "Zadie"]


@pytest.mark.django_db
def test_available_copy_prefers_lowest_barcode(make_book, make_copy):
    book = make_book()
    make_copy(book=book, barcode="BCAV0003")
    make_copy(book=book, barcode="BCAV0001")
    make_copy(book=book, barcode="BCAV0000", status=Copy.Status.REPAIR)
    assert book.available_copy().barcode == "BCAV0001"
    assert book.is_available()


@pytest.mark.django_db
def test_book_without_copies_is_unavailable(make_book):
    book = make_book()
    assert book.available_copy() is None
    assert not book.is_available()


@pytest.mark.django_db
def test_copies_span_editions(make_book, make_edition, make_copy):
    book = make_book()
    first = make_edition(book, number=1)
    second = make_edition(book, number=2)
    make_copy(first)
    make_copy(second)
    make_copy()  # another book's copy
    assert book.copies().count() == 2


@pytest.mark.django_db
def test_replacement_cost_is_highest_list_price(make_book, make_edition):
    book = make_book()
    make_edition(book, number=1, list_price_cents=1299)
    make_edition(book, number=2, list_price_cents=1899)
    make_edition(book, number=3, list_price_cents=None)
    assert book.replacement_cost_cents(default=2500) == 1899


@pytest.mark.django_db
def test_replacement_cost_default_without_prices(make_book, make_edition):
    book = make_book()
    make_edition(book)
    assert book.replacement_cost_cents(default=2500) == 2500


@pytest.mark.django_db
def test_copy_is_lendable_only_when_available_and_physical(make_edition, make_copy):
    paper = make_copy(make_edition(format=Edition.Format.PAPERBACK))
    audio = make_copy(make_edition(format=Edition.Format.AUDIOBOOK))
    repair = make_copy(status=Copy.Status.REPAIR)
    assert paper.is_lendable()
    assert not audio.is_lendable()
    assert not repair.is_lendable()


@pytest.mark.django_db
def test_copy_book_shortcut(make_copy, book):
    assert make_copy(book=book).book == book


@pytest.mark.django_db
def test_copy_queryset_helpers(make_book, make_copy):
    book = make_book()
    statuses = ["available", "on_loan", "held", "repair", "lost"]
    for status in statuses:
        make_copy(book=book, status=status)
    copies = Copy.objects.of_book(book)
    assert copies.count() == 5
    assert list(copies.available().values_list("status", flat=True)) == ["available"]
    assert sorted(copies.circulating().values_list("status", flat=True)) == [
        "available",
        "held",
        "on_loan",
    ]


@pytest.mark.django_db
def test_genres_are_ordered_by_name(make_genre):
    from catalog.models import Genre

    make_genre(name="Test zeta", slug="test-zeta")
    make_genre(name="Test alpha", slug="test-alpha")
    names = [g.name for g in Genre.objects.filter(slug__in=["test-zeta", "test-alpha"])]
    assert names == ["Test alpha", "Test zeta"]


@pytest.mark.django_db
def test_deleting_a_book_deletes_its_editions(make_book, make_edition):
    book = make_book()
    edition = make_edition(book)
    book.delete()
    assert not Edition.objects.filter(pk=edition.pk).exists()


@pytest.mark.django_db
def test_a_publisher_with_books_cannot_be_deleted(make_book):
    from django.db.models import ProtectedError

    book = make_book()
    with pytest.raises(ProtectedError):
        book.publisher.delete()


@pytest.mark.django_db
def test_an_edition_with_copies_cannot_be_deleted(make_copy):
    from django.db.models import ProtectedError

    copy = make_copy()
    with pytest.raises(ProtectedError):
        copy.edition.delete()


@pytest.mark.django_db
def test_isbn_is_unique(make_book):
    make_book(isbn="9780306406157")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_book(isbn="9780306406157")


@pytest.mark.django_db
def test_book_slug_is_unique(make_book):
    make_book(slug="same-slug")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_book(slug="same-slug")


@pytest.mark.django_db
def test_book_needs_pages(make_publisher):
    with pytest.raises(IntegrityError), transaction.atomic():
        Book.objects.create(
            title="Blank",
            slug="blank-pages",
            isbn="9780306406157",
            page_count=0,
            publisher=make_publisher(),
        )


@pytest.mark.django_db
def test_author_cannot_die_before_birth():
    with pytest.raises(IntegrityError), transaction.atomic():
        Author.objects.create(
            name="Time Traveller", birth_date=D(2000, 1, 1), death_date=D(1999, 1, 1)
        )


@pytest.mark.django_db
def test_author_death_without_birth_is_allowed():
    assert Author.objects.create(name="Old Master", death_date=D(1600, 1, 1)).pk


@pytest.mark.django_db
def test_edition_number_unique_per_format(make_book, make_edition):
    book = make_book()
    make_edition(book, format="hardcover", number=1)
    make_edition(book, format="paperback", number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_edition(book, format="hardcover", number=1)


@pytest.mark.django_db
def test_edition_number_starts_at_one(make_book):
    with pytest.raises(IntegrityError), transaction.atomic():
        Edition.objects.create(book=make_book(), number=0)


@pytest.mark.django_db
def test_barcode_is_unique(make_copy):
    make_copy(barcode="BCDUP0001")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_copy(barcode="BCDUP0001")
