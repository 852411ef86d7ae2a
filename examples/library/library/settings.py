"""Settings for the library example project.

The database is chosen by the ``DATABASE_URL`` environment variable (parsed by
dj-database-url); without it the project uses a SQLite file next to manage.py.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/library
    DATABASE_URL=mysql://root@127.0.0.1:3306/library
"""

from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "library-example-not-a-secret-0f3c9a7e5b1d4c2a8e6f"
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "catalog",
    "members",
    "loans",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "library.urls"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'library.sqlite3'}",
        conn_max_age=0,
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

DEFAULT_FROM_EMAIL = "desk@library.example"
# Django 6.1's successor to EMAIL_BACKEND (the test runner swaps every alias for locmem).
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "localhost", "port": 25},
    },
}

# Library policy, read by the services.
LIBRARY = {
    # Days a reader has to collect a reserved copy once it is held for them.
    "RESERVATION_HOLD_DAYS": 3,
    # Days after the due date before a late fine starts to accrue.
    "FINE_GRACE_DAYS": 1,
    # Members owing this much or more cannot borrow.
    "BLOCKING_FINE_CENTS": 1000,
    # Replacement charge for a lost copy when the book has no list price.
    "DEFAULT_REPLACEMENT_CENTS": 2500,
}
