from django.urls import path

from . import views

urlpatterns = [
    path("loans/", views.lend, name="loan-create"),
    path("loans/overdue/", views.overdue, name="loan-overdue"),
    path("loans/<int:pk>/return/", views.return_copy, name="loan-return"),
    path("loans/<int:pk>/renew/", views.renew, name="loan-renew"),
    path("reservations/", views.reserve, name="reservation-create"),
    path("reservations/<int:pk>/cancel/", views.cancel_reservation, name="reservation-cancel"),
]
