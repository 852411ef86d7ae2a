import datetime

import pytest

from catalog import services
from catalog.isbn import InvalidISBN
from catalog.models import Book, Copy, Edition

D = datetime.date


def test_next_barcodes_start_at_one():
    assert services.next_barcodes("lib", 3, []) == ["LIB000001", "LIB000002", "LIB000003"]


def test_next_barcodes_follow_the_highest_serial():
    existing = ["LIB000002", "LIB000010", "BRANCH000500", "LIB-old", "LIBX000900"]
    assert services.next_barcodes("LIB", 2, existing) == ["LIB000011", "LIB000012"]


@pytest.mark.django_db
def test_register_book_normalises_isbn(make_publisher, make_author, make_genre):
    genre = make_genre()
    book = services.register_book(
        title="  The Cartographer  ",
        isbn="0-306-40615-2",
        publisher=make_publisher(),
        authors=[make_author()],
        genres=[genre],
        page_count=320,
    )
    book.refresh_from_db()
    assert book.isbn == "9780306406157"
    assert book.title == "The Cartographer"
    assert book.slug == "the-cartographer"
    assert list(book.genres.all()) == [genre]


@pytest.mark.django_db
def test_register_book_rejects_duplicate_isbn(make_book, make_publisher, make_author):
    make_book(isbn="9780306406157")
    with pytest.raises(services.CatalogError) as info:
        services.register_book(
            title="Copycat", isbn="0306406152", publisher=make_publisher(), authors=[make_author()]
        )
    assert info.value.code == "duplicate_isbn"


@pytest.mark.django_db
def test_register_book_rejects_invalid_isbn(make_publisher, make_author):
    with pytest.raises(InvalidISBN):
        services.register_book(
            title="Bad", isbn="12345", publisher=make_publisher(), authors=[make_author()]
        )
    assert not Book.objects.filter(title="Bad").exists()


@pytest.mark.django_db
def test_register_book_needs_an_author(make_publisher):
    with pytest.raises(services.CatalogError) as info:
        services.register_book(
            title="Nobody", isbn="0306406152", publisher=make_publisher(), authors=[]
        )
    assert info.value.code == "no_author"


@pytest.mark.django_db
def test_register_book_needs_pages(make_publisher, make_author):
    with pytest.raises(services.CatalogError) as info:
        services.register_book(
            title="Thin",
            isbn="0306406152",
            publisher=make_publisher(),
            authors=[make_author()],
            page_count=0,
        )
    assert info.value.code == "no_pages"


@pytest.mark.django_db
def test_unique_slug_suffixes(make_book):
    make_book(title="Dune", slug="dune")
    make_book(title="Dune", slug="dune-2")
    assert services.unique_slug("Dune") == "dune-3"


@pytest.mark.django_db
def test_unique_slug_free():
    assert services.unique_slug("A Title Nobody Used") == "a-title-nobody-used"


@pytest.mark.django_db
def test_unique_slug_of_punctuation_only():
    assert services.unique_slug("!!!") == "book"


@pytest.mark.django_db
def test_unique_slug_ignores_the_book_itself(make_book):
    book = make_book(title="Dune", slug="dune")
    assert services.unique_slug("Dune", exclude_pk=book.pk) == "dune"


@pytest.mark.django_db
def test_rename_book(make_book):
    make_book(title="Night Train", slug="night-train")
    book = make_book(title="Day Train", slug="day-train")
    services.rename_book(book, "Night Train")
    book.refresh_from_db()
    assert (book.title, book.slug) == ("Night Train", "night-train-2")


@pytest.mark.django_db
def test_add_edition_numbers_per_format(book):
    first = services.add_edition(book, format=Edition.Format.HARDCOVER)
    second = services.add_edition(book, format=Edition.Format.HARDCOVER)
    paper = services.add_edition(book, format=Edition.Format.PAPERBACK, list_price_cents=999)
    assert (first.number, second.number, paper.number) == (1, 2, 1)
    assert paper.list_price_cents == 999


@pytest.mark.django_db
def test_acquire_copies(make_edition):
    edition = make_edition()
    copies = services.acquire_copies(edition, 3, acquired_on=D(2025, 1, 2), prefix="LIB")
    assert [c.barcode for c in copies] == ["LIB000001", "LIB000002", "LIB000003"]
    assert {c.status for c in copies} == {Copy.Status.AVAILABLE}
    more = services.acquire_copies(edition, 1, acquired_on=D(2025, 1, 3), prefix="LIB")
    assert [c.barcode for c in more] == ["LIB000004"]


@pytest.mark.django_db
def test_acquire_no_copies(make_edition):
    with pytest.raises(services.CatalogError) as info:
        services.acquire_copies(make_edition(), 0, acquired_on=D(2025, 1, 2))
    assert info.value.code == "bad_count"


@pytest.mark.django_db
def test_digital_editions_have_no_copies(make_edition):
    with pytest.raises(services.CatalogError) as info:
        services.acquire_copies(make_edition(format="ebook"), 2, acquired_on=D(2025, 1, 2))
    assert info.value.code == "digital"


@pytest.mark.django_db
def test_send_to_repair_and_back(copy):
    services.send_to_repair(copy)
    copy.refresh_from_db()
    assert copy.status == Copy.Status.REPAIR
    services.return_from_repair(copy, on=D(2025, 3, 12))
    copy.refresh_from_db()
    assert copy.status == Copy.Status.AVAILABLE


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Copy.Status.ON_LOAN, Copy.Status.LOST, Copy.Status.HELD])
def test_only_shelved_copies_go_to_repair(make_copy, status):
    with pytest.raises(services.CatalogError):
        services.send_to_repair(make_copy(status=status))


@pytest.mark.django_db
def test_return_from_repair_requires_repair(copy):
    with pytest.raises(services.CatalogError) as info:
        services.return_from_repair(copy, on=D(2025, 3, 12))
    assert info.value.code == "not_in_repair"


@pytest.mark.django_db
def test_repaired_copy_goes_to_the_reservation_queue(copy, book, make_reservation, member):
    copy.status = Copy.Status.REPAIR
    copy.save()
    reservation = make_reservation(book=book, member=member)
    services.return_from_repair(copy, on=D(2025, 3, 12))
    copy.refresh_from_db()
    reservation.refresh_from_db()
    assert copy.status == Copy.Status.HELD
    assert reservation.status == "ready"
    assert reservation.copy == copy


@pytest.mark.django_db
def test_catalogue_stats(make_book, make_copy):
    book = make_book()
    make_copy(book=book)
    make_copy(book=book, status=Copy.Status.ON_LOAN)
    make_copy(book=book, status=Copy.Status.LOST)
    assert services.catalogue_stats() == {
        "books": 1,
        "authors": 1,
        "copies": 3,
        "available_copies": 1,
        "on_loan": 1,
    }
