"""Plain factory functions for test data (no factory_boy).

Every call makes rows with fresh unique values from a per-process counter, so tests
never collide with each other, with rows that the data migrations seed (tiers
basic/standard/premium, six genres) or with rows left by another test. They do not
rely on the seeded rows either: make_tier() makes its own tier.
"""

from __future__ import annotations

import datetime
import itertools

from catalog.isbn import make_isbn13
from catalog.models import Author, Book, Copy, Edition, Genre, Publisher
from loans import policy
from loans.models import Fine, Loan, Reservation
from members.models import Address, Member, MembershipTier
from reviews.models import Rating, Review

UTC = datetime.UTC
# A fixed "now" for the suite: a Wednesday.
NOW = datetime.datetime(2025, 3, 12, 10, 30, tzinfo=UTC)
TODAY = NOW.date()

_serial = itertools.count(1)


def serial() -> int:
    return next(_serial)


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


def make_tier(**fields) -> MembershipTier:
    n = serial()
    values = {
        "code": f"tier-{n}",
        "name": f"Tier {n}",
        "max_loans": 3,
        "loan_days": 14,
        "daily_fine_cents": 25,
        "max_renewals": 2,
        "max_reservations": 2,
        "annual_fee_cents": 1200,
    }
    values.update(fields)
    return MembershipTier.objects.create(**values)


def make_member(tier: MembershipTier | None = None, **fields) -> Member:
    n = serial()
    values = {
        "card_number": f"T{n:07d}",
        "first_name": f"Reader{n}",
        "last_name": f"Surname{n}",
        "email": f"reader{n}@example.test",
        "joined_on": datetime.date(2020, 1, 15),
        "tier": tier or make_tier(),
    }
    values.update(fields)
    return Member.objects.create(**values)


def make_address(member: Member, **fields) -> Address:
    values = {"line1": "1 High Street", "city": "Bath", "postcode": "ba1 1aa"}
    values.update(fields)
    return Address.objects.create(member=member, **values)


def make_author(**fields) -> Author:
    n = serial()
    values = {"name": f"Author {n}", "birth_date": datetime.date(1950, 6, 1)}
    values.update(fields)
    return Author.objects.create(**values)


def make_publisher(**fields) -> Publisher:
    n = serial()
    values = {"name": f"Publisher {n}", "city": "London", "country": "GB"}
    values.update(fields)
    return Publisher.objects.create(**values)


def make_genre(**fields) -> Genre:
    n = serial()
    values = {"name": f"Test genre {n}", "slug": f"test-genre-{n}"}
    values.update(fields)
    return Genre.objects.create(**values)


def make_book(*, authors=None, genres=(), publisher=None, **fields) -> Book:
    n = serial()
    values = {
        "title": f"Book {n}",
        "slug": f"book-{n}",
        "isbn": make_isbn13(n),
        "page_count": 200,
        "published_on": datetime.date(2001, 1, 1),
        "publisher": publisher or make_publisher(),
    }
    values.update(fields)
    book = Book.objects.create(**values)
    book.authors.set(authors if authors is not None else [make_author()])
    book.genres.set(list(genres))
    return book


def make_edition(book: Book | None = None, **fields) -> Edition:
    values = {"format": Edition.Format.PAPERBACK, "number": 1}
    values.update(fields)
    return Edition.objects.create(book=book or make_book(), **values)


def make_copy(edition: Edition | None = None, *, book: Book | None = None, **fields) -> Copy:
    n = serial()
    if edition is None:
        edition = (book.editions.order_by("pk").first() if book else None) or make_edition(book)
    values = {"barcode": f"BC{n:08d}", "acquired_on": datetime.date(2022, 2, 1)}
    values.update(fields)
    return Copy.objects.create(edition=edition, **values)


def make_loan(
    *,
    copy: Copy | None = None,
    member: Member | None = None,
    borrowed_at: datetime.datetime = NOW,
    due_on: datetime.date | None = None,
    returned_at: datetime.datetime | None = None,
    **fields,
) -> Loan:
    """A loan row as the lending service would leave it (copy marked on loan)."""
    copy = copy or make_copy()
    member = member or make_member()
    if due_on is None:
        due_on = policy.compute_due_date(borrowed_at.date(), member.tier.loan_days)
    loan = Loan.objects.create(
        copy=copy,
        member=member,
        borrowed_at=borrowed_at,
        due_on=due_on,
        returned_at=returned_at,
        **fields,
    )
    copy.status = Copy.Status.AVAILABLE if returned_at else Copy.Status.ON_LOAN
    copy.save(update_fields=["status"])
    return loan


def make_fine(loan: Loan | None = None, **fields) -> Fine:
    values = {"kind": Fine.Kind.LATE, "amount_cents": 150, "issued_on": TODAY}
    values.update(fields)
    return Fine.objects.create(loan=loan or make_loan(), **values)


def make_reservation(
    book: Book | None = None, member: Member | None = None, **fields
) -> Reservation:
    values = {"created_at": NOW}
    values.update(fields)
    return Reservation.objects.create(
        book=book or make_book(), member=member or make_member(), **values
    )


def make_review(book: Book | None = None, member: Member | None = None, **fields) -> Review:
    n = serial()
    values = {
        "title": f"Review {n}",
        "body": "A thoughtful and well paced story with memorable characters.",
        "created_at": NOW,
    }
    values.update(fields)
    return Review.objects.create(book=book or make_book(), member=member or make_member(), **values)


def make_rating(
    book: Book | None = None, member: Member | None = None, stars: int = 4, **fields
) -> Rating:
    values = {"rated_at": NOW}
    values.update(fields)
    return Rating.objects.create(
        book=book or make_book(), member=member or make_member(), stars=stars, **values
    )


def borrowed(member: Member, book: Book, *, returned: bool = True) -> Loan:
    """Record that ``member`` borrowed ``book`` (returned by default), for review rules."""
    return make_loan(
        copy=make_copy(book=book),
        member=member,
        borrowed_at=at(2025, 1, 6),
        returned_at=at(2025, 1, 13) if returned else None,
    )
