"""pytest-django alone against pytest-django with dbfleet, on the Django example, ``-n 2``.

    .venv/bin/python bench/django_suite.py [--repeat 3] [--workers 2] [--url URL]

Works on a copy of ``examples/library`` in a temporary folder, against the PostgreSQL at
``--url`` (default ``postgresql://postgres@127.0.0.1:5432/library_bench``; its test databases
are ``test_library_bench*``, dropped at the end). After one untimed run of each side that leaves
what a warm run finds, every repetition runs, interleaved:

- ``pytest-django``: ``-p no:dbfleet``, what a team without dbfleet runs: every worker creates
  ``test_<name>_gwN`` and runs every migration into it, then drops it;
- ``pytest-django --reuse-db``: the workers' databases kept from the last run, ``migrate``
  finding nothing (or only what is new) to apply;
- ``dbfleet (warm)``: the template reused, every worker's database a clone of it;
- ``dbfleet (migration edit)``: a new migration file first, so the template is rebuilt once.

Every run is timed around the process; a probe plugin (``bench/django_probe.py``) times each
worker's ``django_db_setup`` (the database being ready, whoever provides it) and counts the
migrations the worker's process ran; JUnit XML gives every test's outcome, compared across runs.

Then the stale-schema trap: a migration edited in place (a new column, as when a branch changes
a migration before it is merged) is invisible to ``--reuse-db``, whose ``migrate`` sees the
migration's name as applied, while dbfleet's fingerprint changes and the template is rebuilt.
Prints a table and writes ``bench/results/django.json``.
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
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "library"
RESULTS = ROOT / "bench" / "results" / "django.json"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/library_bench"

MODES = {
    "pytest-django": ["-p", "no:dbfleet"],
    "pytest-django --reuse-db": ["-p", "no:dbfleet", "--reuse-db"],
    "dbfleet (warm)": [],
    "dbfleet (migration edit)": [],
}

#: A migration that changes nothing but the fingerprint: the cheapest honest "edit".
NOOP_MIGRATION = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reviews", "{previous}")]
    operations = [migrations.RunSQL("SELECT 1", "SELECT 1")]
"""


def _run(project: Path, url: str, workers: int, args: list[str], probe: Path) -> dict[str, Any]:
    # Each side gets a base name of its own: a run of pytest-django without --reuse-db drops
    # the databases --reuse-db keeps, and dbfleet refuses those (unmarked, not its to drop).
    if "--reuse-db" in args:
        url = f"{url}_reuse"
    elif "no:dbfleet" not in args:
        url = f"{url}_dbfleet"
    shutil.rmtree(probe, ignore_errors=True)
    probe.mkdir(parents=True)
    junit = probe / "junit.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBFLEET_", "PYTEST_"))}
    env.update(
        DATABASE_URL=url,
        DJANGO_BENCH_PROBE=str(probe),
        PYTHONPATH=os.pathsep.join([str(ROOT / "bench"), env.get("PYTHONPATH", "")]),
    )
    command = [sys.executable, "-m", "pytest", "-q", "-n", str(workers), "-p", "django_probe"]
    command += [f"--junitxml={junit}", *args]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    workers_seen = [json.loads(path.read_text()) for path in sorted(probe.glob("gw*.json"))]
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    return {
        "wall_seconds": round(wall, 3),
        "returncode": done.returncode,
        "summary": summary,
        "ready_seconds": [round(item["seconds"], 3) for item in workers_seen],
        "worker_migrations": [item["migrations"] for item in workers_seen],
        "dbfleet": [line for line in done.stdout.splitlines() if line.startswith("django: ")],
        "outcomes": _outcomes(junit),
    }


def _outcomes(junit: Path) -> dict[str, str]:
    if not junit.exists():
        return {}
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = {child.tag for child in case}
        outcome = next((k for k in ("failure", "error", "skipped") if k in kinds), "passed")
        found[f"{case.get('classname')}::{case.get('name')}"] = outcome
    return found


def _add_noop_migration(project: Path, index: int) -> None:
    folder = project / "reviews" / "migrations"
    previous = sorted(path.stem for path in folder.glob("0*.py"))[-1]
    number = int(previous[:4]) + 1
    (folder / f"{number:04d}_bench_{index}.py").write_text(NOOP_MIGRATION.format(previous=previous))


def _edit_last_migration_in_place(project: Path) -> str:
    """Add a column to the newest ``reviews`` migration and its model: the edit a branch makes
    to a migration that ``--reuse-db``'s databases already recorded as applied."""
    folder = project / "reviews" / "migrations"
    newest = sorted(folder.glob("0*.py"))[-1]
    text = newest.read_text()
    marker = "operations = ["
    assert marker in text, newest
    addition = 'migrations.AddField("review", "bench_flag", models.BooleanField(default=False)),'
    text = text.replace(marker, marker + "\n        " + addition, 1)
    if "import migrations, models" not in text:
        text = text.replace("import migrations", "import migrations, models", 1)
    newest.write_text(text)
    models = project / "reviews" / "models.py"
    source = models.read_text()
    anchor = "class Review(models.Model):\n"
    assert anchor in source, "reviews.models has no Review model to extend"
    models.write_text(
        source.replace(anchor, anchor + "    bench_flag = models.BooleanField(default=False)\n", 1)
    )
    (project / "tests" / "test_bench_schema.py").write_text(
        "import pytest\nfrom django.db import connection\n\n\n"
        "@pytest.mark.django_db\n"
        "def test_the_edited_migrations_column_exists():\n"
        "    with connection.cursor() as cursor:\n"
        "        table = connection.introspection.get_table_description(cursor, 'reviews_review')\n"
        "    assert 'bench_flag' in [column.name for column in table]\n"
    )
    return newest.name


def _drop_test_databases(url: str) -> None:
    """Drop every ``test_<base>*`` database: pytest-django's kept ones and dbfleet's."""
    parsed = make_url(url)
    prefix = f"test_{parsed.database}"
    with psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname="postgres", autocommit=True
    ) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (prefix + "%",)
        ).fetchall()
        for (name,) in rows:
            ident = sql.Identifier(name)
            conn.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(ident))
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(ident))


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3) if values else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    _drop_test_databases(args.url)
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="dbfleet-django-bench-") as tmp:
        project = Path(tmp) / "library"
        shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("*.sqlite3", ".dbfleet"))
        probe = Path(tmp) / "probe"
        try:
            # Untimed: what a warm run finds (kept databases, a built template).
            for mode in ("pytest-django --reuse-db", "dbfleet (warm)"):
                _run(project, args.url, args.workers, MODES[mode], probe)
            for index in range(args.repeat):
                for mode, extra in MODES.items():
                    if mode == "dbfleet (migration edit)":
                        _add_noop_migration(project, index)
                    result = _run(project, args.url, args.workers, extra, probe)
                    runs[mode].append(result)
                    print(f"{mode:28} {result['wall_seconds']:7.2f}s  {result['summary']}")
            stale = _stale_schema(project, args.url, args.workers, probe)
        finally:
            _drop_test_databases(args.url)

    baseline = set(runs["pytest-django"][0]["outcomes"].items())
    # dbfleet's every run gives every test the outcome pytest-django alone gives it.
    identical = bool(baseline) and all(
        set(result["outcomes"].items()) == baseline
        for mode, results in runs.items()
        if mode.startswith(("dbfleet", "pytest-django")) and "--reuse-db" not in mode
        for result in results
    )
    # --reuse-db is what teams run to skip the migrations; whether it changes outcomes is a
    # finding, not a failure of the bench.
    reuse_differs = sorted(
        {
            case
            for result in runs["pytest-django --reuse-db"]
            for case, outcome in result["outcomes"].items()
            if (case, outcome) not in baseline
        }
    )
    table = {
        mode: {
            "wall_seconds_median": _median([r["wall_seconds"] for r in results]),
            "wall_seconds": [r["wall_seconds"] for r in results],
            "ready_seconds_per_worker_median": _median(
                [value for r in results for value in r["ready_seconds"]]
            ),
            "migrations_per_worker": sorted({m for r in results for m in r["worker_migrations"]}),
            "tests": len(results[0]["outcomes"]),
            "summary": results[-1]["summary"],
            "dbfleet": results[-1]["dbfleet"],
        }
        for mode, results in runs.items()
    }
    migrate_ready = table["pytest-django"]["ready_seconds_per_worker_median"]
    clone_ready = table["dbfleet (warm)"]["ready_seconds_per_worker_median"]
    data = {
        "bench": "django",
        "command": "python bench/django_suite.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "server": make_url(args.url).render_as_string(hide_password=True),
        "workers": args.workers,
        "repeat": args.repeat,
        "modes": table,
        "ready_speedup_clone_vs_migrate": round(migrate_ready / clone_ready, 1)
        if clone_ready
        else None,
        "identical_outcomes": identical,
        "reuse_db_differs": reuse_differs,
        "stale_schema": stale,
        "runs": runs,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(data, indent=2) + "\n")
    _print(table, data)
    return 0 if identical else 1


def _stale_schema(project: Path, url: str, workers: int, probe: Path) -> dict[str, Any]:
    """Both sides after a migration is edited in place, each from a warm start."""
    _run(project, url, workers, MODES["pytest-django --reuse-db"], probe)
    _run(project, url, workers, MODES["dbfleet (warm)"], probe)
    edited = _edit_last_migration_in_place(project)
    reuse = _run(project, url, workers, MODES["pytest-django --reuse-db"], probe)
    fleet = _run(project, url, workers, MODES["dbfleet (warm)"], probe)
    fresh = _run(project, url, workers, MODES["pytest-django"], probe)

    def brief(result: dict[str, Any]) -> dict[str, Any]:
        failed = sorted(k for k, v in result["outcomes"].items() if v in ("failure", "error"))
        return {
            "summary": result["summary"],
            "failed": len(failed),
            "first_failed": failed[:3],
            "worker_migrations": result["worker_migrations"],
            "dbfleet": result["dbfleet"],
        }

    return {
        "edited": f"reviews/migrations/{edited} (+ a column, model and a test of it)",
        "pytest-django --reuse-db": brief(reuse),
        "dbfleet": brief(fleet),
        "pytest-django (no reuse)": brief(fresh),
    }


def _print(table: dict[str, dict[str, Any]], data: dict[str, Any]) -> None:
    print()
    print(
        f"| mode (-n {data['workers']}) | wall s (median) | db ready per worker s "
        "| migrations per worker |"
    )
    print("|---|---:|---:|---:|")
    for mode, row in table.items():
        migrations = ", ".join(map(str, row["migrations_per_worker"]))
        print(
            f"| {mode} | {row['wall_seconds_median']:.2f} | "
            f"{row['ready_seconds_per_worker_median']:.3f} | {migrations} |"
        )
    print(
        f"\nper-worker ready, clone vs migrate: {data['ready_speedup_clone_vs_migrate']}x; "
        f"identical outcomes: {data['identical_outcomes']}"
    )
    for side, result in data["stale_schema"].items():
        if isinstance(result, dict):
            print(f"stale schema, {side}: {result['summary']}")


if __name__ == "__main__":
    sys.exit(main())
