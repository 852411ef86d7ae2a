from django.urls import path

from . import views

urlpatterns = [
    path("books/", views.book_list, name="book-list"),
    path("books/<slug:slug>/", views.book_detail, name="book-detail"),
    path("authors/<int:pk>/", views.author_detail, name="author-detail"),
    path("genres/", views.genre_list, name="genre-list"),
    path("stats/", views.stats, name="stats"),
]
