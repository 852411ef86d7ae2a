from django.urls import include, path

urlpatterns = [
    path("api/", include("catalog.urls")),
    path("api/", include("members.urls")),
    path("api/", include("loans.urls")),
    path("api/", include("reviews.urls")),
]
