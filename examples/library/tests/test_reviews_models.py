import pytest
from django.db import IntegrityError, transaction

from reviews.models import Rating, Review
from tests.factories import at

LONG = "one two three four five six seven eight nine ten " * 3


def test_word_count():
    assert Review(body="  Five  words in this body ").word_count() == 5


def test_excerpt_short_body_is_whole():
    assert Review(body="short and sweet").excerpt() == "short and sweet"


def test_excerpt_long_body_is_cut():
    excerpt = Review(body=LONG).excerpt(words=4)
    assert excerpt == "one two three four…"


def test_excerpt_collapses_whitespace():
    assert Review(body="a\n\nb\tc").excerpt() == "a b c"


@pytest.mark.django_db
def test_str(make_review, make_rating, make_book):
    book = make_book(title="Kites")
    assert str(make_review(book=book, title="Soars")) == "Soars"
    assert str(make_rating(book=book, stars=3)) == "3★ Kites"


@pytest.mark.django_db
def test_published_and_moderation_querysets(make_review):
    published = make_review(is_published=True)
    waiting = make_review()
    make_review(rejected=True)
    assert list(Review.objects.published()) == [published]
    assert list(Review.objects.awaiting_moderation()) == [waiting]


@pytest.mark.django_db
def test_most_helpful_ordering(make_review, make_book):
    book = make_book()
    a = make_review(book=book, is_published=True, helpful_votes=2, created_at=at(2025, 3, 1))
    b = make_review(book=book, is_published=True, helpful_votes=5, created_at=at(2025, 2, 1))
    c = make_review(book=book, is_published=True, helpful_votes=2, created_at=at(2025, 3, 5))
    make_review(book=book, helpful_votes=99)  # unpublished
    assert list(Review.objects.filter(book=book).most_helpful()) == [b, c, a]


@pytest.mark.django_db
def test_rating_summary(make_rating, make_book):
    book = make_book()
    for stars in (5, 5, 4, 1):
        make_rating(book=book, stars=stars)
    make_rating(stars=2)  # another book
    assert Rating.objects.filter(book=book).summary() == {
        "average": 3.75,
        "count": 4,
        "histogram": {1: 1, 2: 0, 3: 0, 4: 1, 5: 2},
    }


@pytest.mark.django_db
def test_rating_summary_when_unrated(make_book):
    assert Rating.objects.filter(book=make_book()).summary() == {
        "average": None,
        "count": 0,
        "histogram": {1: 0, 2: 0, 3: 0, 4: 0, 5: 0},
    }


@pytest.mark.django_db
def test_one_review_per_member_and_book(make_review, make_book, make_member):
    book, member = make_book(), make_member()
    make_review(book=book, member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_review(book=book, member=member)


@pytest.mark.django_db
def test_review_cannot_be_published_and_rejected(make_review):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_review(is_published=True, rejected=True)


@pytest.mark.django_db
def test_one_rating_per_member_and_book(make_rating, make_book, make_member):
    book, member = make_book(), make_member()
    make_rating(book=book, member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_rating(book=book, member=member)


@pytest.mark.django_db
@pytest.mark.parametrize("stars", [0, 6])
def test_stars_are_one_to_five(make_rating, stars):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_rating(stars=stars)


@pytest.mark.django_db
def test_reviews_go_with_the_book(make_review):
    review = make_review()
    review.book.delete()
    assert not Review.objects.filter(pk=review.pk).exists()
