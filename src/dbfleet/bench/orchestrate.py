"""Run every mode K times, interleaved, after one untimed warm-up, and compare to the first.

The warm-up (``pytest --collect-only``) builds the template if the schema changed and warms
bytecode caches, so neither lands in the first timed mode: serial would otherwise pay for the
template and inflate every speedup. Repeats are interleaved (serial, naive, dbfleet, serial …)
so that drift in the machine's load spreads over all modes instead of favouring one. The first
mode is the outcome baseline: every other mode's per-test outcomes must equal its outcomes.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dbfleet.bench.compare import differences
from dbfleet.bench.leftovers import cleared_after
from dbfleet.bench.modes import MODES, Mode, command_mode
from dbfleet.bench.result import BenchResult, ModeResult
from dbfleet.bench.runner import child_environment, run_command, run_pytest
from dbfleet.errors import ConfigError


@dataclass(frozen=True)
class BenchOptions:
    path: Path
    #: In order; the first is the outcome baseline (``select_modes`` puts serial first).
    modes: Sequence[Mode]
    workers: str = "auto"
    dist: str = "loadfile"
    repeat: int = 1
    extra: Sequence[str] = ()


def select_modes(names: Sequence[str], commands: Sequence[tuple[str, str]] = ()) -> list[Mode]:
    """dbfleet's modes by name, serial first, then the user's commands (``--baseline`` is
    named ``baseline``), each a baseline of its own."""
    unknown = [name for name in names if name not in MODES]
    if unknown or not names:
        raise ConfigError(
            f"dbfleet bench: unknown mode {', '.join(unknown) or '(none)'}; "
            f"choose from {', '.join(MODES)}"
        )
    taken = [name for name, _ in commands if name in MODES]
    repeated = {name for name, _ in commands if [n for n, _ in commands].count(name) > 1}
    if taken or repeated:
        raise ConfigError(
            f"dbfleet bench: mode name {sorted(taken or repeated)[0]!r} is taken; give each "
            "--mode NAME=CMD a name of its own"
        )
    # Serial is the baseline every other mode is compared with, so it always runs first.
    chosen = [MODES["serial"]] + [MODES[name] for name in names if name != "serial"]
    return chosen + [command_mode(name, command) for name, command in commands]


def run_bench(options: BenchOptions, progress: Callable[[str], None]) -> BenchResult:
    if not options.path.is_dir():
        raise ConfigError(f"dbfleet bench: {options.path} is not a directory")
    if options.repeat < 1:
        raise ConfigError("dbfleet bench: --repeat must be at least 1")
    modes = list(options.modes)
    env = child_environment(embedded=False)
    extra = list(options.extra)

    progress(f"warm-up: collecting {options.path} (builds the template if needed, untimed)")
    warm = run_pytest(options.path, ["--collect-only", *extra], env)
    warmup = {"seconds": round(warm.wall_seconds, 3), **warm.provisioning}

    results = [ModeResult(mode, mode.pytest_args(options.workers, options.dist)) for mode in modes]
    total = len(modes) * options.repeat
    step = 0
    for repeat in range(options.repeat):
        for result in results:
            step += 1
            label = f"[{step}/{total}] {result.mode.name}"
            if options.repeat > 1:
                label += f" (run {repeat + 1}/{options.repeat})"
            started = time.perf_counter()
            if result.mode.command:
                progress(f"{label}: {result.mode.command} ...")
                with cleared_after(options.path, env):
                    run = run_command(options.path, result.mode.command, {**env, **result.mode.env})
            else:
                progress(f"{label}: pytest {' '.join([*result.args, *extra])} ...")
                run = run_pytest(options.path, [*result.args, *extra], env)
            result.runs.append(run)
            counts = ", ".join(f"{n} {k}" for k, n in run.totals.items() if n)
            progress(f"{label}: {time.perf_counter() - started:.1f}s ({counts or 'no tests'})")

    baseline = results[0].runs[0].outcomes
    for result in results:
        found = {d.nodeid: d for run in result.runs for d in differences(baseline, run.outcomes)}
        result.differences = sorted(found.values(), key=lambda d: d.nodeid)

    return BenchResult(
        suite=str(options.path),
        workers=options.workers,
        dist=options.dist,
        repeat=options.repeat,
        extra=extra,
        machine={
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        warmup=warmup,
        modes=results,
    )
