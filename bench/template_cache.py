"""What the template cache saves: a template migrated, restored from the cache, and reused.

    .venv/bin/python bench/template_cache.py [--backend postgresql|mysql|sqlite] [--repeat 3]
                                             [--apps 30] [--tests-per-app 2] [--workers 2]
                                             [--projects ledger,library,generated] [--server URL]

Part one, per project: ``examples/ledger`` (Alembic, PostgreSQL only), ``examples/library``
(Django) and a generated Django project of ``--apps`` apps with ten migrations each (models with
foreign keys across apps, indexes, a data migration: 300 migrations by default). Each is copied
to a temporary folder and run serially on one of its test files, through dbfleet's own paths,
each repetition in this order:

- ``migrate, no cache``: the template dropped, no ``--dbfleet-template-cache``: built;
- ``migrate``: the template dropped, the cache folder empty: built, then saved to the cache;
- ``restore``: the template dropped, the cache holding its file: restored;
- ``reuse``: the template on the server: reused.

Each figure is the run report's ``provisioning.template_seconds``, with the wall time of the
process beside it; the report's ``template_how`` must say what the step expects.

Part two, on the generated project, the whole suite with ``-n W``: pytest-django alone
(``-p no:dbfleet``: every worker migrates its own database), pytest-django ``--reuse-db`` (warm:
the workers' databases kept), and dbfleet cold (template dropped, no cache), restored (the
cache) and warm (template reused). Each side gets a database name of its own (dbfleet never
drops what pytest-django made). Medians of ``--repeat``; prints two tables and writes
``bench/results/template_cache.json`` (``template_cache_<backend>.json`` for other backends).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from dbfleet.backends import open_backend
from dbfleet.fleet import remove
from dbfleet.jsonfile import write_json
from dbfleet.urls import connectable, redacted

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"

#: The server each backend's projects use (SQLite: files in the temporary folder).
SERVERS = {
    "postgresql": "postgresql://postgres@127.0.0.1:5432",
    "mysql": "mysql://root@127.0.0.1:3306",
}

#: The driver dbfleet's backend opens a server with, per Django URL scheme.
DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql"}

#: Part one's steps: (name, template dropped first, cache used, how the report must say).
STEPS: tuple[tuple[str, bool, bool, str], ...] = (
    ("migrate, no cache", True, False, "built"),
    ("migrate", True, True, "built"),
    ("restore", True, True, "restored"),
    ("reuse", False, True, "reused"),
)


@dataclass(frozen=True)
class Project:
    """A project copied into the temporary folder, and how its runs reach the database."""

    name: str
    path: Path
    framework: str
    migrations: int
    #: The test file part one runs (one file: the template is what is timed).
    one_file: str
    #: The variable the project reads its URL from, and the URL (a base name of its own).
    variable: str
    url: str

    def template_url(self, url: str | None = None) -> URL:
        """Where dbfleet keeps this project's template: the URL's own base for a URL run,
        Django's test database name (``test_`` + name) for a Django one."""
        parsed = make_url(url or self.url)
        if self.framework != "django":
            return parsed
        kind = parsed.get_backend_name()
        if kind == "sqlite":
            path = Path(str(parsed.database))
            return URL.create("sqlite", database=str(path.with_name(f"test_{path.name}")))
        return parsed.set(drivername=DRIVERS[kind], database=f"test_{parsed.database}")

    def environment(self, url: str | None = None) -> dict[str, str]:
        drop = ("DBFLEET_", "PYTEST_", "DATABASE_URL", "DJANGO_", "COV_CORE_", "COVERAGE_")
        env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
        env[self.variable] = url or self.url
        return env


# -- the generated Django project --------------------------------------------------------------

ID_FIELD = (
    '("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, '
    'verbose_name="ID"))'
)

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_initial",
        """migrations.CreateModel(
            name="Item",
            fields=[
                {id},
                ("name", models.CharField(max_length=100)),
            ],
        )""",
    ),
    (
        "0002_item_code",
        'migrations.AddField("item", "code", models.CharField(max_length=32, default=""))',
    ),
    (
        "0003_tag",
        """migrations.CreateModel(
            name="Tag",
            fields=[
                {id},
                ("label", models.CharField(max_length=50)),
                (
                    "item",
                    models.ForeignKey(
                        on_delete=models.CASCADE, related_name="tags", to="{app}.item"
                    ),
                ),
            ],
        )""",
    ),
    (
        "0004_item_name_idx",
        'migrations.AddIndex("item", models.Index(fields=["name"], name="{app}_item_name_idx"))',
    ),
    (
        "0005_item_parent",
        """migrations.AddField(
            "item",
            "parent",
            models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.SET_NULL,
                related_name="+",
                to="{previous}.item",
            ),
        )""",
    ),
    (
        "0006_item_created",
        'migrations.AddField("item", "created", models.DateTimeField(blank=True, null=True))',
    ),
    ("0007_tag_weight", 'migrations.AddField("tag", "weight", models.IntegerField(default=0))'),
    (
        "0008_alter_item_name",
        'migrations.AlterField("item", "name", models.CharField(max_length=200))',
    ),
    (
        "0009_tag_label_idx",
        """migrations.AddIndex(
            "tag", models.Index(fields=["label", "weight"], name="{app}_tag_label_idx")
        )""",
    ),
    ("0010_seed", "migrations.RunPython(seed, migrations.RunPython.noop)"),
)

MIGRATION = """from django.db import migrations, models
{seed}

class Migration(migrations.Migration):
    dependencies = {dependencies!r}
    operations = [
        {operation},
    ]
"""

SEED = """

def seed(apps, schema_editor):
    Item = apps.get_model("{app}", "Item")
    Tag = apps.get_model("{app}", "Tag")
    for number in range(3):
        item = Item.objects.create(name=f"seeded {{number}}", code=str(number))
        Tag.objects.create(label="seeded", weight=number, item=item)
"""

MODELS = """from django.db import models


class Item(models.Model):
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=32, default="")
    parent = models.ForeignKey(
        "{previous}.Item", blank=True, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(blank=True, null=True)

    class Meta:
        indexes = [models.Index(fields=["name"], name="{app}_item_name_idx")]


class Tag(models.Model):
    label = models.CharField(max_length=50)
    weight = models.IntegerField(default=0)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="tags")

    class Meta:
        indexes = [models.Index(fields=["label", "weight"], name="{app}_tag_label_idx")]
"""

TESTS = (
    """def test_the_data_migration_seeded_{number}():
    assert Item.objects.filter(name__startswith="seeded").count() == 3
""",
    """def test_tags_follow_their_item_{number}():
    parent = Item._meta.get_field("parent").related_model.objects.first()
    item = Item.objects.create(name="new", parent=parent)
    Tag.objects.create(label="fresh", weight=2, item=item)
    assert list(item.tags.values_list("label", flat=True)) == ["fresh"]
""",
    """def test_the_label_index_serves_a_filter_{number}():
    assert Tag.objects.filter(label="seeded", weight__gte=1).count() == 2
""",
)

SETTINGS = """import dj_database_url

SECRET_KEY = "generated-bench-project-not-a-secret"
INSTALLED_APPS = {apps!r}
DATABASES = {{"default": dj_database_url.config(conn_max_age=0)}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
"""


def generate_django(folder: Path, apps: int, tests_per_app: int) -> int:
    """A Django project of ``apps`` apps, ten migrations each, every app's items pointing at the
    previous app's; returns the number of migrations."""
    names = [f"app{index:02d}" for index in range(apps)]
    (folder / "big").mkdir(parents=True)
    (folder / "big" / "__init__.py").write_text("")
    (folder / "big" / "settings.py").write_text(SETTINGS.format(apps=names))
    (folder / "pytest.ini").write_text(
        "[pytest]\nDJANGO_SETTINGS_MODULE = big.settings\npythonpath = .\ntestpaths = tests\n"
        "addopts = -p no:cacheprovider -p no:randomly -p no:asyncio\n"
    )
    (folder / "tests").mkdir()
    (folder / "tests" / "__init__.py").write_text("")
    for index, app in enumerate(names):
        previous = names[index - 1] if index else app
        package = folder / app
        (package / "migrations").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "migrations" / "__init__.py").write_text("")
        (package / "models.py").write_text(MODELS.format(app=app, previous=previous))
        before: str | None = None
        for name, operation in MIGRATIONS:
            dependencies = [(app, before)] if before else []
            if "{previous}" in operation and previous != app:
                dependencies.append((previous, "0001_initial"))
            text = MIGRATION.format(
                seed=SEED.format(app=app) if "seed" in name else "",
                dependencies=dependencies,
                operation=operation.format(id=ID_FIELD, app=app, previous=previous),
            )
            (package / "migrations" / f"{name}.py").write_text(text)
            before = name
        body = "".join(
            "\n\n" + TESTS[number % len(TESTS)].format(number=number)
            for number in range(tests_per_app)
        )
        (folder / "tests" / f"test_{app}.py").write_text(
            f"import pytest\n\nfrom {app}.models import Item, Tag\n\n"
            f"pytestmark = pytest.mark.django_db\n{body}"
        )
    return apps * len(MIGRATIONS)


# -- the runs ----------------------------------------------------------------------------------


def drop_template(project: Project, url: str | None = None) -> None:
    """What ``dbfleet drop --templates`` removes for the project's base: its templates (and any
    worker database a run left), so that the next run has none to reuse."""
    backend = open_backend(project.template_url(url))
    try:
        remove(backend, base=backend.base_name, templates=True, dry_run=False)
    finally:
        backend.close()


def run_pytest(
    project: Project, args: Sequence[str], url: str | None = None, dbfleet: bool = True
) -> dict[str, Any]:
    """One pytest process in the project, timed around the process, with its run report."""
    with tempfile.TemporaryDirectory(prefix="dbfleet-tc-report-") as tmp:
        report = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "pytest", "-q", *args]
        if dbfleet:
            command.append(f"--dbfleet-report={report}")
        started = time.perf_counter()
        done = subprocess.run(
            command,
            cwd=project.path,
            env=project.environment(url),
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
        data = json.loads(report.read_text()) if report.exists() else {}
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-8:]
        raise SystemExit(
            f"template_cache.py: pytest {' '.join(args)} in {project.name} exited "
            f"{done.returncode}:\n" + "\n".join(tail)
        )
    provisioning = data.get("provisioning") or {}
    return {
        "wall_seconds": round(wall, 3),
        "template_seconds": provisioning.get("template_seconds"),
        "template_how": provisioning.get("template_how"),
        "template_cache_note": provisioning.get("template_cache_note") or "",
        "summary": lines[-1] if lines else "",
    }


def _median(values: Sequence[float | None]) -> float | None:
    found = [value for value in values if value is not None]
    return round(statistics.median(found), 3) if found else None


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def measure_template(project: Project, cache: Path, repeat: int) -> dict[str, Any]:
    """Part one for one project: every step of ``STEPS``, ``repeat`` times, in order."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _, _ in STEPS}
    problems: list[str] = []
    for index in range(repeat):
        shutil.rmtree(cache, ignore_errors=True)
        for name, dropped, cached, expected in STEPS:
            if dropped:
                drop_template(project)
            args = [project.one_file]
            if cached:
                args.append(f"--dbfleet-template-cache={cache}")
            result = run_pytest(project, args)
            runs[name].append(result)
            if result["template_how"] != expected:
                problems.append(
                    f"{project.name}, {name}: the template was {result['template_how']}, "
                    f"not {expected} {result['template_cache_note']}".rstrip()
                )
            seconds = result["template_seconds"]
            _progress(
                f"[{index + 1}/{repeat}] {project.name:9} {name:17} template "
                f"{seconds if seconds is not None else '-'}s ({result['template_how']}), "
                f"wall {result['wall_seconds']:.2f}s"
            )
    drop_template(project)
    steps = {
        name: {
            "template_seconds": _median([r["template_seconds"] for r in results]),
            "wall_seconds": _median([r["wall_seconds"] for r in results]),
            "template_how": sorted({str(r["template_how"]) for r in results}),
        }
        for name, results in runs.items()
    }
    cache_files = sorted(path.name for path in cache.glob("*") if path.is_file())
    size = sum(path.stat().st_size for path in cache.glob("*") if path.is_file())
    return {
        "framework": project.framework,
        "migrations": project.migrations,
        "test_file": project.one_file,
        "steps": steps,
        "cache_bytes": size,
        "cache_files": cache_files,
        "problems": problems,
        "runs": runs,
    }


def measure_parallel(project: Project, cache: Path, workers: int, repeat: int) -> dict[str, Any]:
    """Part two: the whole generated suite under ``-n W``, pytest-django alone against dbfleet.

    Each side runs on its own database name: pytest-django's ``test_<name>_gwN`` are not
    dbfleet's to drop, and ``--reuse-db`` must find only its own kept databases."""
    parallel = ["-n", str(workers)]
    base = make_url(project.url)

    def named(suffix: str) -> str:
        if base.get_backend_name() == "sqlite":
            path = Path(str(base.database))
            return str(base.set(database=str(path.with_name(f"{path.stem}_{suffix}.sqlite3"))))
        return str(base.set(database=f"{base.database}_{suffix}"))

    plain, reuse, fleet = named("django"), named("reuse"), named("fleet")
    cache_arg = f"--dbfleet-template-cache={cache}"
    Prepare = Callable[[], None]

    def nothing() -> None:
        return None

    def cold() -> None:
        drop_template(project, fleet)

    modes: dict[str, tuple[Prepare, list[str], str, bool, str | None]] = {
        "pytest-django": (nothing, ["-p", "no:dbfleet"], plain, False, None),
        "pytest-django --reuse-db": (
            nothing,
            ["-p", "no:dbfleet", "--reuse-db"],
            reuse,
            False,
            None,
        ),
        "dbfleet cold": (cold, [], fleet, True, "built"),
        "dbfleet restored": (cold, [cache_arg], fleet, True, "restored"),
        "dbfleet warm": (nothing, [], fleet, True, "reused"),
    }
    _progress("untimed: pytest-django --reuse-db's databases kept, the template cache filled")
    run_pytest(project, [*parallel, "-p", "no:dbfleet", "--reuse-db"], reuse, dbfleet=False)
    shutil.rmtree(cache, ignore_errors=True)
    drop_template(project, fleet)
    run_pytest(project, [project.one_file, cache_arg], fleet)
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
    problems: list[str] = []
    try:
        for index in range(repeat):
            for mode, (prepare, extra, url, dbfleet, expected) in modes.items():
                prepare()
                result = run_pytest(project, [*parallel, *extra], url, dbfleet=dbfleet)
                runs[mode].append(result)
                if expected is not None and result["template_how"] != expected:
                    problems.append(
                        f"{mode}: the template was {result['template_how']}, not {expected}"
                    )
                _progress(
                    f"[{index + 1}/{repeat}] -n {workers} {mode:25} wall "
                    f"{result['wall_seconds']:.2f}s  {result['summary']}"
                )
    finally:
        drop_template(project, fleet)
        _drop_django_databases(project, reuse)
    return {
        "workers": workers,
        "migrations": project.migrations,
        "modes": {
            mode: {
                "wall_seconds": _median([r["wall_seconds"] for r in results]),
                "template_seconds": _median([r["template_seconds"] for r in results]),
                "summary": results[-1]["summary"] if results else "",
            }
            for mode, results in runs.items()
        },
        "problems": problems,
        "runs": runs,
    }


def _drop_django_databases(project: Project, url: str) -> None:
    """The databases pytest-django's ``--reuse-db`` kept (``test_<name>_gwN``): unmarked, so
    dropped here through the server, as their owner would."""
    parsed = project.template_url(url)
    if parsed.get_backend_name() == "sqlite":
        return  # files in the temporary folder
    prefix = str(parsed.database)
    if parsed.get_backend_name() == "postgresql":
        import psycopg
        from psycopg import sql

        from dbfleet.backends.postgres.server import connect_kwargs

        with psycopg.connect(**connect_kwargs(parsed, "postgres"), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (prefix + "_gw%",)
            ).fetchall()
            for (name,) in rows:
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        return
    import pymysql

    conn = pymysql.connect(
        host=parsed.host,
        port=parsed.port or 3306,
        user=parsed.username,
        password=str(parsed.password or ""),
        autocommit=True,
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW DATABASES LIKE %s", (prefix + "\\_gw%",))
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP DATABASE `{name.replace('`', '``')}`")
    finally:
        conn.close()


# -- the projects ------------------------------------------------------------------------------


def _url(backend: str, server: str | None, folder: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / name}.sqlite3"
    # The server's URL may name a database (the maintenance one): the project's replaces it.
    return connectable(make_url(server or SERVERS[backend]).set(database=name))


def projects(
    names: Sequence[str],
    backend: str,
    server: str | None,
    tmp: Path,
    apps: int,
    per_app: int,
    prefix: str = "tcbench",
) -> tuple[list[Project], list[str]]:
    """The projects of ``names`` copied or generated under ``tmp``; with what was skipped."""
    found: list[Project] = []
    skipped: list[str] = []
    ignore = shutil.ignore_patterns("*.sqlite3", ".dbfleet", "__pycache__", ".pytest_cache")
    for name in names:
        folder = tmp / name
        if name == "ledger":
            if backend != "postgresql":
                skipped.append("ledger: its app runs on PostgreSQL (asyncpg) only")
                continue
            shutil.copytree(ROOT / "examples" / "ledger", folder, ignore=ignore)
            url = _url(backend, server, tmp, f"{prefix}_ledger")
            url = connectable(make_url(url).set(drivername="postgresql+asyncpg"))
            migrations = len(list((folder / "migrations" / "versions").glob("*.py")))
            found.append(
                Project(
                    name, folder, "alembic", migrations, "tests/test_health.py", "DBFLEET_URL", url
                )
            )
        elif name == "library":
            shutil.copytree(ROOT / "examples" / "library", folder, ignore=ignore)
            migrations = len(list(folder.glob("*/migrations/0*.py")))
            url = _url(backend, server, folder, f"{prefix}_library")
            found.append(
                Project(
                    name,
                    folder,
                    "django",
                    migrations,
                    "tests/test_catalog_models.py",
                    "DATABASE_URL",
                    url,
                )
            )
        elif name == "generated":
            migrations = generate_django(folder, apps, per_app)
            url = _url(backend, server, folder, f"{prefix}_generated")
            found.append(
                Project(
                    name, folder, "django", migrations, "tests/test_app00.py", "DATABASE_URL", url
                )
            )
        else:
            raise SystemExit(f"template_cache.py: unknown project {name!r}")
    return found, skipped


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--backend", choices=("postgresql", "mysql", "sqlite"), default="postgresql"
    )
    parser.add_argument("--server", help="the server's URL (default: the local one)")
    parser.add_argument("--projects", default="ledger,library,generated")
    parser.add_argument("--apps", type=int, default=30, help="generated apps (10 migrations each)")
    parser.add_argument("--tests-per-app", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-parallel", action="store_true", help="part one only")
    parser.add_argument(
        "--prefix", default="tcbench", help="database names start with it (Django's: test_)"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    suffix = "" if args.backend == "postgresql" else f"_{args.backend}"
    out: Path = args.out or RESULTS / f"template_cache{suffix}.json"

    with tempfile.TemporaryDirectory(prefix="dbfleet-template-cache-bench-") as scratch:
        tmp = Path(scratch)
        found, skipped = projects(
            args.projects.split(","),
            args.backend,
            args.server,
            tmp,
            args.apps,
            args.tests_per_app,
            args.prefix,
        )
        for reason in skipped:
            _progress(f"skipped {reason}")
        templates: dict[str, Any] = {}
        for project in found:
            _progress(f"== {project.name}: {project.framework}, {project.migrations} migrations")
            templates[project.name] = measure_template(
                project, tmp / "cache" / project.name, args.repeat
            )
        generated = next((p for p in found if p.name == "generated"), None)
        parallel = None
        if generated is not None and not args.no_parallel:
            _progress(f"== {generated.name}: the suite with -n {args.workers}")
            parallel = measure_parallel(
                generated, tmp / "cache" / "parallel", args.workers, args.repeat
            )

    problems = [p for data in templates.values() for p in data["problems"]]
    problems += parallel["problems"] if parallel else []
    data = {
        "schema": "dbfleet-bench-template-cache/1",
        "command": "python bench/template_cache.py " + " ".join(_shown(argv, args.server)),
        "backend": args.backend,
        "server": _server_version(args.backend, args.server),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "repeat": args.repeat,
        "apps": args.apps,
        "skipped": skipped,
        "templates": templates,
        "parallel": parallel,
        "problems": problems,
    }
    write_json(out, data)
    _print(templates, parallel)
    for problem in problems:
        print(f"problem: {problem}")
    print(f"json: {out}")
    return 1 if problems else 0


def _shown(argv: Sequence[str] | None, server: str | None) -> list[str]:
    """The command's arguments, a password in ``--server`` masked."""
    words = list(sys.argv[1:] if argv is None else argv)
    if not server:
        return words
    masked = redacted(make_url(server))
    return [word.replace(server, masked) for word in words]


def _server_version(backend: str, server: str | None) -> str:
    if backend == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    url = make_url(server or SERVERS[backend]).set(database="tcbench_version")
    opened = open_backend(url.set(drivername=DRIVERS[backend]))
    try:
        return str(opened.server_version())
    finally:
        opened.close()


def _print(templates: dict[str, Any], parallel: dict[str, Any] | None) -> None:
    print()
    header = "".join(f" {name} s |" for name, _, _, _ in STEPS)
    print(f"| project | migrations |{header} cache file |")
    print("|---|---:|" + "---:|" * (len(STEPS) + 1))
    for name, data in templates.items():
        cells = []
        for step, _, _, _ in STEPS:
            seconds = data["steps"][step]["template_seconds"]
            cells.append(f"{seconds:.2f}" if seconds is not None else "-")
        size = f"{data['cache_bytes'] / 1024:.0f} KiB"
        row = [f"{name} ({data['framework']})", str(data["migrations"]), *cells, size]
        print(f"| {' | '.join(row)} |")
    print("\n(template seconds from the run report, medians; wall times are in the JSON)")
    if parallel is None:
        return
    print()
    print(
        f"| whole suite, -n {parallel['workers']} ({parallel['migrations']} migrations) | wall s |"
    )
    print("|---|---:|")
    for mode, row in parallel["modes"].items():
        wall = row["wall_seconds"]
        print(f"| {mode} | {wall:.2f} |" if wall is not None else f"| {mode} | - |")


if __name__ == "__main__":
    sys.exit(main())
