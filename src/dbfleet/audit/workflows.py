"""GitHub Actions workflow files as the few things the audit reads, each with its line.

The files are composed with PyYAML rather than loaded: the composed nodes keep their line
numbers, and their scalars stay the text GitHub reads (``on`` is a key, not YAML 1.1's boolean
``True``). A file GitHub would reject (no ``on``, no ``jobs``, a job with neither ``runs-on`` nor
``uses``, a step with neither ``run`` nor ``uses``) is refused with its line, like a file that is
not YAML at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbfleet.errors import ConfigError


@dataclass(frozen=True)
class Trigger:
    """One event of a workflow's ``on:``, with the filters that narrow it."""

    event: str
    line: int
    branches: tuple[str, ...] | None = None
    branches_ignore: tuple[str, ...] | None = None
    paths: tuple[str, ...] | None = None
    paths_ignore: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    tags_ignore: tuple[str, ...] | None = None
    #: ``workflow_run``: the workflows whose runs trigger this one.
    workflows: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    line: int
    name: str
    run: str | None = None
    #: The line the ``run:`` script's first line is on.
    run_line: int = 0
    uses: str | None = None
    #: ``with:`` and ``env:``, as text.
    inputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    id: str
    name: str
    line: int
    needs: tuple[str, ...] = ()
    condition: str | None = None
    steps: tuple[Step, ...] = ()
    #: ``strategy.matrix``: each variable's values, as text (``include``/``exclude`` left out).
    matrix: dict[str, tuple[str, ...]] = field(default_factory=dict)
    matrix_line: int = 0
    #: A reusable workflow this job calls instead of running steps.
    uses: str | None = None
    #: Where it runs (``runs-on``, ``container``, the default working directory), as text: the
    #: same command on Linux and on Windows is not the same run twice.
    place: str = ""
    #: ``environment:`` (a deployment target, when set).
    environment: str | None = None
    #: ``strategy.matrix`` has ``include:`` or ``exclude:`` entries (legs this audit does not
    #: expand).
    matrix_extended: bool = False
    #: The images of ``services:`` (a database the job starts afresh each time).
    services: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Workflow:
    path: Path
    name: str
    triggers: dict[str, Trigger]
    jobs: dict[str, Job]
    env: dict[str, str] = field(default_factory=dict)

    def where(self, line: int) -> str:
        return f"{self.path}:{line}"


class _Text(str):
    """A scalar, the line it is on, and whether it is a block (``|``, ``>``): its text then
    starts on the next line."""

    line: int
    block: bool = False


class _Map(dict[str, Any]):
    line: int
    lines: dict[str, int]


class _List(list[Any]):
    line: int


def load_folder(folder: Path) -> list[Workflow]:
    """Every ``*.yml`` / ``*.yaml`` in ``folder``, sorted by name; one line for any problem."""
    if not folder.is_dir():
        raise ConfigError(
            f"dbfleet: {folder} is not a folder; give the workflows' folder "
            "(default .github/workflows)"
        )
    files = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])
    if not files:
        raise ConfigError(f"dbfleet: {folder} holds no .yml or .yaml workflow file")
    return [load_file(path) for path in files]


def load_file(path: Path) -> Workflow:
    try:
        import yaml
    except ImportError:
        raise ConfigError(
            "dbfleet: audit-ci reads YAML with PyYAML; pip install 'pytest-dbfleet[audit]'"
        ) from None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"dbfleet: {path}: cannot be read: {error}") from None
    try:
        node = yaml.compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = error.problem or error.context or "unreadable"
        raise ConfigError(f"dbfleet: {path}:{line}: not YAML: {problem}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ConfigError(f"dbfleet: {path}: not YAML: {error}") from None
    try:
        document = _value(node, yaml, set()) if node is not None else None
    except RecursionError:
        raise ConfigError(f"dbfleet: {path}: not a workflow: an alias refers to itself") from None
    return _workflow(path, document)


def _value(node: Any, yaml: Any, inside: set[int]) -> Any:
    """The node as maps, lists and texts with lines; ``inside`` guards against an alias that
    contains itself (``x: &a [*a]``), which would never end."""
    line = node.start_mark.line + 1
    if id(node) in inside:
        raise RecursionError
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        inside = inside | {id(node)}
    if isinstance(node, yaml.MappingNode):
        mapping = _Map()
        mapping.line, mapping.lines = line, {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            mapping[key] = _value(value_node, yaml, inside)
            mapping.lines[key] = key_node.start_mark.line + 1
        return mapping
    if isinstance(node, yaml.SequenceNode):
        items = _List(_value(item, yaml, inside) for item in node.value)
        items.line = line
        return items
    text = _Text(node.value)
    text.line = line
    text.block = node.style in ("|", ">")
    return text


def _reject(path: Path, line: int, problem: str) -> ConfigError:
    return ConfigError(f"dbfleet: {path}:{line}: GitHub would reject this workflow: {problem}")


def _workflow(path: Path, document: Any) -> Workflow:
    if not isinstance(document, _Map):
        raise _reject(path, 1, "the file is not a mapping of on:, jobs: …")
    if "on" not in document:
        raise _reject(path, document.line, "it has no 'on:' (which events trigger it)")
    jobs = document.get("jobs")
    if not isinstance(jobs, _Map) or not jobs:
        raise _reject(path, document.lines.get("jobs", document.line), "it has no jobs")
    triggers = dict(_triggers(path, document["on"], document.lines["on"]))
    name = str(document.get("name") or path.stem)
    jobs_read = {key: _job(path, key, jobs[key], jobs) for key in jobs}
    return Workflow(path, name, triggers, jobs_read, _texts(document.get("env")))


def _texts(value: Any) -> dict[str, str]:
    """A mapping's scalar values as text (an ``env:`` or ``with:``); anything else is empty."""
    if not isinstance(value, _Map):
        return {}
    return {str(key): str(item) for key, item in value.items() if isinstance(item, _Text)}


def _images(services: Any) -> tuple[str, ...]:
    if not isinstance(services, _Map):
        return ()
    images = []
    for service in services.values():
        image = service.get("image") if isinstance(service, _Map) else service
        if image is not None:
            images.append(str(image))
    return tuple(images)


def _triggers(path: Path, on: Any, line: int) -> Iterator[tuple[str, Trigger]]:
    if isinstance(on, _Text):
        yield str(on), Trigger(str(on), line)
        return
    if isinstance(on, _List):
        for event in on:
            yield str(event), Trigger(str(event), getattr(event, "line", line))
        return
    if not isinstance(on, _Map):
        raise _reject(path, line, "'on:' is neither an event, a list nor a mapping")
    for event, filters in on.items():
        where = on.lines[event]
        if not isinstance(filters, _Map):
            yield event, Trigger(event, where)
            continue
        yield (
            event,
            Trigger(
                event,
                where,
                branches=_strings(filters.get("branches")),
                branches_ignore=_strings(filters.get("branches-ignore")),
                paths=_strings(filters.get("paths")),
                paths_ignore=_strings(filters.get("paths-ignore")),
                tags=_strings(filters.get("tags")),
                tags_ignore=_strings(filters.get("tags-ignore")),
                workflows=_strings(filters.get("workflows")) or (),
            ),
        )


def _strings(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, _List):
        return tuple(str(item) for item in value)
    return (str(value),)


def _job(path: Path, key: str, job: Any, jobs: _Map) -> Job:
    line = jobs.lines[key]
    if not isinstance(job, _Map):
        raise _reject(path, line, f"job {key!r} is not a mapping")
    if "runs-on" not in job and "uses" not in job:
        raise _reject(path, line, f"job {key!r} has neither runs-on: nor uses:")
    steps = job.get("steps") or _List()
    if not isinstance(steps, _List):
        raise _reject(path, job.lines.get("steps", line), f"job {key!r}: steps: is not a list")
    matrix, matrix_line, extended = _matrix(job.get("strategy"))
    defaults = job.get("defaults")
    run_defaults = defaults.get("run") if isinstance(defaults, _Map) else None
    directory = run_defaults.get("working-directory") if isinstance(run_defaults, _Map) else None
    place = f"{job.get('runs-on')!s}|{job.get('container')!s}|{directory or ''}"
    needs = _strings(job.get("needs")) or ()
    condition = job.get("if")
    return Job(
        id=key,
        name=str(job.get("name") or key),
        line=line,
        needs=needs,
        condition=str(condition) if condition is not None else None,
        steps=tuple(_step(path, key, step) for step in steps),
        matrix=matrix,
        matrix_line=matrix_line,
        uses=str(job["uses"]) if "uses" in job else None,
        place=place,
        matrix_extended=extended,
        environment=_environment(job.get("environment")),
        services=_images(job.get("services")),
        env=_texts(job.get("env")),
    )


def _environment(value: Any) -> str | None:
    if isinstance(value, _Map):
        value = value.get("name")
    return str(value) if value is not None else None


def _matrix(strategy: Any) -> tuple[dict[str, tuple[str, ...]], int, bool]:
    if not isinstance(strategy, _Map) or not isinstance(strategy.get("matrix"), _Map):
        return {}, 0, False
    matrix = strategy["matrix"]
    found = {
        str(name): tuple(str(value) for value in values)
        for name, values in matrix.items()
        if name not in ("include", "exclude") and isinstance(values, _List)
    }
    extended = "include" in matrix or "exclude" in matrix
    return found, strategy.lines["matrix"], extended


def _step(path: Path, job: str, step: Any) -> Step:
    line = getattr(step, "line", 0)
    if not isinstance(step, _Map):
        raise _reject(path, line, f"a step of job {job!r} is not a mapping")
    if ("run" in step) == ("uses" in step):
        raise _reject(path, line, f"a step of job {job!r} needs exactly one of run: or uses:")
    run = step.get("run")
    run_line = step.lines.get("run", line)
    if getattr(run, "block", False):
        run_line += 1  # a block scalar: the script starts on the next line
    return Step(
        line=line,
        name=str(step.get("name") or run or step.get("uses") or ""),
        run=str(run) if run is not None else None,
        run_line=run_line,
        uses=str(step["uses"]) if "uses" in step else None,
        inputs=_texts(step.get("with")),
        env=_texts(step.get("env")),
    )
