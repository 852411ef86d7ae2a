from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from library.http import json_error, json_view, paginate, parse_int

from .models import Author, Book, Genre
from .services import catalogue_stats


def book_summary(book: Book) -> dict:
    return {
        "title": book.title,
        "slug": book.slug,
        "isbn": book.isbn,
        "authors": book.author_names(),
        "publisher": book.publisher.name,
        "published_on": book.published_on.isoformat() if book.published_on else None,
    }


@require_GET
@json_view
def book_list(request: HttpRequest) -> JsonResponse:
    books = Book.objects.select_related("publisher").prefetch_related("authors")
    if term := request.GET.get("q", ""):
        books = books.search(term)
    if genre := request.GET.get("genre"):
        books = books.in_genre(genre)
    if request.GET.get("available") in {"1", "true", "yes"}:
        books = books.available()
    page = parse_int(request.GET.get("page", 1), "page", minimum=1)
    page_size = parse_int(request.GET.get("page_size", 20), "page_size", minimum=1, maximum=100)
    items = [book_summary(book) for book in books.order_by("title", "pk")]
    return JsonResponse(paginate(items, page, page_size))


@require_GET
def book_detail(request: HttpRequest, slug: str) -> JsonResponse:
    book = (
        Book.objects.with_available_copies()
        .with_rating()
        .select_related("publisher")
        .filter(slug=slug)
        .first()
    )
    if book is None:
        return json_error("not_found", f"no book {slug!r}", 404)
    data = book_summary(book)
    data.update(
        {
            "page_count": book.page_count,
            "language": book.language,
            "genres": sorted(book.genres.values_list("slug", flat=True)),
            "editions": [
                {"format": e.format, "number": e.number, "copies": e.n_copies}
                for e in book.editions.annotate(n_copies=Count("copies")).order_by(
                    "format", "number"
                )
            ],
            "available_copies": book.available_copies,
            "average_rating": round(book.average_rating, 2) if book.average_rating else None,
            "rating_count": book.rating_count,
        }
    )
    return JsonResponse(data)


@require_GET
def author_detail(request: HttpRequest, pk: int) -> JsonResponse:
    author = Author.objects.filter(pk=pk).first()
    if author is None:
        return json_error("not_found", f"no author {pk}", 404)
    return JsonResponse(
        {
            "name": author.name,
            "birth_date": author.birth_date.isoformat() if author.birth_date else None,
            "death_date": author.death_date.isoformat() if author.death_date else None,
            "books": [
                {"title": title, "slug": slug}
                for title, slug in author.books.order_by("title", "pk").values_list("title", "slug")
            ],
        }
    )


@require_GET
def genre_list(request: HttpRequest) -> JsonResponse:
    genres = Genre.objects.annotate(n_books=Count("books")).order_by("name", "pk")
    return JsonResponse(
        {"results": [{"name": g.name, "slug": g.slug, "books": g.n_books} for g in genres]}
    )


@require_GET
def stats(request: HttpRequest) -> JsonResponse:
    return JsonResponse(catalogue_stats())
