from django.urls import path

from . import views

urlpatterns = [
    path("members/", views.join, name="member-join"),
    path("members/me/", views.me, name="member-me"),
    path("members/<str:card_number>/", views.member_detail, name="member-detail"),
]
