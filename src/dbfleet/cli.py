"""The ``dbfleet`` command: list, gc and demo.

``main`` returns an exit code and never calls ``sys.exit`` below it; every DbfleetError becomes
one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import configparser
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from dbfleet.backends import open_backend
from dbfleet.config import EMBEDDED, Embedded
from dbfleet.embedded import start_embedded
from dbfleet.errors import ConfigError, DbfleetError
from dbfleet.fleet import garbage
from dbfleet.urls import parse_url, redacted


def _ini_url(directory: Path) -> str | None:
    """``dbfleet_url`` from the project's pytest configuration, as pytest would find it."""
    if sys.version_info >= (3, 11):
        import tomllib

        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            data: dict[str, Any] = tomllib.loads(pyproject.read_text())
            options = data.get("tool", {}).get("pytest", {}).get("ini_options", {})
            if isinstance(options.get("dbfleet_url"), str):
                return str(options["dbfleet_url"])
    for name, section in (
        ("pytest.ini", "pytest"),
        ("tox.ini", "pytest"),
        ("setup.cfg", "tool:pytest"),
    ):
        parser = configparser.ConfigParser(interpolation=None)
        if parser.read(directory / name) and parser.has_option(section, "dbfleet_url"):
            return parser.get(section, "dbfleet_url")
    return None


def _server_url(given: str | None) -> tuple[URL, Any]:
    text = given or os.environ.get("DBFLEET_URL") or _ini_url(Path.cwd())
    if not text:
        raise ConfigError(
            "dbfleet: no server given; pass --url, set DBFLEET_URL, or set dbfleet_url "
            "in the project's pytest configuration"
        )
    if text.startswith(EMBEDDED):
        embedded = Embedded.parse(text)
        return start_embedded(Path.cwd(), embedded.database, embedded.drivername)
    return parse_url(text), None


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def _alive(alive: bool | None) -> str:
    return {True: "alive", False: "gone", None: "unknown"}[alive]


def cmd_list(args: argparse.Namespace) -> int:
    url, _server = _server_url(args.url)
    backend = open_backend(url)
    try:
        managed = backend.list_managed()
    finally:
        backend.close()
    print(f"server: {redacted(url)}")
    if not managed:
        print("no databases managed by dbfleet")
        return 0
    rows = [("NAME", "KIND", "FINGERPRINT", "AGE", "OWNER", "STATUS")]
    now = time.time()
    for db in managed:
        marker = db.marker
        status = "-" if marker.kind == "template" else _alive(marker.owner_alive())
        rows.append(
            (
                db.name,
                marker.kind,
                marker.fingerprint[:10],
                _age(marker.age(now)),
                f"{marker.host}:{marker.pid}",
                status,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    return 0


def cmd_gc(args: argparse.Namespace) -> int:
    url, _server = _server_url(args.url)
    backend = open_backend(url)
    try:
        found = garbage(backend)
        for item in found:
            verb = "would drop" if args.dry_run else "dropped"
            if not args.dry_run:
                backend.drop(item.name)
            print(f"{verb} {item.name} ({item.marker.kind}: {item.reason})")
    finally:
        backend.close()
    if not found:
        print("nothing to collect")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from dbfleet.demo import run_demo

    return run_demo(workers=str(args.workers))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dbfleet", description="Manage the databases pytest-dbfleet creates."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, func, text in (
        ("list", cmd_list, "list the databases dbfleet manages on a server"),
        ("gc", cmd_gc, "drop databases of dead runs and superseded templates"),
    ):
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("--url", help="server URL (default: DBFLEET_URL, then the pytest ini)")
        sub.set_defaults(func=func)
        if name == "gc":
            sub.add_argument("--dry-run", action="store_true", help="only say what would go")
    demo = commands.add_parser("demo", help="run a small demo suite serially and in parallel")
    demo.add_argument("--workers", default="2", help="xdist workers for the parallel run")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except DbfleetError as error:
        print(str(error), file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
