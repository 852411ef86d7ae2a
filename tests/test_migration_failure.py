"""What the one error line takes from a failed builder's output (pure: no child, no database)."""

from __future__ import annotations

from dbfleet.migrate import FAILED, Failure, _failure

SQLALCHEMY_TRACEBACK = """\
Traceback (most recent call last):
  File "migrate.py", line 3, in <module>
    conn.execute(text("CREATE TABEL x (id int)"))
psycopg.errors.SyntaxError: syntax error at or near "TABEL"

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "migrate.py", line 3, in <module>
    conn.execute(text("CREATE TABEL x (id int)"))
sqlalchemy.exc.ProgrammingError: (psycopg.errors.SyntaxError) syntax error at or near "TABEL"
LINE 1: CREATE TABEL x (id int)
               ^
[SQL: CREATE TABEL x (id int)]
(Background on this error at: https://sqlalche.me/e/20/f405)
"""


def test_a_cmd_builders_traceback_gives_its_last_exception_line_not_the_background_link() -> None:
    assert _failure(1, SQLALCHEMY_TRACEBACK) == Failure(
        'sqlalchemy.exc.ProgrammingError: (psycopg.errors.SyntaxError) syntax error at or near "TABEL"'
    )


def test_the_childs_own_report_wins_and_names_where_it_failed() -> None:
    output = (
        SQLALCHEMY_TRACEBACK + FAILED + '{"exception": "ValueError: bad", "at": "revision 2"}\n'
    )
    assert _failure(1, output) == Failure("ValueError: bad", "revision 2")


def test_a_long_message_is_cut_and_plain_output_gives_its_last_meaningful_line() -> None:
    assert len(_failure(1, "Error: " + "x" * 1000).exception) == 300
    assert _failure(3, "migrate failed for db\n   ^^^\n") == Failure("migrate failed for db")
    assert _failure(-9, "") == Failure("killed by signal 9 (SIGKILL)")
