"""The findings: a test suite a CI set-up runs twice for one commit, and the gaps around it.

Each check reads the workflows the way GitHub decides what runs: which events and branches
trigger a workflow (``on:`` and its filters), which a job's ``if:`` lets through (the common
forms: ``github.event_name``, ``github.ref``, tags), which jobs wait for which (``needs:``), and
the test commands the steps run. An ``if:`` it cannot read is taken to let everything through:
a duplicate it reports may then be gated after all, which the message says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dbfleet.audit.commands import TestCommand, commands_in
from dbfleet.audit.workflows import Job, Step, Trigger, Workflow

#: Events that run a workflow for a commit, so two workflows on one can repeat the tests.
COMMIT_EVENTS = ("push", "pull_request", "pull_request_target", "merge_group")

#: Branch names tried when two filters are compared: the usual defaults and a feature branch.
CANDIDATE_BRANCHES = ("main", "master", "develop", "topic", "feature/x")

#: What makes a job a deployment: its id or name, or what its steps run.
DEPLOY_NAME = re.compile(r"deploy|release|publish|ship|staging|production|prod\b", re.I)
DEPLOY_STEP = re.compile(
    r"docker (buildx )?push|docker/build-push-action|kubectl (apply|set)|helm upgrade|"
    r"fly deploy|deploy",
    re.I,
)


@dataclass(frozen=True)
class Finding:
    kind: str
    path: str
    line: int
    message: str
    fix: str
    #: The other places involved, as ``file:line``.
    also: tuple[str, ...] = ()
    #: Minutes of test time lost per event, when a duration store can tell.
    minutes: float | None = None

    def text(self) -> str:
        return f"{self.path}:{self.line}: {self.message}; fix: {self.fix}"

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "file": self.path,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
            "also": list(self.also),
            "minutes_per_event": self.minutes,
        }


@dataclass(frozen=True)
class Run:
    """A test command where it runs: the workflow, the job and the step."""

    workflow: Workflow
    job: Job
    step: Step
    command: TestCommand

    @property
    def where(self) -> str:
        return self.workflow.where(self.command.line)


def audit(
    workflows: list[Workflow], patterns: Iterable[str] = (), suite_seconds: float | None = None
) -> list[Finding]:
    """Every finding, sorted by file and line. ``suite_seconds`` (from a duration store) is the
    test time of the whole suite, for the minutes a repeated run costs."""
    runs = list(_runs(workflows, tuple(patterns)))
    found = [
        *_repeated_across_workflows(runs, suite_seconds),
        *_push_and_pull_request(workflows, runs),
        *_shards(workflows, runs),
        *_deploys_that_wait_for_nothing(workflows, runs),
        *_migrations_without_template_cache(workflows, runs),
    ]
    return sorted(set(found), key=lambda item: (item.path, item.line, item.kind))


def _runs(workflows: list[Workflow], patterns: tuple[str, ...]) -> Iterator[Run]:
    for workflow in workflows:
        for job in workflow.jobs.values():
            for step in job.steps:
                if step.run is None:
                    continue
                for command in commands_in(step.run, step.run_line, patterns):
                    yield Run(workflow, job, step, command)


# -- what triggers a job ----------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """What a job's ``if:`` lets through, as far as it can be read."""

    events: frozenset[str] | None = None
    excluded: frozenset[str] = frozenset()
    branch: str | None = None
    tags_only: bool = False
    understood: bool = True


def gate(job: Job) -> Gate:
    condition = job.condition
    if not condition:
        return Gate()
    text = condition.strip().removeprefix("${{").removesuffix("}}").strip()
    equal = re.findall(r"github\.event_name\s*==\s*'([\w-]+)'", text)
    unequal = re.findall(r"github\.event_name\s*!=\s*'([\w-]+)'", text)
    branch = re.search(r"github\.ref\s*==\s*'refs/heads/([^']+)'", text)
    tags = re.search(r"(?<!!)startsWith\(\s*github\.ref\s*,\s*'refs/tags/", text)
    if text in ("false", "0", "''"):
        return Gate(events=frozenset())  # a job switched off runs for no event
    understood = bool(equal or unequal or branch or tags)
    joined_by_or = "||" in text
    return Gate(
        events=frozenset(equal) if equal and not (joined_by_or and (branch or unequal)) else None,
        excluded=frozenset(unequal) if not joined_by_or else frozenset(),
        branch=branch.group(1) if branch and not joined_by_or else None,
        tags_only=bool(tags) and not joined_by_or,
        understood=understood and not joined_by_or,
    )


def _includes(trigger: Trigger, branch: str) -> bool:
    """Whether a push or pull request on ``branch`` runs under ``trigger``'s filters. Patterns
    are read in order, ``!pattern`` excluding again what an earlier one included, as GitHub
    reads them; a push filtered to tags alone never runs for a branch."""
    if trigger.branches is None and (trigger.tags is not None or trigger.tags_ignore is not None):
        return False
    if trigger.branches is not None:
        included = False
        for pattern in trigger.branches:
            if pattern.startswith("!"):
                included = included and not _glob(branch, pattern[1:])
            elif _glob(branch, pattern):
                included = True
        if not included:
            return False
    return not (trigger.branches_ignore and any(_glob(branch, p) for p in trigger.branches_ignore))


def _glob(branch: str, pattern: str) -> bool:
    """GitHub's filter glob: ``*`` stops at ``/``, ``**`` does not."""
    regex = re.escape(pattern).replace(r"\*\*", "\0").replace(r"\*", "[^/]*").replace("\0", ".*")
    regex = regex.replace(r"\?", ".")
    return re.fullmatch(regex, branch) is not None


def shared_branch(a: Trigger, b: Trigger, gates: tuple[Gate, Gate]) -> str | None:
    """A branch on which both triggers (and both jobs' gates) run, or None."""
    names = [*CANDIDATE_BRANCHES]
    for trigger in (a, b):
        names += [p for p in trigger.branches or () if not any(c in p for c in "*?[!")]
    for gate_ in gates:
        if gate_.branch:
            names.insert(0, gate_.branch)
    for name in dict.fromkeys(names):
        fits = all(gate_.branch in (None, name) for gate_ in gates)
        if fits and _includes(a, name) and _includes(b, name):
            return name
    return None


def _events(workflow: Workflow, job: Job) -> dict[str, Trigger]:
    """The commit events that run ``job``, with the trigger that names each."""
    job_gate = gate(job)
    if job_gate.tags_only:
        return {}
    found = {}
    for event in COMMIT_EVENTS:
        trigger = workflow.triggers.get(event)
        if trigger is None or event in job_gate.excluded:
            continue
        if job_gate.events is not None and event not in job_gate.events:
            continue
        found[event] = trigger
    return found


# -- the checks -------------------------------------------------------------------------


def _deploying(job: Job) -> bool:
    """A job that ships: by its own id, name, environment or steps, not its workflow's name
    (a release workflow's lint job deploys nothing)."""
    if job.uses is not None and job.uses.startswith("./"):
        return False  # a local reusable workflow: what it does is in another file
    names = [job.id, job.name, job.environment or ""]
    steps = [step.uses or step.run or "" for step in job.steps]
    return any(DEPLOY_NAME.search(name) for name in names) or any(
        DEPLOY_STEP.search(step) for step in steps
    )


def _describe(event: str, branch: str) -> str:
    if event.startswith("pull_request"):
        return f"pull request into {branch}"
    if event == "merge_group":
        return f"merge-queue run for {branch}"
    return f"push to {branch}"


def _repeated_across_workflows(runs: list[Run], suite_seconds: float | None) -> Iterator[Finding]:
    """The same test command run by two workflows for one event on one branch."""
    by_key: dict[str, list[Run]] = {}
    for run in runs:
        by_key.setdefault(run.command.key, []).append(run)
    for group in by_key.values():
        for index, first in enumerate(group):
            for second in group[index + 1 :]:
                if first.workflow.path == second.workflow.path:
                    continue
                if (
                    first.job.place != second.job.place
                    or first.command.directory != second.command.directory
                ):
                    continue  # another runner, container or folder: not the same run
                shared = _shared_event(first, second)
                if shared is None:
                    continue
                event, branch, filtered = shared
                # The repeat is the deploying side (the deploy that "verifies" again).
                original, repeat = (first, second)
                if _deploying(first.job) and not _deploying(second.job):
                    original, repeat = second, first
                yield _repeat_finding(original, repeat, event, branch, filtered, suite_seconds)


def _shared_event(first: Run, second: Run) -> tuple[str, str, bool] | None:
    """The first commit event and branch both runs happen on, and whether a ``paths`` filter
    makes that depend on the files a change touches."""
    a = _events(first.workflow, first.job)
    b = _events(second.workflow, second.job)
    gates = (gate(first.job), gate(second.job))
    for event in COMMIT_EVENTS:
        if event in a and event in b:
            branch = shared_branch(a[event], b[event], gates)
            if branch is not None:
                filtered = any(t.paths or t.paths_ignore for t in (a[event], b[event]))
                return event, branch, filtered
    return None


def _repeat_finding(
    original: Run,
    repeat: Run,
    event: str,
    branch: str,
    filtered: bool,
    suite_seconds: float | None,
) -> Finding:
    minutes = None
    if suite_seconds is not None and not repeat.command.selection:
        minutes = round(suite_seconds / (repeat.command.workers or 1) / 60, 1)
    cost = f" (about {minutes} min of tests per {event})" if minutes is not None else ""
    upstream = original.workflow.name
    message = (
        f"'{repeat.command.text}' runs again for every {_describe(event, branch)}: "
        f"{original.where} (workflow {upstream!r}) already runs it for the same commit{cost}"
    )
    if filtered:
        message += " (for the changes both workflows' paths filters let through)"
    if not (gate(original.job).understood and gate(repeat.job).understood):
        message += " (unless an if: this audit cannot read keeps one of them from running)"
    fix = (
        f"delete this step and let workflow {repeat.workflow.name!r} wait for {upstream!r} "
        f"instead: on: workflow_run: workflows: [{upstream}] types: [completed], with if: "
        "github.event.workflow_run.conclusion == 'success'"
    )
    return Finding(
        "repeated-run",
        str(repeat.workflow.path),
        repeat.command.line,
        message,
        fix,
        (original.where,),
        minutes,
    )


def _push_and_pull_request(workflows: list[Workflow], runs: list[Run]) -> Iterator[Finding]:
    """``push`` on every branch and ``pull_request`` both running the tests of one commit."""
    tested = {(run.workflow.path, run.job.id) for run in runs}
    for workflow in workflows:
        push = workflow.triggers.get("push")
        pull = workflow.triggers.get("pull_request")
        if push is None or pull is None:
            continue
        jobs = [job for job in workflow.jobs.values() if (workflow.path, job.id) in tested]
        jobs = [job for job in jobs if {"push", "pull_request"} <= set(_events(workflow, job))]
        # A pull request into main, pushed from a feature branch that push also covers.
        on_topic = _includes(push, "feature/x") or _includes(push, "topic")
        if not jobs or not on_topic or not _any_target(pull):
            continue
        names = ", ".join(job.id for job in jobs)
        yield Finding(
            "push-and-pull-request",
            str(workflow.path),
            push.line,
            f"push (line {push.line}) and pull_request (line {pull.line}) both run the tests "
            f"of job(s) {names} for every commit on a pull-request branch",
            "limit push to the default branch (push: branches: [main]); pull requests test "
            "the rest",
            (workflow.where(pull.line),),
        )


def _any_target(pull: Trigger) -> bool:
    return any(_includes(pull, name) for name in CANDIDATE_BRANCHES)


#: ``--dbfleet-shard K/N``, pytest-split's ``--group K --splits N``, pytest-shard's
#: ``--shard-id K --num-shards N``; K or N may come from the matrix.
SPLITS = re.compile(r"--(?:splits|num-shards)[= ](\S+)")
MATRIX_VARIABLE = re.compile(r"\$\{\{matrix\.([\w-]+)\}\}")


def _shards(workflows: list[Workflow], runs: list[Run]) -> Iterator[Finding]:
    for workflow in workflows:
        needed = {need for job in workflow.jobs.values() for need in job.needs}
        seen: set[str] = set()
        for run in runs:
            job = run.job
            if run.workflow is not workflow or not job.matrix or job.id in seen:
                continue
            legs = _legs(run)
            if legs is None:
                continue
            seen.add(job.id)
            yield from _leg_findings(run, legs)
            if job.id not in needed:
                yield Finding(
                    "no-fan-in",
                    str(workflow.path),
                    job.line,
                    f"sharded job {job.id!r} has no job that needs it: a required check cannot "
                    "name every leg of a matrix, so a failed or missing shard can go unnoticed",
                    f"add a job with needs: [{job.id}] and if: always() that fails unless "
                    f"needs.{job.id}.result == 'success' (and runs dbfleet verify-shards on "
                    "the shards' run reports), and require that job",
                )


@dataclass(frozen=True)
class Legs:
    """What each matrix leg selects: shard numbers of a total, or paths."""

    kind: str
    values: tuple[str, ...]
    total: int | None = None


def _legs(run: Run) -> Legs | None:
    command = run.command
    matrix = run.job.matrix
    if command.shard is not None:
        variable = MATRIX_VARIABLE.search(command.shard)
        if variable is None or variable.group(1) not in matrix:
            return None
        values = matrix[variable.group(1)]
        shown = [command.shard.replace(variable.group(0), value) for value in values]
        totals = {part.partition("/")[2] for part in shown if "/" in part}
        splits = SPLITS.search(command.text)
        total_text = next(iter(totals)) if len(totals) == 1 else (splits.group(1) if splits else "")
        total = int(total_text) if total_text.isdigit() else None
        return Legs("shard", tuple(part.partition("/")[0] for part in shown), total)
    for part in command.selection:
        variable = MATRIX_VARIABLE.search(part)
        if variable and variable.group(1) in matrix:
            values = matrix[variable.group(1)]
            return Legs("paths", tuple(part.replace(variable.group(0), v) for v in values))
    return None


def _leg_findings(run: Run, legs: Legs) -> Iterator[Finding]:
    path, line = str(run.workflow.path), run.job.matrix_line or run.job.line
    fix_shards = "list each shard once, 1 to N, in the matrix (dbfleet plan --github-matrix)"
    if legs.kind == "shard":
        repeated = sorted({value for value in legs.values if legs.values.count(value) > 1})
        for value in repeated:
            yield Finding(
                "shard-overlap",
                path,
                line,
                f"job {run.job.id!r}: shard {value} is run by {legs.values.count(value)} matrix "
                "legs, so its tests run twice",
                fix_shards,
                (run.where,),
            )
        if legs.total is not None and not run.job.matrix_extended:
            missing = [str(k) for k in range(1, legs.total + 1) if str(k) not in legs.values]
            if missing:
                yield Finding(
                    "shard-gap",
                    path,
                    line,
                    f"job {run.job.id!r}: shard(s) {', '.join(missing)} of {legs.total} are in "
                    "no matrix leg, so their tests never run",
                    fix_shards,
                    (run.where,),
                )
        return
    for a in legs.values:
        for b in legs.values:
            if a != b and _within(b, a):
                yield Finding(
                    "shard-overlap",
                    path,
                    line,
                    f"job {run.job.id!r}: matrix legs {a!r} and {b!r} overlap: the tests under "
                    f"{b} run in both",
                    f"drop {b!r} from the matrix, or exclude it from {a!r} (--ignore={b})",
                    (run.where,),
                )


def _within(inner: str, outer: str) -> bool:
    inner_path, outer_path = Path(inner.split("::")[0]), Path(outer.split("::")[0])
    return inner_path == outer_path or outer_path in inner_path.parents


def _deploys_that_wait_for_nothing(workflows: list[Workflow], runs: list[Run]) -> Iterator[Finding]:
    """A deploy job that does not wait for the tests: in its workflow, or in CI."""
    tested_jobs = {(run.workflow.path, run.job.id) for run in runs}
    for workflow in workflows:
        tests_here = [
            job for job in workflow.jobs.values() if (workflow.path, job.id) in tested_jobs
        ]
        for job in workflow.jobs.values():
            if not _deploying(job) or (workflow.path, job.id) in tested_jobs:
                continue
            if tests_here:
                waited = _upstream(workflow, job)
                missing = [test.id for test in tests_here if test.id not in waited]
                if missing:
                    yield Finding(
                        "deploy-not-gated",
                        str(workflow.path),
                        job.line,
                        f"deploy job {job.id!r} does not wait for the tests of job(s) "
                        f"{', '.join(missing)}: it can ship a commit whose tests fail",
                        f"add needs: [{', '.join(missing)}] to job {job.id!r}",
                    )
                continue
            if "workflow_run" in workflow.triggers:
                continue
            yield from _deploy_beside_ci(workflow, job, runs)


def _deploy_beside_ci(workflow: Workflow, job: Job, runs: list[Run]) -> Iterator[Finding]:
    deploy_events = _events(workflow, job)
    for run in runs:
        if run.workflow.path == workflow.path:
            continue
        ci_events = _events(run.workflow, run.job)
        for event in ("push",):
            if event in deploy_events and event in ci_events:
                branch = shared_branch(
                    deploy_events[event], ci_events[event], (gate(job), gate(run.job))
                )
                if branch is not None:
                    ci = run.workflow.name
                    yield Finding(
                        "deploy-not-gated",
                        str(workflow.path),
                        job.line,
                        f"deploy job {job.id!r} runs on {_describe(event, branch)} beside the "
                        f"tests at {run.where}, without waiting for them",
                        f"start workflow {workflow.name!r} from {ci!r} instead: on: "
                        f"workflow_run: workflows: [{ci}] types: [completed], with if: "
                        "github.event.workflow_run.conclusion == 'success'",
                        (run.where,),
                    )
                    return


def _upstream(workflow: Workflow, job: Job) -> set[str]:
    """Every job ``job`` waits for, directly or through others."""
    seen: set[str] = set()
    queue = list(job.needs)
    while queue:
        name = queue.pop()
        if name in seen or name not in workflow.jobs:
            continue
        seen.add(name)
        queue += workflow.jobs[name].needs
    return seen


# -- a fresh database migrated in every job ------------------------------------------------

#: Images of database services: a job with one starts on an empty server every time.
DATABASE_IMAGE = re.compile(r"postgres|postgis|timescale|mysql|mariadb|percona", re.I)

#: The folder the suggested cache step keeps templates in.
TEMPLATE_FOLDER = ".dbfleet-templates"


def _cache_fix(folder: str) -> str:
    return (
        f"set DBFLEET_TEMPLATE_CACHE: {folder} in the job's env: and add before this step: "
        f"uses: actions/cache@v4 with: path: {folder}, key: templates-${{{{ runner.os }}}}-"
        f"${{{{ github.sha }}}}, restore-keys: templates-${{{{ runner.os }}}}- (dbfleet then "
        "restores the template its fingerprint names instead of migrating)"
    )


def _migrates(run: Run, env: dict[str, str]) -> str | None:
    """What migrates a database in this test command: dbfleet, pytest-django, or None."""
    text = run.command.text
    if "--dbfleet" in text or any(name.startswith("DBFLEET_") for name in env):
        return "dbfleet"
    if "--ds" in text or "DJANGO_SETTINGS_MODULE" in env or "manage.py test" in text:
        return "pytest-django"
    return None


def _cache_folder(text: str, env: dict[str, str]) -> str | None:
    """The template cache a command asks for: its flag, else ``DBFLEET_TEMPLATE_CACHE``."""
    found = re.search(r"--dbfleet-template-cache[= ](\S+)", text)
    return found.group(1) if found else env.get("DBFLEET_TEMPLATE_CACHE")


def _restores(job: Job, folder: str) -> bool:
    """Whether a cache step of ``job`` brings ``folder`` back before the tests."""
    for step in job.steps:
        uses = step.uses or ""
        if uses.startswith(("actions/cache@", "actions/cache/restore@")):
            paths = step.inputs.get("path", "").split()
            if any(path.rstrip("/") == folder.rstrip("/") for path in paths):
                return True
    return False


def _migrations_without_template_cache(workflows: list[Workflow], runs: list[Run]) -> list[Finding]:
    """A test job that starts a database service migrates it in every job and shard: a template
    cache step (dbfleet's fingerprinted files) turns that into a restore."""
    found = []
    for workflow in workflows:
        for job in workflow.jobs.values():
            if not any(DATABASE_IMAGE.search(image) for image in job.services):
                continue
            # (line, what migrates, the command's text, its environment)
            places: list[tuple[int, str, str, dict[str, str]]] = []
            for run in runs:
                if run.workflow is workflow and run.job is job:
                    env = {**workflow.env, **job.env, **run.step.env}
                    what = _migrates(run, env)
                    if what is not None:
                        places.append((run.command.line, what, run.command.text, env))
            for step in job.steps:
                for offset, script_line in enumerate((step.run or "").splitlines()):
                    if re.search(r"\balembic\b.*\bupgrade\b", script_line):
                        env = {**workflow.env, **job.env, **step.env}
                        places.append((step.run_line + offset, "alembic upgrade", "", env))
            for line, what, text, env in sorted(places, key=lambda place: place[0])[:1]:
                folder = _cache_folder(text, env)
                if folder is not None and _restores(job, folder):
                    continue
                message = (
                    f"job {job.name!r} migrates a fresh database ({what}) in every run "
                    "and restores no template cache"
                )
                if folder is not None:
                    message = (
                        f"job {job.name!r} saves dbfleet templates to {folder} but no cache "
                        "step restores that folder, so every run migrates again"
                    )
                found.append(
                    Finding(
                        "template-cache",
                        str(workflow.path),
                        line,
                        message,
                        _cache_fix(folder or TEMPLATE_FOLDER),
                    )
                )
    return found
