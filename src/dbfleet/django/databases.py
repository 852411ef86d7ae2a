"""``DATABASES`` as the test databases Django would create, each as a dbfleet backend URL.

Django decides which aliases share one test database and which only mirror another
(``get_unique_databases_and_mirrors``); dbfleet asks it rather than re-deriving the rules. The
test database's base name is Django's own (``TEST.NAME``, else ``test_`` + ``NAME``), so a worker
gets ``test_<name>_gw0``, the name pytest-django gives it. SQLite test databases live on disk,
beside ``NAME``, because an in-memory database cannot be cloned from one process to another.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from dbfleet.backends import KINDS, Kind
from dbfleet.errors import ConfigError

#: Django's database engines (GIS engines included) by the kind that provisions them: each kind's
#: ``django_engines``.
ENGINES: dict[str, Kind] = {engine: kind for kind in KINDS for engine in kind.django_engines}

#: How messages name the kinds dbfleet can clone.
SUPPORTED = [kind.title for kind in KINDS]

#: ``DATABASES = {}`` leaves Django's dummy engine in ``default``: no database to provision.
DUMMY = "django.db.backends.dummy"

#: ``TEST`` settings Django applies when it creates a test database and dbfleet does not yet.
UNAPPLIED_TEST_SETTINGS = ("CHARSET", "COLLATION", "TEMPLATE")

#: Option keys that may hold a secret: never put into a URL that can be shown.
SECRET_KEY = re.compile(r"pass|secret|token|key", re.I)

#: ``OPTIONS`` keys that Django's backends consume themselves; the rest are driver settings
#: (``sslmode``, ``unix_socket`` …) that dbfleet's own connection needs as well.
DJANGO_ONLY_OPTIONS = frozenset(
    {"isolation_level", "server_side_binding", "pool", "assume_role", "init_command", "charset"}
)


@dataclass(frozen=True)
class TestDatabase:
    """One database Django's test runner would create, and the aliases that use it."""

    __test__ = False  # not a pytest test class, whatever its name

    aliases: tuple[str, ...]
    engine: str
    #: None for an engine dbfleet cannot clone (``signature`` then says why).
    url: URL | None
    #: What the built schema depends on beyond the migrations: engine, options, test settings.
    signature: str

    @property
    def alias(self) -> str:
        """The alias the template is migrated through (Django's "first" alias)."""
        return self.aliases[0]


def test_databases(aliases: Iterable[str] | None) -> tuple[list[TestDatabase], dict[str, str]]:
    """The test databases ``aliases`` need, and the aliases that mirror another one."""
    from django.db import connections
    from django.test.utils import get_unique_databases_and_mirrors

    unique, mirrors = get_unique_databases_and_mirrors(None if aliases is None else set(aliases))
    found = []
    for _name, group in unique.values():
        ordered = tuple(sorted(group, key=lambda alias: (alias != "default", alias)))
        settings_dict = connections[ordered[0]].settings_dict
        engine = str(settings_dict["ENGINE"])
        if engine not in ENGINES:
            why = (
                "no database configured (Django's dummy engine)"
                if engine == DUMMY
                else f"{engine!r} is not an engine dbfleet can clone ({', '.join(SUPPORTED)}); "
                "tests that use it fail, the rest run"
            )
            found.append(TestDatabase(ordered, engine, None, why))
            continue
        _refuse_unapplied(settings_dict, ordered[0])
        url = backend_url(settings_dict, ordered[0])
        found.append(TestDatabase(ordered, engine, url, schema_signature(settings_dict)))
    return sorted(found, key=lambda db: db.alias), dict(mirrors)


def test_name(settings_dict: Mapping[str, Any]) -> str:
    """Django's name for the test database (``TEST.NAME``, else ``test_`` + ``NAME``); on
    SQLite a file beside ``NAME`` instead of Django's in-memory default."""
    given = (settings_dict.get("TEST") or {}).get("NAME")
    name = str(settings_dict.get("NAME") or "")
    if not _is_file(settings_dict):
        return str(given or f"test_{name}")
    if given and not _in_memory(str(given)):
        return str(given)
    path = Path(name) if name and not _in_memory(name) else Path("db.sqlite3")
    return str(path.with_name(f"test_{path.name}"))


def backend_url(settings_dict: Mapping[str, Any], alias: str) -> URL:
    """The URL dbfleet provisions the alias's test databases through, with the driver Django's
    backend runs on, so dbfleet's own connections use that one too."""
    engine = str(settings_dict.get("ENGINE", ""))
    kind = ENGINES.get(engine)
    if kind is None:
        raise ConfigError(
            f"dbfleet: DATABASES[{alias!r}] uses {engine!r}, which dbfleet cannot clone; "
            f"dbfleet supports {', '.join(SUPPORTED[:-1])} and {SUPPORTED[-1]} (pass "
            "-p no:dbfleet to run with pytest-django alone)"
        )
    drivername = kind.django_driver()
    if kind.file_based:
        return URL.create(drivername, database=str(Path(test_name(settings_dict)).resolve()))
    options = settings_dict.get("OPTIONS") or {}
    query = {
        str(key): str(value)
        for key, value in options.items()
        if key not in DJANGO_ONLY_OPTIONS
        and isinstance(value, (str, int))
        and not SECRET_KEY.search(str(key))
    }
    host = str(settings_dict.get("HOST") or "")
    if kind.socket_option and host.startswith("/"):
        # Django's backend reads such a HOST as a socket; this kind's driver wants it so named.
        query[kind.socket_option], host = host, ""
    port = str(settings_dict.get("PORT") or "")
    return URL.create(
        drivername,
        username=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        host=host or None,
        port=int(port) if port.isdigit() else None,
        database=test_name(settings_dict),
        query=query,
    )


def _refuse_unapplied(settings_dict: Mapping[str, Any], alias: str) -> None:
    test = settings_dict.get("TEST") or {}
    given = [key for key in UNAPPLIED_TEST_SETTINGS if test.get(key)]
    if given:
        raise ConfigError(
            f"dbfleet: DATABASES[{alias!r}]['TEST'] sets {', '.join(given)}, which dbfleet does "
            "not apply to its templates yet (the server's default would be used); remove it, "
            "or run this suite with -p no:dbfleet"
        )


def schema_signature(settings_dict: Mapping[str, Any]) -> str:
    """The settings that shape the schema a migration builds, password-free: the engine, the
    test charset and collation, ``MIGRATE``, and the options (``init_command``'s sql_mode …)."""
    test = settings_dict.get("TEST") or {}
    options = settings_dict.get("OPTIONS") or {}
    safe = {
        key: repr(value)
        if isinstance(value, (str, int, float, bool, type(None)))
        else type(value).__name__
        for key, value in sorted(options.items())
        if not SECRET_KEY.search(str(key))
    }
    parts = [
        f"engine={settings_dict.get('ENGINE')}",
        f"charset={test.get('CHARSET')}",
        f"collation={test.get('COLLATION')}",
        f"template={test.get('TEMPLATE')}",
        f"migrate={test.get('MIGRATE', True)}",
        f"options={safe}",
    ]
    return ";".join(parts)


def _is_file(settings_dict: Mapping[str, Any]) -> bool:
    kind = ENGINES.get(str(settings_dict.get("ENGINE", "")))
    return kind is not None and kind.file_based


def _in_memory(name: str) -> bool:
    return name == ":memory:" or "mode=memory" in name
