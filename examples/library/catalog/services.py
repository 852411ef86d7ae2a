"""Catalogue operations: registering books, editions and physical copies."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

from django.db import transaction
from django.utils.text import slugify

from .isbn import normalise_isbn
from .models import Author, Book, Copy, Edition, Genre, Publisher


class CatalogError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def unique_slug(title: str, *, exclude_pk: int | None = None, max_length: int = 191) -> str:
    """``slugify(title)``, suffixed with -2, -3… until no other book uses it."""
    base = (slugify(title) or "book")[: max_length - 8]
    taken = Book.objects.filter(slug__startswith=base)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    used = set(taken.values_list("slug", flat=True))
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


@transaction.atomic
def register_book(
    *,
    title: str,
    isbn: str,
    publisher: Publisher,
    authors: Iterable[Author],
    genres: Iterable[Genre] = (),
    page_count: int = 1,
    published_on: datetime.date | None = None,
    language: str = "en",
) -> Book:
    """Add a book to the catalogue, with its ISBN normalised to 13 digits."""
    authors = list(authors)
    if not authors:
        raise CatalogError("no_author", "a book needs at least one author")
    if page_count < 1:
        raise CatalogError("no_pages", "a book needs at least one page")
    normalised = normalise_isbn(isbn)
    if Book.objects.filter(isbn=normalised).exists():
        raise CatalogError("duplicate_isbn", f"ISBN {normalised} is already catalogued")
    book = Book.objects.create(
        title=title.strip(),
        slug=unique_slug(title),
        isbn=normalised,
        publisher=publisher,
        page_count=page_count,
        published_on=published_on,
        language=language,
    )
    book.authors.set(authors)
    book.genres.set(list(genres))
    return book


def rename_book(book: Book, title: str) -> Book:
    book.title = title.strip()
    book.slug = unique_slug(book.title, exclude_pk=book.pk)
    book.save(update_fields=["title", "slug"])
    return book


def add_edition(
    book: Book,
    *,
    format: str = Edition.Format.PAPERBACK,
    published_on: datetime.date | None = None,
    list_price_cents: int | None = None,
) -> Edition:
    """The next edition number for ``format`` of ``book``."""
    last = book.editions.filter(format=format).order_by("-number").values_list("number", flat=True)
    number = (last.first() or 0) + 1
    return Edition.objects.create(
        book=book,
        format=format,
        number=number,
        published_on=published_on,
        list_price_cents=list_price_cents,
    )


_BARCODE = re.compile(r"^(?P<prefix>[A-Z]+)(?P<serial>\d+)$")


def next_barcodes(prefix: str, count: int, existing: Iterable[str]) -> list[str]:
    """``count`` new barcodes ``PREFIX000001``… following the highest existing serial."""
    prefix = prefix.upper()
    highest = 0
    for code in existing:
        match = _BARCODE.match(code)
        if match and match["prefix"] == prefix:
            highest = max(highest, int(match["serial"]))
    return [f"{prefix}{serial:06d}" for serial in range(highest + 1, highest + 1 + count)]


@transaction.atomic
def acquire_copies(
    edition: Edition, count: int, *, acquired_on: datetime.date, prefix: str = "LIB"
) -> list[Copy]:
    if count < 1:
        raise CatalogError("bad_count", "acquire at least one copy")
    if edition.is_digital:
        raise CatalogError("digital", "digital editions have no physical copies")
    existing = Copy.objects.filter(barcode__startswith=prefix.upper()).values_list(
        "barcode", flat=True
    )
    codes = next_barcodes(prefix, count, existing)
    Copy.objects.bulk_create(
        [Copy(edition=edition, barcode=code, acquired_on=acquired_on) for code in codes]
    )
    return list(Copy.objects.filter(barcode__in=codes).order_by("barcode"))


def send_to_repair(copy: Copy) -> Copy:
    if copy.status not in {Copy.Status.AVAILABLE, Copy.Status.HELD}:
        raise CatalogError("not_on_shelf", f"copy {copy.barcode} is {copy.status}")
    if copy.status == Copy.Status.HELD:
        raise CatalogError("held", f"copy {copy.barcode} is held for a reservation")
    copy.status = Copy.Status.REPAIR
    copy.save(update_fields=["status"])
    return copy


def return_from_repair(copy: Copy, *, on: datetime.date) -> Copy:
    """Back on the shelf, or straight to the next reader waiting for the book."""
    from loans.services import offer_copy

    if copy.status != Copy.Status.REPAIR:
        raise CatalogError("not_in_repair", f"copy {copy.barcode} is {copy.status}")
    return offer_copy(copy, on=on)


def catalogue_stats() -> dict[str, int]:
    return {
        "books": Book.objects.count(),
        "authors": Author.objects.count(),
        "copies": Copy.objects.count(),
        "available_copies": Copy.objects.available().count(),
        "on_loan": Copy.objects.filter(status=Copy.Status.ON_LOAN).count(),
    }
