"""Project wiring: URLs, settings, the clock. None of these touch the database."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.urls import resolve, reverse

from library import clock
from tests import factories


@pytest.mark.parametrize(
    ("name", "kwargs", "path"),
    [
        ("book-list", {}, "/api/books/"),
        ("book-detail", {"slug": "dune"}, "/api/books/dune/"),
        ("author-detail", {"pk": 7}, "/api/authors/7/"),
        ("genre-list", {}, "/api/genres/"),
        ("stats", {}, "/api/stats/"),
        ("member-join", {}, "/api/members/"),
        ("member-me", {}, "/api/members/me/"),
        ("member-detail", {"card_number": "LIB000001"}, "/api/members/LIB000001/"),
        ("loan-create", {}, "/api/loans/"),
        ("loan-overdue", {}, "/api/loans/overdue/"),
        ("loan-return", {"pk": 3}, "/api/loans/3/return/"),
        ("loan-renew", {"pk": 3}, "/api/loans/3/renew/"),
        ("reservation-create", {}, "/api/reservations/"),
        ("reservation-cancel", {"pk": 9}, "/api/reservations/9/cancel/"),
        ("book-reviews", {"slug": "dune"}, "/api/books/dune/reviews/"),
        ("review-create", {"slug": "dune"}, "/api/books/dune/reviews/new/"),
        ("rating-create", {"slug": "dune"}, "/api/books/dune/rating/"),
        ("top-rated", {}, "/api/top-rated/"),
    ],
)
def test_reverse_and_resolve(name, kwargs, path):
    assert reverse(name, kwargs=kwargs) == path
    assert resolve(path).url_name == name


def test_me_is_not_taken_for_a_card_number():
    assert resolve("/api/members/me/").url_name == "member-me"


def test_time_zone_aware():
    assert django_settings.USE_TZ is True


def test_big_auto_field():
    assert django_settings.DEFAULT_AUTO_FIELD == "django.db.models.BigAutoField"


def test_library_policy_present():
    assert set(django_settings.LIBRARY) >= {
        "RESERVATION_HOLD_DAYS",
        "FINE_GRACE_DAYS",
        "BLOCKING_FINE_CENTS",
        "DEFAULT_REPLACEMENT_CENTS",
    }


def test_settings_fixture_overrides_policy(settings):
    settings.LIBRARY = {**settings.LIBRARY, "FINE_GRACE_DAYS": 5}
    assert django_settings.LIBRARY["FINE_GRACE_DAYS"] == 5


def test_settings_fixture_restores_policy():
    # Runs in any order relative to the test above: the fixture always restores.
    assert django_settings.LIBRARY["FINE_GRACE_DAYS"] == 1


def test_clock_is_aware():
    assert clock.now().tzinfo is not None


def test_frozen_clock(frozen_clock):
    assert clock.now() == factories.NOW
    assert clock.today() == datetime.date(2025, 3, 12)
    frozen_clock(factories.at(2025, 12, 31, 23, 59))
    assert clock.today() == datetime.date(2025, 12, 31)


def test_suite_now_is_a_wednesday():
    assert factories.NOW.weekday() == 2
