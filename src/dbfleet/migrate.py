"""The schema builders behind ``dbfleet_migrate``: alembic, sql, python and cmd.

Each migrator has two duties, after pgtestdb's migrator contract: name the files whose contents
decide the schema (they enter the template fingerprint) and build the schema into one database.
Alembic and Python migrations run in a child process: env.py usually imports the application,
and an application imported here, pointed at the template, would keep that URL for the tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from importlib.machinery import PathFinder
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy.engine import URL

from dbfleet import background, progress
from dbfleet.backends.base import Backend
from dbfleet.errors import ConfigError, MigrationError
from dbfleet.faults import point
from dbfleet.imports import imported_project_files
from dbfleet.jsonfile import make_folder
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
    #: The project's root: its ``.dbfleet`` folder keeps the output of a failed run.
    rootdir: Path

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
            log=log_path(self.rootdir, backend.base_name),
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
            log=log_path(self.rootdir, backend.base_name),
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
            self.command,
            cwd=self.rootdir,
            url=url,
            environ=environ,
            spec=self.spec,
            log=log_path(self.rootdir, backend.base_name),
            shell=True,
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
        return AlembicMigrator(spec, ini, rootdir)
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


#: The child's last line when it dies of an exception: the exception line and where it was, as
#: JSON. The last line of the output is no such summary: SQLAlchemy ends every error with a
#: "Background on this error" link, Python 3.11 tracebacks with a line of ``^``.
FAILED = "dbfleet-migrate-failed: "

#: The longest exception message the one error line carries; the log has all of it.
MESSAGE_LIMIT = 300

#: Driver errors a ``python:`` builder makes when it uses the URL with the wrong kind of code.
_DRIVER_MISMATCH = re.compile(
    r"MissingGreenlet|greenlet_spawn has not been called|cannot be called from a running event "
    r"loop|requires an async driver|is not async|coroutine .* was never awaited"
)

#: A Python exception line as a traceback ends: ``package.module.Error: message``.
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)\b")


@dataclass(frozen=True)
class Failure:
    """What the one error line says about a failed child: the exception and where it was."""

    exception: str
    at: str = ""


def log_path(rootdir: Path, base: str) -> Path:
    """Where a failed build's whole output goes: one file per base, the last failure's."""
    return rootdir / ".dbfleet" / f"migrate-{base}.log"


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= MESSAGE_LIMIT else line[: MESSAGE_LIMIT - 1] + "…"


def _failure(returncode: int, output: str) -> Failure:
    """What went wrong in the child: the exception it reported, else the one a Python
    traceback ends with (a ``cmd:`` builder), else its last line, or how it ended."""
    if returncode < 0:
        try:
            name = f" ({signal.Signals(-returncode).name})"
        except ValueError:
            name = ""
        return Failure(f"killed by signal {-returncode}{name}")
    lines = output.splitlines()
    for line in reversed(lines):
        if line.startswith(FAILED):
            try:
                reported = json.loads(line[len(FAILED) :])
                return Failure(_first_line(str(reported["exception"])), str(reported["at"]))
            except (ValueError, KeyError, TypeError):
                break
    if "Traceback (most recent call last):" in lines:
        tail = lines[len(lines) - lines[::-1].index("Traceback (most recent call last):") :]
        for line in tail:
            if line and not line[0].isspace() and _EXCEPTION_LINE.match(line):
                return Failure(_first_line(line))
    meaningful = [
        line.strip()
        for line in lines
        if line.strip()
        and not line.strip().startswith("(Background on this error at:")
        and set(line.strip()) - set("^~ ")
    ]
    if meaningful:
        return Failure(_first_line(meaningful[-1]))
    return Failure(f"exited with status {returncode} and printed nothing")


def _hint(spec: str, exception: str) -> str:
    if spec.startswith("python:") and _DRIVER_MISMATCH.search(exception):
        return (
            " (a driver error: a plain function gets a blocking driver's URL, an async def the "
            "asyncio driver's; name the parameter sync_url or async_url to get the one the "
            "builder's code needs)"
        )
    return ""


def _shown(path: Path) -> str:
    """The log's path as the user can paste it: relative to where pytest runs when inside."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _stop(child: subprocess.Popen[str]) -> None:
    """End the child and whatever it started (it leads its own process group), and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def _read(child: subprocess.Popen[str]) -> str:
    """The child's output, without its progress lines, which go to the progress shown (if any)
    as they come; the wait ticks twice a second so that the elapsed time keeps moving."""
    assert child.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def pump(stream: IO[str]) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, args=(child.stdout,), daemon=True).start()
    kept: list[str] = []
    shown = progress.current()
    while True:
        if background.cancelled():
            raise KeyboardInterrupt  # stopped as a Ctrl-C stops it: the child ended, no leftovers
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if shown is not None:
                shown.tick()
            continue
        if line is None:
            break
        step = progress.step_of(line)
        if step is None:
            kept.append(line)
        elif shown is not None:
            shown.update(*step)
    child.wait()
    return "".join(kept)


def run_child(
    command: list[str] | str,
    *,
    cwd: Path,
    url: URL,
    environ: dict[str, str],
    spec: str,
    log: Path,
    shell: bool = False,
) -> str:
    """Run a schema builder; its output on success, one-line ``MigrationError`` otherwise.

    On failure the whole output, password scrubbed, goes to ``log``, and the line says where.
    The child gets a session of its own, so a Ctrl-C reaches only this process, which then
    ends the child before the half-built database is dropped (a child left running would
    reconnect to nothing, or keep a connection that blocks the drop).
    """
    env = dict(environ)
    env["DBFLEET_MIGRATE_URL"] = connectable(url)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(cwd), env.get("PYTHONPATH", "")]))
    with subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        shell=shell,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as child:
        try:
            point("migrate:running")
            output = _read(child)
        except BaseException:
            _stop(child)
            raise
    if child.returncode != 0:
        scrubbed = scrub(output, url)
        try:
            make_folder(log.parent)
            log.write_text(scrubbed, encoding="utf-8")
            kept = f"its output is in {_shown(log)}"
        except OSError as error:
            kept = f"its output could not be saved to {_shown(log)} ({error.strerror})"
        failure = _failure(child.returncode, scrubbed)
        at = f" at {failure.at}" if failure.at else ""
        raise MigrationError(
            f"{spec!r} failed{at}: {failure.exception}{_hint(spec, failure.exception)}; {kept}"
        )
    return output


def report_failures(locate: Callable[[BaseException], str] = lambda error: "") -> None:
    """Make this child end an uncaught exception with the ``FAILED`` line, after the traceback.

    ``locate`` names the migration the exception came from, when it can be told.
    """

    def hook(kind: type[BaseException], error: BaseException, tb: Any) -> None:
        sys.__excepthook__(kind, error, tb)
        # A SyntaxError's lines start with the file and the caret; its own line comes last.
        lines = "".join(traceback.format_exception_only(kind, error)).splitlines()
        exception = next((line for line in lines if line and not line[0].isspace()), kind.__name__)
        at = locate(error)
        print(FAILED + json.dumps({"exception": exception, "at": at}), file=sys.stderr)
        sys.stderr.flush()

    sys.excepthook = hook


def _alembic_revision(ini: str) -> Callable[[BaseException], str]:
    """The revision whose file the traceback passes through, deepest first: the one failing."""

    def locate(error: BaseException) -> str:
        from alembic.config import Config
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError

        try:
            revisions = list(ScriptDirectory.from_config(Config(ini)).walk_revisions())
        except (CommandError, OSError, ImportError):
            return ""  # the scripts cannot be read: the exception line says why
        scripts = {os.path.realpath(script.path): script for script in revisions}
        frames = traceback.extract_tb(error.__traceback__)
        for frame in reversed(frames):
            script = scripts.get(os.path.realpath(frame.filename))
            if script is not None:
                doc = f" ({script.doc})" if script.doc else ""
                return f"revision {script.revision}{doc}"
        return ""

    return locate


def _main(argv: list[str]) -> int:
    """Child-process entry: ``python -m dbfleet.migrate alembic INI | python MOD:FUNC``."""
    url = os.environ["DBFLEET_MIGRATE_URL"]
    kind, target = argv
    if kind == "alembic":
        report_failures(_alembic_revision(target))
        from alembic import command
        from alembic.config import Config

        config = Config(target)
        # Stock env.py files read sqlalchemy.url; configparser needs % doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        _announce_alembic_steps(config)
        command.upgrade(config, "head")
        return 0
    report_failures()
    import importlib

    module_name, _, function_name = target.partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    call_builder(function, url)
    return 0


def _announce_alembic_steps(config: Any) -> None:
    """Announce each applied revision, whatever ``env.py`` passes to ``configure``: Alembic
    calls ``on_version_apply`` after each step, and env.py files never set it themselves."""
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    total = sum(1 for _ in ScriptDirectory.from_config(config).walk_revisions())
    done = 0
    configure = EnvironmentContext.configure

    def on_version_apply(*, step: Any, **kwargs: Any) -> None:
        nonlocal done
        done += 1
        revision = step.up_revision
        progress.announce(done, total, getattr(revision, "doc", "") or step.up_revision_id)

    def configured(self: Any, *args: Any, **kwargs: Any) -> Any:
        theirs = kwargs.pop("on_version_apply", ())
        callbacks = [theirs] if callable(theirs) else list(theirs)
        kwargs["on_version_apply"] = [*callbacks, on_version_apply]
        return configure(self, *args, **kwargs)

    EnvironmentContext.configure = configured  # type: ignore[method-assign]


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

    from dbfleet.backends.drivers import async_driver, installed, is_async_driver, sync_driver

    parsed = make_url(url)
    is_async_url = is_async_driver(parsed.drivername)

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
