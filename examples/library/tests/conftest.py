"""Shared fixtures: the factories of tests/factories.py as fixtures, and a pinned clock."""

from __future__ import annotations

import pytest

from library import clock

from . import factories


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create users with passwords; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_tier():
    return factories.make_tier


@pytest.fixture
def make_member():
    return factories.make_member


@pytest.fixture
def make_author():
    return factories.make_author


@pytest.fixture
def make_publisher():
    return factories.make_publisher


@pytest.fixture
def make_genre():
    return factories.make_genre


@pytest.fixture
def make_book():
    return factories.make_book


@pytest.fixture
def make_edition():
    return factories.make_edition


@pytest.fixture
def make_copy():
    return factories.make_copy


@pytest.fixture
def make_loan():
    return factories.make_loan


@pytest.fixture
def make_fine():
    return factories.make_fine


@pytest.fixture
def make_reservation():
    return factories.make_reservation


@pytest.fixture
def make_review():
    return factories.make_review


@pytest.fixture
def make_rating():
    return factories.make_rating


@pytest.fixture
def tier(make_tier):
    return make_tier(max_loans=3, loan_days=14, daily_fine_cents=25, max_renewals=2)


@pytest.fixture
def member(make_member, tier):
    return make_member(tier=tier)


@pytest.fixture
def book(make_book):
    return make_book(title="The Quiet Orchard")


@pytest.fixture
def copy(make_copy, book):
    return make_copy(book=book)


@pytest.fixture
def frozen_clock(monkeypatch):
    """Pin library.clock to factories.NOW; returns a setter to move it."""
    state = {"now": factories.NOW}
    monkeypatch.setattr(clock, "now", lambda: state["now"])

    def move_to(moment):
        state["now"] = moment
        return moment

    move_to.now = lambda: state["now"]
    return move_to


@pytest.fixture
def reader(django_user_model, make_member, tier):
    """A logged-in-able user with a library card: (user, member)."""
    user = django_user_model.objects.create_user(
        username=f"reader{factories.serial()}", password="correct horse battery"
    )
    return user, make_member(tier=tier, user=user)
