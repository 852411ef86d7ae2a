"""The schema builders behind ``dbfleet_migrate``: alembic, sql, python and cmd.

Each migrator has two duties, after pgtestdb's migrator contract: name the files whose contents
decide the schema (they enter the template fingerprint) and build the schema into one database.
Alembic and Python migrations run in a child process: env.py usually imports the application,
and an application imported here, pointed at the template, would keep that URL for the tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import URL

from dbfleet.backends.base import Backend
from dbfleet.errors import ConfigError, MigrationError
from dbfleet.faults import point
from dbfleet.imports import imported_project_files
from dbfleet.urls import connectable, scrub


class Migrator(Protocol):
    """Builds a schema; ``spec`` and ``sources`` decide whether a template is still current."""

    @property
    def spec(self) -> str: ...

    def sources(self) -> list[Path]: ...

    def migrate(self, backend: Backend, database: str, url: URL, environ: dict[str, str]) -> None:
        """Build the schema in ``database``. ``environ`` is the child environment to use."""
        ...


@dataclass(frozen=True)
class NoMigrator:
    """No ``dbfleet_migrate``: workers get empty databases, still cloned and still isolated."""

    spec: str = ""

    def sources(self) -> list[Path]:
        return []

    def migrate(self, backend: Backend, database: str, url: URL, environ: dict[str, str]) -> None:
        return None


@dataclass(frozen=True)
class AlembicMigrator:
    spec: str
    ini: Path

    def sources(self) -> list[Path]:
        # Read through Config's getters: ScriptDirectory.from_config would prepend to sys.path.
        try:
            from alembic.config import Config
        except ImportError:
            raise ConfigError(
                "dbfleet: dbfleet_migrate = alembic needs Alembic; "
                "pip install 'pytest-dbfleet[alembic]'"
            ) from None
        config = Config(str(self.ini))
        location = config.get_main_option("script_location")
        if not location:
            raise ConfigError(
                f"dbfleet: {self.ini} has no script_location; is it an Alembic config file?"
            )
        roots = [self._resolve(location)]
        roots += [self._resolve(extra) for extra in config.get_version_locations_list() or []]
        missing = [root for root in roots if not root.is_dir()]
        if missing:
            raise ConfigError(
                f"dbfleet: the Alembic scripts directory {missing[0]} named in {self.ini} "
                "does not exist; fix script_location"
            )
        files = {self.ini}
        for root in roots:
            files.update(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
        # env.py's own imports: the models it autogenerates from, among them.
        files.update(imported_project_files(files, self.ini.parent))
        return sorted(files)

    def _resolve(self, location: str) -> Path:
        path = Path(location)
        if path.is_absolute():
            return path
        package, sep, resource = location.partition(":")
        if sep and not (self.ini.parent / path).exists():
            # Alembic also accepts "package:directory" for scripts shipped inside a package.
            spec = PathFinder.find_spec(package.split(".")[0], [str(self.ini.parent), *sys.path])
            if spec is not None and spec.submodule_search_locations:
                root = Path(next(iter(spec.submodule_search_locations)))
                return root.joinpath(*package.split(".")[1:], resource)
        return (self.ini.parent / path).resolve()

    def migrate(self, backend: Backend, database: str, url: URL, environ: dict[str, str]) -> None:
        run_child(
            [*CHILD, "alembic", str(self.ini)],
            cwd=self.ini.parent,
            url=url,
            environ=environ,
            spec=self.spec,
        )


@dataclass(frozen=True)
class SqlMigrator:
    spec: str
    path: Path

    def sources(self) -> list[Path]:
        if self.path.is_dir():
            return sorted(self.path.glob("*.sql"))
        return [self.path]

    def migrate(self, backend: Backend, database: str, url: URL, environ: dict[str, str]) -> None:
        for file in self.sources():
            try:
                backend.run_sql(database, file.read_text(encoding="utf-8"))
            except UnicodeDecodeError:
                raise MigrationError(f"{file.name}: not UTF-8 text; save it as UTF-8") from None
            except MigrationError as error:
                raise MigrationError(f"{file.name}: {error}") from None
            point("migrate:running")


@dataclass(frozen=True)
class PythonMigrator:
    spec: str
    target: str
    rootdir: Path

    def sources(self) -> list[Path]:
        module = self.target.partition(":")[0]
        origin = _module_file(module, self.rootdir)
        if origin is None:
            raise ConfigError(
                f"dbfleet: dbfleet_migrate = {self.spec!r}: module {module!r} not found from "
                f"{self.rootdir}; use python:package.module:function"
            )
        # The models a ``metadata.create_all`` builder imports decide the schema as much as
        # the builder does.
        return [origin, *imported_project_files([origin], self.rootdir)]

    def migrate(self, backend: Backend, database: str, url: URL, environ: dict[str, str]) -> None:
        run_child(
            [*CHILD, "python", self.target],
            cwd=self.rootdir,
            url=url,
            environ=environ,
            spec=self.spec,
        )


@dataclass(frozen=True)
class CommandMigrator:
    spec: str
    command: str
    rootdir: Path

    def sources(self) -> list[Path]:
        return []

    def migrate(self, backend: Backend, database: str, url: URL, environ: dict[str, str]) -> None:
        run_child(
            self.command, cwd=self.rootdir, url=url, environ=environ, spec=self.spec, shell=True
        )


def parse_migrator(spec: str | None, rootdir: Path) -> Migrator:
    """The migrator for a ``dbfleet_migrate`` value; every problem found here is a ConfigError."""
    if not spec:
        return NoMigrator()
    kind, _, rest = spec.partition(":")
    kind = kind.strip()
    rest = rest.strip()
    if kind == "alembic":
        ini = (rootdir / (rest or "alembic.ini")).resolve()
        if not ini.is_file():
            raise ConfigError(
                f"dbfleet: dbfleet_migrate = {spec!r}: no Alembic config at {ini}; "
                "set dbfleet_migrate = alembic:path/to/alembic.ini"
            )
        return AlembicMigrator(spec, ini)
    if kind == "sql":
        path = (rootdir / rest).resolve()
        if not rest or not path.exists():
            raise ConfigError(
                f"dbfleet: dbfleet_migrate = {spec!r}: no SQL file or directory at {path}"
            )
        if path.is_dir() and not any(path.glob("*.sql")):
            raise ConfigError(f"dbfleet: dbfleet_migrate = {spec!r}: {path} holds no .sql files")
        return SqlMigrator(spec, path)
    if kind == "python":
        module, sep, function = rest.partition(":")
        if not (module and sep and function):
            raise ConfigError(
                f"dbfleet: dbfleet_migrate = {spec!r}: expected python:package.module:function"
            )
        migrator = PythonMigrator(spec, rest, rootdir)
        migrator.sources()
        return migrator
    if kind == "cmd":
        if not rest:
            raise ConfigError(f"dbfleet: dbfleet_migrate = {spec!r}: the command is empty")
        return CommandMigrator(spec, rest, rootdir)
    raise ConfigError(
        f"dbfleet: dbfleet_migrate = {spec!r} is not understood; use alembic, alembic:PATH, "
        "sql:PATH, python:module:function or cmd:COMMAND"
    )


def _module_file(module: str, rootdir: Path) -> Path | None:
    """Locate a module's source without importing it (importing could read settings too early)."""
    search: list[str] = [str(rootdir), *sys.path]
    parts = module.split(".")
    for index, part in enumerate(parts):
        spec = PathFinder.find_spec(part, search)
        if spec is None:
            return None
        if index == len(parts) - 1:
            return Path(spec.origin) if spec.origin else None
        search = list(spec.submodule_search_locations or [])
    return None


#: The migration child. Not ``-m dbfleet.migrate``: the package imports this module first, and
#: runpy then warns on every run, a line that used to stand in for the child's real error.
CHILD = (
    sys.executable,
    "-c",
    "import sys; from dbfleet.migrate import _main; sys.exit(_main(sys.argv[1:]))",
)


def _failure(returncode: int, output: str) -> str:
    """What went wrong in the child, in a few words: its last line, or how it ended."""
    if returncode < 0:
        try:
            name = f" ({signal.Signals(-returncode).name})"
        except ValueError:
            name = ""
        return f"killed by signal {-returncode}{name}"
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else f"exited with status {returncode} and printed nothing"


def run_child(
    command: list[str] | str,
    *,
    cwd: Path,
    url: URL,
    environ: dict[str, str],
    spec: str,
    shell: bool = False,
) -> str:
    """Run a schema builder; its stdout on success, one-line ``MigrationError`` otherwise."""
    env = dict(environ)
    env["DBFLEET_MIGRATE_URL"] = connectable(url)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(cwd), env.get("PYTHONPATH", "")]))
    with subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        shell=shell,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        point("migrate:running")
        stdout, stderr = child.communicate()
    if child.returncode != 0:
        output = scrub(stderr or stdout, url)
        raise MigrationError(f"{spec!r} failed: {_failure(child.returncode, output)}")
    return stdout


def _main(argv: list[str]) -> int:
    """Child-process entry: ``python -m dbfleet.migrate alembic INI | python MOD:FUNC``."""
    url = os.environ["DBFLEET_MIGRATE_URL"]
    kind, target = argv
    if kind == "alembic":
        from alembic import command
        from alembic.config import Config

        config = Config(target)
        # Stock env.py files read sqlalchemy.url; configparser needs % doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        command.upgrade(config, "head")
        return 0
    import importlib

    module_name, _, function_name = target.partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    call_builder(function, url)
    return 0


def call_builder(function: Any, url: str) -> None:
    """Call a ``python:`` builder with a URL it can use as it is written.

    A plain function gets the URL with a blocking driver (``+asyncpg`` becomes ``+psycopg``, or
    ``+psycopg2`` where only that is installed), so ``create_engine(url)`` works; an ``async def``
    is awaited here with the asyncio driver. A builder that names ``sync_url`` or ``async_url``
    parameters gets those by name (both, say, to run ``metadata.create_all`` through ``run_sync``
    on asyncpg, which takes DDL with ``%``).
    """
    import asyncio
    import inspect

    from sqlalchemy.engine import make_url

    from dbfleet.isolation.drivers import SYNC_FOR_ASYNC, async_driver, sync_driver
    from dbfleet.isolation.engines import installed

    parsed = make_url(url)
    is_async_url = parsed.drivername.partition("+")[2] in SYNC_FOR_ASYNC

    def twin(pick: Any, keep: bool) -> str:
        # The URL as configured when it already suits (``postgresql://`` stays as it is, for a
        # builder that hands it to psycopg.connect), else the same URL with the twin driver.
        if keep:
            return url
        return parsed.set(drivername=pick(parsed.drivername, installed)).render_as_string(
            hide_password=False
        )

    rendered = {
        "sync_url": twin(sync_driver, not is_async_url),
        "async_url": twin(async_driver, is_async_url),
    }
    named = {
        name: rendered[name] for name in inspect.signature(function).parameters if name in rendered
    }
    is_async = inspect.iscoroutinefunction(function)
    if named:
        result = function(**named)
    else:
        result = function(rendered["async_url" if is_async else "sync_url"])
    if inspect.isawaitable(result):
        asyncio.run(result)  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
