"""Worker URL derivation and redaction, on SQLAlchemy's URL object.

The trap this module exists for: ``str(url)`` on a SQLAlchemy URL masks the password as ``***``,
so a URL rebuilt with ``.set(database=...)`` and turned back into a string cannot connect.
``connectable`` renders it with the password; ``redacted`` is the only form ever printed.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote, quote_plus

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from dbfleet.errors import ConfigError

#: Worker id of a run without pytest-xdist, as pytest-xdist itself names the controller.
SERIAL_WORKER = "master"


def parse_url(text: str) -> URL:
    """Parse a SQLAlchemy-style URL, turning parse failures into one readable line.

    An unparseable value is never echoed: where its password sits cannot be known.
    """
    try:
        url = make_url(text)
        url.port  # noqa: B018 - a non-numeric port only fails when read
    except (ArgumentError, ValueError):
        raise ConfigError(
            "dbfleet: cannot parse the database URL (not shown, it may hold a password); "
            "expected a SQLAlchemy URL such as postgresql://user@127.0.0.1:5432/app_test"
        ) from None
    return url


def redacted(url: URL) -> str:
    """The URL as shown to people: the password replaced by ``***``."""
    return url.render_as_string(hide_password=True)


def connectable(url: URL) -> str:
    """The URL with its password, for connecting and for exporting to the tests only."""
    return url.render_as_string(hide_password=False)


def scrub(text: str, url: URL) -> str:
    """Remove the URL's password from a message a driver or a subprocess produced.

    The password is replaced raw and URL-encoded, and any ``scheme://user:secret@`` is masked
    too: a migration may print the URL in a form of its own.
    """
    password = url.password
    if password:
        for form in {str(password), quote(str(password), safe=""), quote_plus(str(password))}:
            text = text.replace(form, "***")
    return _USERINFO.sub(r"\1***@", text)


_USERINFO = re.compile(r"(://[^:/@\s]*:)[^@\s]+@")


class SecretURL(str):
    """A URL string for connecting whose ``repr`` shows the password as ``***``.

    pytest prints fixture values and assertion operands with ``repr``; ``str`` and f-strings
    still give the full URL, which is what drivers need.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(scrub(str(self), make_url(str(self))))


def fit_identifier(base: str, suffix: str, limit: int) -> str:
    """``base + suffix``, shortened to ``limit`` bytes deterministically when too long.

    The base is cut and a short hash of the full name takes its place, so distinct names stay
    distinct and the suffix (``_gw0``, ``_tpl_<fingerprint>``) stays readable.
    """
    name = base + suffix
    if len(name.encode()) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    room = limit - len(suffix.encode()) - len(digest) - 1
    head = base.encode()[: max(room, 0)].decode(errors="ignore")
    return f"{head}_{digest}{suffix}"


def worker_database_name(
    base: str, worker_id: str, limit: int, namespace: str | None = None
) -> str:
    """``{base}_{worker_id}`` for xdist workers; the base name itself for a serial run; with a
    namespace, ``{base}_{namespace}_{worker_id}`` and ``{base}_{namespace}``.

    All are fitted to the server's limit: PostgreSQL would otherwise truncate a long name
    silently, and dbfleet would never find the database again to drop it.
    """
    suffix = "" if worker_id == SERIAL_WORKER else f"_{worker_id}"
    if namespace:
        suffix = f"_{namespace}{suffix}"
    return fit_identifier(base, suffix, limit)


def with_database(url: URL, database: str) -> URL:
    """The same server, credentials, driver and query options, another database."""
    return url.set(database=database)
