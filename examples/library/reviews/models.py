from __future__ import annotations

from django.db import models
from django.db.models import Avg, Count, Q


class ReviewQuerySet(models.QuerySet["Review"]):
    def published(self) -> ReviewQuerySet:
        return self.filter(is_published=True)

    def awaiting_moderation(self) -> ReviewQuerySet:
        return self.filter(is_published=False, rejected=False)

    def most_helpful(self) -> ReviewQuerySet:
        return self.published().order_by("-helpful_votes", "-created_at", "pk")


class Review(models.Model):
    book = models.ForeignKey("catalog.Book", on_delete=models.CASCADE, related_name="reviews")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="reviews")
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    is_published = models.BooleanField(default=False)
    rejected = models.BooleanField(default=False)
    helpful_votes = models.PositiveIntegerField(default=0)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["book", "member"], name="review_one_per_member"),
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(rejected=False),
                name="review_not_published_and_rejected",
            ),
        ]
        indexes = [models.Index(fields=["book", "is_published"], name="review_book_pub_idx")]

    def __str__(self) -> str:
        return self.title

    def word_count(self) -> int:
        return len(self.body.split())

    def excerpt(self, words: int = 20) -> str:
        parts = self.body.split()
        if len(parts) <= words:
            return " ".join(parts)
        return " ".join(parts[:words]) + "…"


class RatingQuerySet(models.QuerySet["Rating"]):
    def summary(self) -> dict:
        """Average, count and a histogram of stars over the queryset."""
        totals = self.aggregate(average=Avg("stars"), count=Count("pk"))
        histogram = dict.fromkeys(range(1, 6), 0)
        for row in self.values("stars").annotate(n=Count("pk")).order_by("stars"):
            histogram[row["stars"]] = row["n"]
        average = totals["average"]
        return {
            "average": round(float(average), 2) if average is not None else None,
            "count": totals["count"],
            "histogram": histogram,
        }


class Rating(models.Model):
    book = models.ForeignKey("catalog.Book", on_delete=models.CASCADE, related_name="ratings")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="ratings")
    stars = models.PositiveSmallIntegerField()
    rated_at = models.DateTimeField()

    objects = RatingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["book", "member"], name="rating_one_per_member"),
            models.CheckConstraint(
                condition=Q(stars__gte=1) & Q(stars__lte=5), name="rating_stars_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stars}★ {self.book}"
