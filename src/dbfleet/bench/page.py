"""The bench as one self-contained HTML page: a bar per mode, then one run's timeline per mode.

The bars show each mode's median wall time with its spread (min to max over the repeats); the
timelines, drawn on one time axis so their lengths compare, show where each mode spends its
time: a hatched start-up before each worker's first test, the tests coloured by outcome, and the
idle tail. Every mode's timeline comes from the bench's probe, so a hand-written conftest or the
user's own command is drawn as dbfleet's modes are. Inline CSS and script only, like the run's
own page (``report.html``), so the file opens offline and can be attached to a CI run.
"""

from __future__ import annotations

from html import escape

from dbfleet.bench.result import BenchResult, ModeResult, render_terminal
from dbfleet.report.html import COLOURS, GUARD, STYLE
from dbfleet.report.summary import summarize

PAGE_STYLE = """
.bars { margin: 1em 0; }
.mode { display: flex; align-items: center; margin: 6px 0; }
.mode .name { width: 22em; text-align: right; padding-right: .8em; white-space: nowrap; }
.mode .track { position: relative; flex: 1; height: 22px; background: #eef1f4; }
.median { position: absolute; top: 0; height: 22px; background: #1f5fbf; }
.spread { position: absolute; top: 9px; height: 4px; background: #0b2e66; }
.mode .value { width: 6em; padding-left: .6em; }
h2 { font-size: 1.1em; margin-top: 1.6em; }
.run .timeline { margin-left: 5em; }
"""

SCRIPT = """
(function () {
  var modes = document.querySelectorAll('.mode');
  var runs = document.querySelectorAll('.run');
  document.getElementById('counts').textContent =
    modes.length + ' modes, ' + runs.length + ' timelines';
  document.body.setAttribute('data-ready', '1');
})();
"""


def _percent(seconds: float, scale: float) -> str:
    return f"{max(0.0, min(seconds / scale, 1.0)) * 100:.4f}%" if scale > 0 else "0%"


def _bar(result: BenchResult, mode: ModeResult, scale: float) -> str:
    walls = [run.wall_seconds for run in mode.runs]
    label = escape(result.label(mode))
    low, high = min(walls), max(walls)
    title = f"{result.label(mode)}: median {mode.median:.2f}s, {low:.2f}-{high:.2f}s"
    return (
        f'<div class="mode" data-mode="{escape(mode.mode.name)}" title="{escape(title)}">'
        f'<div class="name">{label}</div><div class="track">'
        f'<div class="median" style="left:0;width:{_percent(mode.median, scale)}"></div>'
        f'<div class="spread" style="left:{_percent(low, scale)};'
        f'width:{_percent(high - low, scale)}"></div>'
        f'</div><div class="value">{mode.median:.2f}s</div></div>'
    )


def _timeline(result: BenchResult, mode: ModeResult, scale: float) -> str:
    runs = [run for run in mode.runs if run.timeline]
    if not runs:
        return ""
    run = runs[0]
    report = run.timeline
    summary = summarize(report, mode.mode.workers)
    started = float(report.get("started", 0.0))
    lanes = []
    for load in summary.loads:
        parts = [f'<div class="label">{escape(load.worker)}</div>']
        if load.first_start > 0:
            parts.append(
                f'<div class="startup" style="left:0;width:{_percent(load.first_start, scale)}"'
                f' title="{escape(load.worker)}: start-up {load.first_start:.2f}s before its'
                ' first test"></div>'
            )
        for test in report.get("tests", []):
            if str(test["worker"]) != load.worker:
                continue
            offset = max(float(test["start"]) - started, 0.0)
            duration = float(test["duration"])
            outcome = str(test["outcome"])
            parts.append(
                f'<div class="bar" title="{escape(str(test["nodeid"]))} — {duration:.3f}s,'
                f' {escape(outcome)}" style="left:{_percent(offset, scale)};'
                f'width:{_percent(duration, scale)};background:{COLOURS.get(outcome, "#999")}">'
                "</div>"
            )
        lanes.append(
            f'<div class="lane" data-worker="{escape(load.worker)}">{"".join(parts)}</div>'
        )
    end = f'<div class="bound" style="left:{_percent(run.wall_seconds, scale)}"></div>'
    heading = (
        f"{escape(result.label(mode))}: {run.wall_seconds:.2f}s, {summary.tests} tests on "
        f"{len(summary.loads)} worker(s), efficiency {summary.efficiency * 100:.0f}%"
    )
    return (
        f'<div class="run" data-mode="{escape(mode.mode.name)}"><h2>{heading}</h2>'
        f'<div class="timeline">{"".join(lanes)}{end}</div></div>'
    )


def render_page(result: BenchResult) -> str:
    scale = max((max(r.wall_seconds for r in mode.runs) for mode in result.modes), default=0.0)
    bars = "".join(_bar(result, mode, scale) for mode in result.modes)
    timelines = "".join(_timeline(result, mode, scale) for mode in result.modes)
    legend = "".join(
        f'<span><i style="background:{colour}"></i>{name}</span>'
        for name, colour in COLOURS.items()
    )
    text = escape(render_terminal(result))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>dbfleet bench: {escape(result.suite)}</title>
<script>{GUARD}</script>
<style>{STYLE}{PAGE_STYLE}</style>
</head>
<body>
<h1>dbfleet bench: {escape(result.suite)}</h1>
<p>{result.machine.get("cpus")} CPUs, Python {escape(str(result.machine.get("python")))},
median of {result.repeat} run(s) per mode; bars show the median, the dark line min to max.</p>
<div class="bars">{bars}</div>
<pre>{text}</pre>
<div class="legend">{legend}<span><i class="startup-key"></i>start-up (hatched)</span>
<span id="counts"></span></div>
{timelines}
<script>{SCRIPT}</script>
</body>
</html>
"""
