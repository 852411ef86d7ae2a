from django.urls import path

from . import views

urlpatterns = [
    path("books/<slug:slug>/reviews/", views.book_reviews, name="book-reviews"),
    path("books/<slug:slug>/reviews/new/", views.post_review, name="review-create"),
    path("books/<slug:slug>/rating/", views.post_rating, name="rating-create"),
    path("top-rated/", views.top_rated, name="top-rated"),
]
