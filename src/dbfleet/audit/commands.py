"""The test commands a ``run:`` script runs, read by simple shell parsing (nothing executes).

A script is cut into commands at newlines and at ``&&``, ``||``, ``;`` and ``|``; leading
``VAR=value`` assignments and wrappers (``env``, ``time``, ``uv run``, ``poetry run``, ``coverage
run -m``…) are taken off. What is left is a test command when it runs pytest, or a task runner
that leads to the suite (``make test``, ``tox``, ``nox``, ``npm test``, ``moon run …``), or it
matches a ``--test-command`` pattern. Each gets a key: two steps with one key run the same tests.
For pytest the key is the selection (paths, ``-m``, ``-k``), not how it is run (``-n``,
``--cov``, reports), so ``pytest -n auto --cov`` and ``python -m pytest`` are the same suite.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

#: Operators that end one command and start the next.
SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")"})

#: Words put in front of the real command that do not change what it runs.
WRAPPERS = {
    ("env",): 1,
    ("time",): 1,
    ("exec",): 1,
    ("xvfb-run",): 1,
    ("uv", "run"): 2,
    ("poetry", "run"): 2,
    ("pdm", "run"): 2,
    ("pipenv", "run"): 2,
    ("hatch", "run"): 2,
    ("rye", "run"): 2,
}

#: pytest options that take a value and change only how the tests run, not which.
RUN_OPTIONS_WITH_VALUE = frozenset(
    {
        "-n",
        "--numprocesses",
        "--dist",
        "--maxprocesses",
        "-p",
        "--tb",
        "-r",
        "--durations",
        "--junitxml",
        "--junit-xml",
        "--cov",
        "--cov-report",
        "--cov-config",
        "--cov-fail-under",
        "--basetemp",
        "-c",
        "--rootdir",
        "-o",
        "--override-ini",
        "-W",
        "--log-level",
        "--dbfleet-report",
        "--dbfleet-html",
        "--dbfleet-durations",
        "--dbfleet-shard-plan",
        "--splitting-algorithm",
        "--durations-path",
        "--timeout",
        "--reruns",
        "--color",
    }
)

#: Options that select a part of the suite: a CI shard, or pytest-split's / pytest-shard's.
SHARD_OPTIONS = ("--dbfleet-shard", "--group", "--shard-id")


@dataclass(frozen=True)
class TestCommand:
    """One test command in a ``run:`` script."""

    __test__ = False  # not a pytest test class

    text: str
    key: str
    line: int
    runner: str
    #: Paths, ``-m`` and ``-k`` it selects (pytest only; empty: the whole suite).
    selection: tuple[str, ...] = ()
    #: The value of a shard option (``--dbfleet-shard ${{ matrix.shard }}``), if any.
    shard: str | None = None
    #: ``-n N`` when N is a number: the estimate of minutes lost divides by it.
    workers: int | None = None
    #: The folder an earlier ``cd`` in the same script moved to ("" if none).
    directory: str = ""


def commands_in(script: str, first_line: int, patterns: Iterable[str] = ()) -> list[TestCommand]:
    """The test commands of one ``run:`` script, each with the line it starts on."""
    compiled = [re.compile(pattern) for pattern in patterns]
    found = []
    directory = ""
    for line, text in _logical_lines(script, first_line):
        for words in _commands(text):
            if words[:1] == ["cd"]:
                directory = words[1] if len(words) > 1 else ""
                continue
            command = _test_command(words, line, compiled)
            if command is not None:
                found.append(dataclasses.replace(command, directory=directory))
    return found


def _logical_lines(script: str, first_line: int) -> list[tuple[int, str]]:
    """Script lines with backslash continuations joined, each with its first line number."""
    joined: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for offset, raw in enumerate(script.splitlines()):
        line = first_line + offset
        if pending is not None:
            line, raw = pending[0], pending[1] + " " + raw.strip()
        if raw.rstrip().endswith("\\"):
            pending = (line, raw.rstrip()[:-1])
            continue
        pending = None
        joined.append((line, raw))
    if pending is not None:
        joined.append(pending)
    return joined


#: A GitHub expression, ``${{ matrix.shard }}``: one word for the shell, whatever its spaces.
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _commands(text: str) -> list[list[str]]:
    text = EXPRESSION.sub(lambda match: "${{" + match.group(1).replace(" ", "") + "}}", text)
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError:  # an unbalanced quote: read the line word by word
        tokens = text.split()
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token in SEPARATORS:
            commands.append([])
        else:
            commands[-1].append(token)
    return [_unwrapped(words) for words in commands if words]


def _unwrapped(words: list[str]) -> list[str]:
    changed = True
    while words and changed:
        changed = False
        while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
            words, changed = words[1:], True
        for prefix, size in WRAPPERS.items():
            if tuple(words[: len(prefix)]) == prefix:
                words, changed = words[size:], True
                # Their own flags (uv run --frozen, xvfb-run -a) come before the command.
                while words and words[0].startswith("-"):
                    words = words[1:]
        if words[:3] == ["coverage", "run", "-m"]:
            words, changed = ["python", "-m", *words[3:]], True
    return words


def _test_command(
    words: list[str], line: int, patterns: list[re.Pattern[str]]
) -> TestCommand | None:
    if not words:
        return None
    text = " ".join(words)
    program = words[0].rsplit("/", 1)[-1]
    if program in ("pytest", "py.test"):
        return _pytest(words[1:], text, line)
    if re.fullmatch(r"python[0-9.]*", program) and words[1:3] == ["-m", "pytest"]:
        return _pytest(words[3:], text, line)
    if re.fullmatch(r"python[0-9.]*", program) and words[1:3] in (["-m", "tox"], ["-m", "nox"]):
        return TestCommand(text, " ".join(words[2:]), line, words[2])
    runner = _task_runner(program, words)
    if runner is not None:
        return TestCommand(text, " ".join([program, *words[1:]]), line, runner)
    if any(pattern.search(text) for pattern in patterns):
        return TestCommand(text, text, line, "custom")
    return None


def _task_runner(program: str, words: list[str]) -> str | None:
    if program in ("tox", "nox"):
        return program
    if program == "make" and any(
        re.fullmatch(r"(\w+[-_])?(tests?|check|ci)([-_]\w+)?", word) for word in words[1:]
    ):
        return "make"
    if program in ("npm", "yarn", "pnpm"):
        rest = [word for word in words[1:] if word != "run"]
        if rest and rest[0].startswith("test"):
            return program
    if program == "moon" and words[1:2] == ["run"]:
        return "moon"
    return None


def _pytest(args: list[str], text: str, line: int) -> TestCommand:
    selection: list[str] = []
    shard = None
    workers = None
    index = 0
    while index < len(args):
        word = args[index]
        name, eq, value = word.partition("=")
        selecting = ("-m", "-k", "--ignore", "--ignore-glob", "--deselect", *SHARD_OPTIONS)
        takes = (name in RUN_OPTIONS_WITH_VALUE and name not in ("-x", "--cov-branch")) or (
            name in selecting
        )
        if takes and not eq:
            value = args[index + 1] if index + 1 < len(args) else ""
            index += 1
        if name in ("-m", "-k", "--ignore", "--ignore-glob", "--deselect"):
            selection.append(f"{name} {value}")
        elif name in SHARD_OPTIONS:
            shard = value
        elif name in ("-n", "--numprocesses") and value.isdigit():
            workers = int(value)
        elif not word.startswith("-"):
            selection.append(word.rstrip("/"))
        index += 1
    key = "pytest " + " ".join(sorted(selection)) if selection else "pytest"
    return TestCommand(text, key.strip(), line, "pytest", tuple(sorted(selection)), shard, workers)
