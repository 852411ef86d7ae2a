import pytest

from reviews import services
from reviews.models import Rating, Review
from tests.factories import NOW, at, borrowed

pytestmark = pytest.mark.django_db

BODY = "Quietly devastating, and funnier than it has any right to be."


@pytest.fixture
def reader_of(member, book):
    borrowed(member, book)
    return member


def test_has_borrowed(member, book):
    assert not services.has_borrowed(member, book)
    borrowed(member, book, returned=False)
    assert services.has_borrowed(member, book)


def test_submit_review(reader_of, book):
    review = services.submit_review(book, reader_of, title="  Loved it ", body=BODY, at=NOW)
    assert review.title == "Loved it"
    assert not review.is_published
    assert review.created_at == NOW


def test_only_borrowers_review(member, book):
    with pytest.raises(services.ReviewError) as info:
        services.submit_review(book, member, title="Hm", body=BODY, at=NOW)
    assert info.value.code == "not_borrowed"


def test_review_once(reader_of, book):
    services.submit_review(book, reader_of, title="First", body=BODY, at=NOW)
    with pytest.raises(services.ReviewError) as info:
        services.submit_review(book, reader_of, title="Second", body=BODY, at=NOW)
    assert info.value.code == "already_reviewed"


def test_review_needs_a_title(reader_of, book):
    with pytest.raises(services.ReviewError) as info:
        services.submit_review(book, reader_of, title="   ", body=BODY, at=NOW)
    assert info.value.code == "no_title"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("Too short really", "too_short"),
        ("This is great, buy-now while stocks last!", "banned_word"),
    ],
)
def test_review_body_rules(reader_of, book, body, code):
    with pytest.raises(services.ReviewError) as info:
        services.submit_review(book, reader_of, title="T", body=body, at=NOW)
    assert info.value.code == code
    assert not Review.objects.filter(book=book).exists()


def test_check_body_accepts_five_words():
    services.check_body("one two three four five")


def test_moderate_approve(make_review):
    review = services.moderate(make_review(), approve=True)
    assert (review.is_published, review.rejected) == (True, False)


def test_moderate_reject(make_review):
    review = services.moderate(make_review(), approve=False)
    review.refresh_from_db()
    assert (review.is_published, review.rejected) == (False, True)


def test_moderate_twice(make_review):
    review = services.moderate(make_review(), approve=True)
    with pytest.raises(services.ReviewError) as info:
        services.moderate(review, approve=False)
    assert info.value.code == "already_moderated"


def test_vote_helpful(make_review):
    review = make_review(is_published=True)
    services.vote_helpful(review)
    services.vote_helpful(review)
    assert review.helpful_votes == 2
    assert Review.objects.get(pk=review.pk).helpful_votes == 2


def test_vote_on_unpublished(make_review):
    with pytest.raises(services.ReviewError) as info:
        services.vote_helpful(make_review())
    assert info.value.code == "not_published"


def test_rate(reader_of, book):
    rating = services.rate(book, reader_of, 4, at=NOW)
    assert rating.stars == 4


def test_rate_again_updates(reader_of, book):
    services.rate(book, reader_of, 2, at=NOW)
    services.rate(book, reader_of, 5, at=at(2025, 3, 13))
    rating = Rating.objects.get(book=book, member=reader_of)
    assert (rating.stars, rating.rated_at) == (5, at(2025, 3, 13))


@pytest.mark.parametrize("stars", [0, 6, "5", 4.5, True])
def test_rate_rejects_bad_stars(reader_of, book, stars):
    with pytest.raises(services.ReviewError) as info:
        services.rate(book, reader_of, stars, at=NOW)
    assert info.value.code == "bad_stars"


def test_rate_needs_a_loan(member, book):
    with pytest.raises(services.ReviewError) as info:
        services.rate(book, member, 3, at=NOW)
    assert info.value.code == "not_borrowed"


def test_book_summary(book, make_rating, make_review):
    make_rating(book=book, stars=4)
    make_rating(book=book, stars=2)
    make_review(book=book, is_published=True)
    make_review(book=book)
    summary = services.book_summary(book)
    assert summary["average"] == 3.0
    assert summary["count"] == 2
    assert summary["reviews"] == 1


def test_top_rated(make_book, make_rating):
    gold = make_book(title="Gold")
    silver = make_book(title="Silver")
    single = make_book(title="Single")
    make_book(title="Unrated")
    for stars in (5, 4):
        make_rating(book=gold, stars=stars)
    for stars in (5, 3):
        make_rating(book=silver, stars=stars)
    make_rating(book=single, stars=5)
    assert [b.title for b in services.top_rated()] == ["Single", "Gold", "Silver"]
    assert [b.title for b in services.top_rated(min_ratings=2)] == ["Gold", "Silver"]
    assert [b.title for b in services.top_rated(limit=1)] == ["Single"]


def test_top_rated_ties_break_by_count_then_title(make_book, make_rating):
    two = make_book(title="Bravo")
    one_a = make_book(title="Alpha")
    one_c = make_book(title="Charlie")
    make_rating(book=two, stars=4)
    make_rating(book=two, stars=4)
    make_rating(book=one_c, stars=4)
    make_rating(book=one_a, stars=4)
    assert [b.title for b in services.top_rated()] == ["Bravo", "Alpha", "Charlie"]


def test_members_reviews_hide_rejected(member, make_review):
    kept = make_review(member=member, created_at=at(2025, 3, 1))
    newer = make_review(member=member, is_published=True, created_at=at(2025, 3, 2))
    make_review(member=member, rejected=True)
    assert services.members_reviews(member) == [newer, kept]
