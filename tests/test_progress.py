"""Progress of a long template build: a live line on a terminal, plain lines in a log, and
nothing for work under a second. The clock is the test's, so nothing here depends on timing."""

from __future__ import annotations

import pytest

from dbfleet.progress import Progress, step_of
from support import run


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_is_shown_for_work_under_a_second() -> None:
    clock, out = Clock(), []
    progress = Progress("building template t", out.append, tty=False, clock=clock)
    clock.now += 0.5
    progress.update(1, 3, "first")
    progress.finish()
    assert out == []


def test_a_log_gets_a_line_per_step_at_most_every_two_seconds_and_a_heartbeat() -> None:
    clock, out = Clock(), []
    progress = Progress("building template t", out.append, tty=False, clock=clock)
    clock.now += 1.1
    progress.update(1, 3, "first")
    clock.now += 0.5
    progress.update(2, 3, "second")  # too soon after the last line: shown with the next one
    clock.now += 1.6
    progress.tick()
    clock.now += 5
    progress.tick()  # nothing new, and no heartbeat due yet
    clock.now += 10
    progress.tick()
    progress.finish()
    assert out == [
        "dbfleet: building template t: 1/3 done (first), 1s\n",
        "dbfleet: building template t: 2/3 done (second), 3s\n",
        "dbfleet: building template t: 2/3 done (second), 18s\n",
    ]


def test_a_log_that_showed_the_work_ends_with_where_it_ended() -> None:
    clock, out = Clock(), []
    progress = Progress("building template t", out.append, tty=False, clock=clock)
    clock.now += 1.4
    progress.tick()
    clock.now += 0.5
    progress.update(3, 3, "last")  # too soon for a line of its own
    progress.finish()
    assert out == [
        "dbfleet: building template t: 1s\n",
        "dbfleet: building template t: 3/3 done (last), 2s\n",
    ]


def test_a_terminal_gets_one_live_line_cleared_at_the_end() -> None:
    clock, out = Clock(), []
    progress = Progress("building template t", out.append, tty=True, clock=clock)
    clock.now += 2
    progress.update(5, 272, "shop.0005_price")
    progress.tick()
    progress.finish()
    live = "\rdbfleet: building template t: 5/272 done (shop.0005_price), 2s\x1b[K"
    assert out == [live, live, "\r\x1b[K"]


def test_only_step_lines_are_steps() -> None:
    assert step_of('DBFLEET-STEP {"done": 2, "total": 9, "name": "x"}\n') == (2, 9, "x")
    assert step_of("DBFLEET-STEP not json\n") is None
    assert step_of("INFO  [alembic.runtime.migration] Running upgrade\n") is None


REVISION = """
import time
from alembic import op

revision = "{rev}"
down_revision = {down!r}
\"\"\"step {rev}\"\"\"


def upgrade():
    time.sleep(0.7)
    op.execute("CREATE TABLE t{rev} (id integer)")
"""


def test_an_alembic_build_shows_its_revisions_as_it_goes(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\ndbfleet_migrate = alembic\n")
    project.makefile(
        ".ini",
        alembic="[alembic]\nscript_location = %(here)s/migrations\n"
        "sqlalchemy.url = postgresql://nobody@invalid/never\n",
    )
    versions = project.mkdir("migrations") / "versions"
    versions.mkdir()
    (project.path / "migrations" / "env.py").write_text(
        "from alembic import context\n"
        "from sqlalchemy import create_engine\n"
        "url = context.config.get_main_option('sqlalchemy.url')\n"
        "with create_engine(url).connect() as connection:\n"
        "    context.configure(connection=connection, target_metadata=None)\n"
        "    with context.begin_transaction():\n"
        "        context.run_migrations()\n"
    )
    for index, down in ((1, None), (2, "1"), (3, "2")):
        text = REVISION.format(rev=index, down=down)
        (versions / f"000{index}_step.py").write_text(text)
    project.makepyfile(test_it="def test_it(dbfleet_url):\n    pass\n")
    result = run(project)
    result.assert_outcomes(passed=1)
    # However the steps fall in time, the log ends with the state the build ended in.
    result.stdout.fnmatch_lines(["dbfleet: building template *: 3/3 done (*), *s"])
    assert "DBFLEET-STEP" not in result.stdout.str()
    # Warm: nothing to show.
    assert "building template" not in run(project).stdout.str()
