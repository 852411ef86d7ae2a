"""One frozen settings object, resolved from command line, environment and ini (in that order).

Resolution is a pure function of three mappings, so precedence is unit-tested without pytest.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dbfleet.errors import ConfigError
from dbfleet.levels import LeakMode, Level, parse_leak_mode, parse_level
from dbfleet.options import (
    BY_NAME,
    DEFAULT_EXPORT,
    DEFAULT_POOL_SIZE,
    ENV_VARS,
    INI_KEYS,
    OPTIONS,
    lookup,
)

#: What a namespace may be: short enough to leave room in a 63-byte name, safe in any identifier.
NAMESPACE = re.compile(r"[a-z0-9][a-z0-9_]{0,15}")

#: ``dbfleet_url = embedded`` starts a throwaway PostgreSQL instead of naming a server;
#: ``embedded+asyncpg/app_test`` also picks the driver and the base database name.
EMBEDDED = "embedded"

#: Base database name used on the embedded server unless one is given.
EMBEDDED_DATABASE = "dbfleet_test"


@dataclass(frozen=True)
class Embedded:
    """The embedded server's exported driver and base database name."""

    drivername: str = "postgresql"
    database: str = EMBEDDED_DATABASE

    @classmethod
    def parse(cls, text: str) -> Embedded:
        rest = text[len(EMBEDDED) :]
        driver, _, database = rest.partition("/")
        drivername = "postgresql" + driver if driver.startswith("+") else "postgresql"
        return cls(drivername, database.strip("/") or EMBEDDED_DATABASE)


@dataclass(frozen=True)
class IsolationSettings:
    """The run's default isolation level, leak check and fresh pool size."""

    level: Level = Level.NONE
    leaks: LeakMode = LeakMode.OFF
    pool_size: int = DEFAULT_POOL_SIZE


@dataclass(frozen=True)
class Settings:
    """Everything the user configured; None ``url`` with ``embedded`` off means dbfleet is idle."""

    url: str | None
    embedded: Embedded | None
    migrate: str | None
    fingerprint: tuple[str, ...]
    export: tuple[str, ...]
    keep: bool
    rootdir: Path
    #: Put between the base name and the worker id (``app_test_ci3_gw0``), for CI jobs and
    #: checkouts that share a server; None lets a run pick one only when its names are taken.
    namespace: str | None = None
    isolation: IsolationSettings = IsolationSettings()
    #: Which setting the URL came from, for the header line (``DATABASE_URL``, ``DBFLEET_URL``).
    url_source: str = ""
    #: The folder templates are saved to after a build and restored from before one (CI jobs
    #: carry it between them with their cache step); None: no such folder.
    template_cache: Path | None = None
    #: What told dbfleet that this project wants it (``dbfleet_migrate (ini)``, ``DBFLEET_URL``
    #: …); empty when nothing did, and then a URL found in ``DATABASE_URL`` alone is not used.
    opted_in: str = ""

    @property
    def has_target(self) -> bool:
        """Whether a server to provision on is configured, opted in or not."""
        return self.embedded is not None or self.url is not None

    @property
    def active(self) -> bool:
        """Whether a pytest run provisions: a target, and the project asked for dbfleet."""
        return self.has_target and bool(self.opted_in)


def _first(*values: str | None) -> str | None:
    return next((value.strip() for value in values if value and value.strip()), None)


def resolve(
    cli: Mapping[str, object],
    environ: Mapping[str, str],
    ini: Mapping[str, object],
    rootdir: Path,
    opted_in: str = "",
) -> Settings:
    """Command line beats environment beats ini, option by option (``options.lookup``);
    ``cli`` is keyed by setting name, ``ini`` by ini key.

    ``opted_in`` says what asked for dbfleet; a URL given as a dbfleet setting asks by itself.
    """

    def setting(name: str) -> object:
        return lookup(name, cli, environ, ini).value

    def text(name: str) -> str | None:
        return lookup(name, cli, environ, ini).text

    export = tuple(_as_list(setting("export"))) or DEFAULT_EXPORT
    url, source = _url(cli, environ, ini, export)
    embedded: Embedded | None = None
    if url is not None and url.startswith(EMBEDDED):
        embedded, url = Embedded.parse(url), None
    elif setting("embedded"):
        embedded, url = Embedded(), None
    namespace = text("namespace")
    if namespace is not None and not NAMESPACE.fullmatch(namespace):
        option = BY_NAME["namespace"]
        raise ConfigError(
            f"dbfleet: namespace {namespace!r} is not 1-16 lowercase letters, digits or _ "
            f"(starting with a letter or digit); set {option.ini}, {option.flag} or "
            f"{option.env} to e.g. ci_3"
        )
    cache = text("template_cache")
    return Settings(
        url=url,
        embedded=embedded,
        migrate=text("migrate"),
        fingerprint=tuple(_as_list(setting("fingerprint"))),
        export=export,
        keep=bool(setting("keep")),
        rootdir=rootdir,
        namespace=namespace,
        isolation=resolve_isolation(cli, environ, ini),
        url_source=source,
        template_cache=rootdir / cache if cache else None,
        opted_in=opted_in or (source if source and source not in export else ""),
    )


#: The ini keys of the settings that say a project wants dbfleet.
_OPT_IN_KEYS = frozenset(option.ini for option in OPTIONS if option.ini and option.opts_in)


def check_ini_keys(keys: Mapping[str, str]) -> None:
    """Refuse a ``dbfleet_*`` key dbfleet does not read, naming the closest one it does;
    ``keys`` maps each key to where it was written (``pytest.ini``, ``-o``). pytest's own
    warning for it would come at the end of a run whose settings it changed."""
    unknown = sorted(key for key in keys if key.startswith("dbfleet_") and key not in INI_KEYS)
    if not unknown:
        return
    key, where = unknown[0], keys[unknown[0]]
    close = difflib.get_close_matches(key, INI_KEYS, n=1, cutoff=0.6)
    fix = f"did you mean {close[0]}?" if close else "the keys are " + ", ".join(INI_KEYS)
    raise ConfigError(f"dbfleet: unknown setting {key} in {where}; {fix}")


def opt_in(
    ini_keys: Iterable[str],
    flags: Iterable[str],
    environ: Mapping[str, str],
    loaded_explicitly: bool,
) -> str:
    """What says this project wants dbfleet, or "": a ``dbfleet_*`` ini key, a ``--dbfleet-*``
    flag, a ``DBFLEET_*`` setting in the environment, or ``-p dbfleet`` with plugin autoload
    off. ``DATABASE_URL`` alone never is: installing the package must not change a project
    that never asked for it."""
    key = next((key for key in sorted(ini_keys) if key in _OPT_IN_KEYS), None)
    if key is not None:
        return f"{key} (ini)"
    flag = next(iter(sorted(flags)), None)
    if flag is not None:
        return flag
    variable = next((name for name in ENV_VARS if environ.get(name, "").strip()), None)
    if variable is not None:
        return variable
    return "-p dbfleet" if loaded_explicitly else ""


#: Set by dbfleet to the value it exported: a variable holding it was written by dbfleet (a
#: worker's database), so a pytest started inside the run must not derive names from it again
#: (``app_test_gw0_gw0``, the bug of many hand-written conftests).
EXPORTED_ENV = "DBFLEET_EXPORTED_URL"


def _url(
    cli: Mapping[str, object],
    environ: Mapping[str, str],
    ini: Mapping[str, object],
    export: Sequence[str],
) -> tuple[str | None, str]:
    """The base URL and where it came from: ``--dbfleet-url``, ``DBFLEET_URL``, ``dbfleet_url``
    (``env:NAME`` reads a variable), then the first exported variable set when pytest starts."""
    found = lookup("url", cli, environ, ini)
    if found.given and str(found.value).startswith("env:"):
        given = str(found.value)
        name = given[len("env:") :].strip()
        value = _first(environ.get(name))
        if value is None:
            raise ConfigError(
                f"dbfleet: dbfleet_url = {given} but {name} is not set; set it, or give the URL "
                "with --dbfleet-url or DBFLEET_URL"
            )
        return value, f"{name} (dbfleet_url = env:{name})"
    if found.given:
        return str(found.value), found.where
    for name in export:
        value = _first(environ.get(name))
        if value and value != environ.get(EXPORTED_ENV):
            return value, name
    return None, ""


def resolve_isolation(
    cli: Mapping[str, object], environ: Mapping[str, str], ini: Mapping[str, object]
) -> IsolationSettings:
    """The isolation settings: command line beats environment beats ini, option by option."""
    found = lookup("isolation", cli, environ, ini)
    level = parse_level(str(found.value), found.where)
    found = lookup("check_leaks", cli, environ, ini)
    leaks = parse_leak_mode(str(found.value), found.where)
    pool_size = DEFAULT_POOL_SIZE
    found = lookup("fresh_pool", cli, environ, ini)
    if found.given:
        text = str(found.value)
        if not text.isdigit() or int(text) < 1:
            raise ConfigError(
                f"dbfleet: {found.where} must be a whole number of databases, 1 or more; "
                f"got {text!r}"
            )
        pool_size = int(text)
    return IsolationSettings(level, leaks, pool_size)


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, Sequence):
        return [str(item) for item in value if str(item).strip()]
    return []


def distributes(options: Mapping[str, object], environ: Mapping[str, str]) -> int:
    """How many workers pytest-xdist will start (0: none), decided the way xdist 3 decides.

    dbfleet must know this while conftests are still unimported, before xdist's own
    ``pytest_cmdline_main`` has normalised the options.
    """
    if options.get("collectonly"):
        return 0
    numprocesses = options.get("numprocesses")
    if numprocesses in ("auto", "logical"):
        if options.get("usepdb"):
            return 0
        numprocesses = int(environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") or os.cpu_count() or 1)
    if isinstance(numprocesses, int):
        maxprocesses = options.get("maxprocesses")
        if numprocesses and isinstance(maxprocesses, int) and maxprocesses:
            numprocesses = min(numprocesses, maxprocesses)
        return numprocesses
    dist = "load" if options.get("distload") else options.get("dist", "no")
    tx = options.get("tx") or []
    if dist == "no" or not isinstance(tx, list):
        return 0
    # "--tx 3*popen" is three workers.
    return sum(int(spec.split("*", 1)[0]) if "*" in spec else 1 for spec in map(str, tx))
