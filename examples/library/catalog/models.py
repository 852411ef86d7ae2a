from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Avg, Count, Q


class Author(models.Model):
    name = models.CharField(max_length=200)
    birth_date = models.DateField(null=True, blank=True)
    death_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(death_date__isnull=True)
                | Q(birth_date__isnull=True)
                | Q(death_date__gte=models.F("birth_date")),
                name="author_dies_after_birth",
            ),
        ]
        indexes = [models.Index(fields=["name"], name="author_name_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_living(self) -> bool:
        return self.death_date is None

    def age_on(self, day: datetime.date) -> int | None:
        """Age in whole years on ``day`` (or at death, if that came first)."""
        if self.birth_date is None:
            return None
        end = min(day, self.death_date) if self.death_date else day
        years = end.year - self.birth_date.year
        if (end.month, end.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class Publisher(models.Model):
    name = models.CharField(max_length=191, unique=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")

    def __str__(self) -> str:
        return self.name


class Genre(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BookQuerySet(models.QuerySet["Book"]):
    def search(self, term: str) -> BookQuerySet:
        """Books whose title, ISBN or an author's name contains ``term``."""
        term = term.strip()
        if not term:
            return self
        digits = term.replace("-", "").replace(" ", "")
        condition = Q(title__icontains=term) | Q(authors__name__icontains=term)
        if digits.isdigit():
            condition |= Q(isbn__contains=digits)
        return self.filter(condition).distinct()

    def in_genre(self, slug: str) -> BookQuerySet:
        return self.filter(genres__slug=slug)

    def with_available_copies(self) -> BookQuerySet:
        return self.annotate(
            available_copies=Count(
                "editions__copies",
                filter=Q(editions__copies__status=Copy.Status.AVAILABLE),
                distinct=True,
            )
        )

    def available(self) -> BookQuerySet:
        return self.filter(editions__copies__status=Copy.Status.AVAILABLE).distinct()

    def published_between(self, start: datetime.date, end: datetime.date) -> BookQuerySet:
        return self.filter(published_on__gte=start, published_on__lte=end)

    def with_rating(self) -> BookQuerySet:
        return self.annotate(
            average_rating=Avg("ratings__stars"), rating_count=Count("ratings", distinct=True)
        )


class Book(models.Model):
    title = models.CharField(max_length=255)
    slug = models.SlugField(max_length=191, unique=True)
    isbn = models.CharField("ISBN-13", max_length=13, unique=True)
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="books")
    authors = models.ManyToManyField(Author, related_name="books")
    genres = models.ManyToManyField(Genre, related_name="books", blank=True)
    page_count = models.PositiveIntegerField(default=1)
    published_on = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=8, default="en")

    objects = BookQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(page_count__gt=0), name="book_has_pages"),
        ]
        indexes = [
            models.Index(fields=["title"], name="book_title_idx"),
            models.Index(fields=["published_on"], name="book_published_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def author_names(self) -> list[str]:
        return sorted(author.name for author in self.authors.all())

    def copies(self) -> models.QuerySet[Copy]:
        return Copy.objects.filter(edition__book=self)

    def available_copy(self) -> Copy | None:
        """The longest-held available copy (lowest barcode), or None."""
        return self.copies().filter(status=Copy.Status.AVAILABLE).order_by("barcode").first()

    def is_available(self) -> bool:
        return self.copies().filter(status=Copy.Status.AVAILABLE).exists()

    def replacement_cost_cents(self, default: int) -> int:
        """The highest list price of any edition, for charging a lost copy."""
        prices = [p for p in self.editions.values_list("list_price_cents", flat=True) if p]
        return max(prices, default=default)


class Edition(models.Model):
    class Format(models.TextChoices):
        HARDCOVER = "hardcover", "Hardcover"
        PAPERBACK = "paperback", "Paperback"
        EBOOK = "ebook", "E-book"
        AUDIOBOOK = "audiobook", "Audiobook"

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="editions")
    format = models.CharField(max_length=20, choices=Format.choices, default=Format.PAPERBACK)
    number = models.PositiveSmallIntegerField(default=1)
    published_on = models.DateField(null=True, blank=True)
    list_price_cents = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["book", "format", "number"], name="edition_unique_per_book_format"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="edition_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.book} ({self.get_format_display()}, ed. {self.number})"

    @property
    def is_digital(self) -> bool:
        return self.format in {self.Format.EBOOK, self.Format.AUDIOBOOK}


class CopyQuerySet(models.QuerySet["Copy"]):
    def available(self) -> CopyQuerySet:
        return self.filter(status=Copy.Status.AVAILABLE)

    def circulating(self) -> CopyQuerySet:
        """Copies that are, or could soon be, in readers' hands."""
        return self.exclude(status__in=[Copy.Status.LOST, Copy.Status.REPAIR])

    def of_book(self, book: Book) -> CopyQuerySet:
        return self.filter(edition__book=book)


class Copy(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "available", "Available"
        ON_LOAN = "on_loan", "On loan"
        HELD = "held", "Held for a reservation"
        REPAIR = "repair", "In repair"
        LOST = "lost", "Lost"

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="copies")
    barcode = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AVAILABLE)
    acquired_on = models.DateField()
    shelf_mark = models.CharField(max_length=64, blank=True)

    objects = CopyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "copies"
        indexes = [models.Index(fields=["status"], name="copy_status_idx")]

    def __str__(self) -> str:
        return self.barcode

    @property
    def book(self) -> Book:
        return self.edition.book

    def is_lendable(self) -> bool:
        return self.status == self.Status.AVAILABLE and not self.edition.is_digital
