"""Writing, moderating and rating."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Avg, Count, Q

from catalog.models import Book
from loans.models import Loan
from members.models import Member

from .models import Rating, Review

MIN_REVIEW_WORDS = 5
BANNED_WORDS = frozenset({"spoiler-alert-ending", "buy-now"})


class ReviewError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def has_borrowed(member: Member, book: Book) -> bool:
    return Loan.objects.for_book(book).filter(member=member).exists()


def check_body(body: str) -> None:
    words = body.split()
    if len(words) < MIN_REVIEW_WORDS:
        raise ReviewError("too_short", f"a review needs at least {MIN_REVIEW_WORDS} words")
    if BANNED_WORDS & {w.strip(".,!?").lower() for w in words}:
        raise ReviewError("banned_word", "the review contains a banned word")


@transaction.atomic
def submit_review(
    book: Book, member: Member, *, title: str, body: str, at: datetime.datetime
) -> Review:
    if not has_borrowed(member, book):
        raise ReviewError("not_borrowed", "only readers who borrowed the book may review it")
    if Review.objects.filter(book=book, member=member).exists():
        raise ReviewError("already_reviewed", "you have already reviewed this book")
    if not title.strip():
        raise ReviewError("no_title", "a review needs a title")
    check_body(body)
    return Review.objects.create(
        book=book, member=member, title=title.strip(), body=body.strip(), created_at=at
    )


def moderate(review: Review, *, approve: bool) -> Review:
    if review.is_published or review.rejected:
        raise ReviewError("already_moderated", "this review was moderated already")
    review.is_published = approve
    review.rejected = not approve
    review.save(update_fields=["is_published", "rejected"])
    return review


def vote_helpful(review: Review) -> Review:
    from django.db.models import F

    if not review.is_published:
        raise ReviewError("not_published", "only published reviews take votes")
    Review.objects.filter(pk=review.pk).update(helpful_votes=F("helpful_votes") + 1)
    review.refresh_from_db(fields=["helpful_votes"])
    return review


def rate(book: Book, member: Member, stars: int, *, at: datetime.datetime) -> Rating:
    if not isinstance(stars, int) or isinstance(stars, bool) or not 1 <= stars <= 5:
        raise ReviewError("bad_stars", "a rating is 1 to 5 stars")
    if not has_borrowed(member, book):
        raise ReviewError("not_borrowed", "only readers who borrowed the book may rate it")
    rating, _ = Rating.objects.update_or_create(
        book=book, member=member, defaults={"stars": stars, "rated_at": at}
    )
    return rating


def book_summary(book: Book) -> dict:
    summary = Rating.objects.filter(book=book).summary()
    summary["reviews"] = Review.objects.filter(book=book).published().count()
    return summary


def top_rated(*, min_ratings: int = 1, limit: int = 10) -> list[Book]:
    return list(
        Book.objects.annotate(avg_stars=Avg("ratings__stars"), n_ratings=Count("ratings"))
        .filter(n_ratings__gte=min_ratings)
        .order_by("-avg_stars", "-n_ratings", "title", "pk")[:limit]
    )


def members_reviews(member: Member) -> list[Review]:
    return list(
        Review.objects.filter(member=member)
        .filter(Q(is_published=True) | Q(rejected=False))
        .select_related("book")
        .order_by("-created_at", "pk")
    )
