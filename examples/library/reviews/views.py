from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Book
from library import clock
from library.http import (
    json_error,
    json_view,
    login_required_json,
    parse_body,
    parse_int,
    require,
)
from members.models import Member

from . import services
from .models import Review


def review_json(review: Review) -> dict:
    return {
        "id": review.pk,
        "title": review.title,
        "excerpt": review.excerpt(),
        "author": review.member.first_name,
        "helpful_votes": review.helpful_votes,
        "created_at": review.created_at.isoformat(),
        "published": review.is_published,
    }


def _book_or_404(slug: str) -> Book | None:
    return Book.objects.filter(slug=slug).first()


@require_GET
def book_reviews(request: HttpRequest, slug: str) -> JsonResponse:
    book = _book_or_404(slug)
    if book is None:
        return json_error("not_found", f"no book {slug!r}", 404)
    reviews = Review.objects.filter(book=book).most_helpful().select_related("member")
    summary = services.book_summary(book)
    summary["histogram"] = {str(k): v for k, v in summary["histogram"].items()}
    return JsonResponse({"summary": summary, "results": [review_json(r) for r in reviews]})


def _member_for(request: HttpRequest) -> Member | None:
    return Member.objects.filter(user=request.user, is_active=True).first()


@require_POST
@login_required_json
@json_view
def post_review(request: HttpRequest, slug: str) -> JsonResponse:
    book = _book_or_404(slug)
    if book is None:
        return json_error("not_found", f"no book {slug!r}", 404)
    member = _member_for(request)
    if member is None:
        return json_error("no_card", "this login has no active library card", 403)
    title, body = require(parse_body(request), "title", "body")
    try:
        review = services.submit_review(book, member, title=title, body=body, at=clock.now())
    except services.ReviewError as exc:
        return json_error(exc.code, str(exc), 409 if exc.code == "already_reviewed" else 400)
    return JsonResponse(review_json(review), status=201)


@require_POST
@login_required_json
@json_view
def post_rating(request: HttpRequest, slug: str) -> JsonResponse:
    book = _book_or_404(slug)
    if book is None:
        return json_error("not_found", f"no book {slug!r}", 404)
    member = _member_for(request)
    if member is None:
        return json_error("no_card", "this login has no active library card", 403)
    (stars,) = require(parse_body(request), "stars")
    stars = parse_int(stars, "stars")
    try:
        rating = services.rate(book, member, stars, at=clock.now())
    except services.ReviewError as exc:
        return json_error(exc.code, str(exc), 400)
    return JsonResponse({"book": book.slug, "stars": rating.stars})


@require_GET
@json_view
def top_rated(request: HttpRequest) -> JsonResponse:
    limit = parse_int(request.GET.get("limit", 10), "limit", minimum=1, maximum=50)
    minimum = parse_int(request.GET.get("min_ratings", 1), "min_ratings", minimum=1)
    books = services.top_rated(min_ratings=minimum, limit=limit)
    return JsonResponse(
        {
            "results": [
                {"slug": b.slug, "average": round(b.avg_stars, 2), "ratings": b.n_ratings}
                for b in books
            ]
        }
    )
