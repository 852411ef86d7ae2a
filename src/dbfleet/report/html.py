"""The run as one self-contained HTML page: a lane per worker, a bar per test, the bound.

Everything is inline (CSS, a few lines of JS, no fonts or scripts fetched) so the file can be
attached to a CI run and opened offline. Bars are positioned in percent of the wall time, so the
page needs no layout code; the hover text is each bar's ``title`` attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from dbfleet.report.summary import Summary
from dbfleet.report.terminal import render_lines

COLOURS = {
    "passed": "#3a9d5d",
    "failed": "#d64545",
    "error": "#8e2c8e",
    "skipped": "#c9a227",
    "xfailed": "#7a8a99",
    "xpassed": "#e07b39",
}

STYLE = """
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; }
pre { background: #f4f4f4; padding: .6em; overflow-x: auto; }
.timeline { position: relative; margin: 1em 0 0 5em; }
.lane { position: relative; height: 28px; margin: 4px 0; background: #eef1f4; }
.lane .label { position: absolute; left: -5em; width: 4.6em; text-align: right; line-height: 28px; }
.bar { position: absolute; top: 3px; height: 22px; min-width: 1px; box-sizing: border-box;
       border-right: 1px solid #fff; }
.startup { position: absolute; top: 0; height: 28px;
           background: repeating-linear-gradient(45deg, #cfd6dd, #cfd6dd 4px, #eef1f4 4px,
                                                 #eef1f4 8px); }
.bound { position: absolute; top: 0; bottom: 0; border-left: 2px dashed #1f5fbf; }
.bound span { position: absolute; top: -1.3em; left: 4px; color: #1f5fbf; white-space: nowrap; }
.legend span { display: inline-block; margin-right: 1em; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; }
"""

# Records any script error on the page, so a headless browser's DOM dump shows it.
GUARD = (
    "window.onerror = function (message) {"
    " document.documentElement.setAttribute('data-js-error', String(message)); };"
)

SCRIPT = """
(function () {
  var bars = document.querySelectorAll('.bar');
  var lanes = document.querySelectorAll('.lane');
  document.getElementById('counts').textContent =
    lanes.length + ' lanes, ' + bars.length + ' bars';
  document.body.setAttribute('data-ready', '1');
})();
"""


def _percent(seconds: float, wall: float) -> str:
    return f"{max(0.0, min(seconds / wall, 1.0)) * 100:.4f}%" if wall > 0 else "0%"


def render_html(report: Mapping[str, Any], summary: Summary) -> str:
    started = float(report.get("started", 0.0))
    wall = summary.wall
    lanes = []
    for load in summary.loads:
        parts = [f'<div class="label">{escape(load.worker)}</div>']
        if load.first_start > 0:
            parts.append(
                f'<div class="startup" style="left:0;width:{_percent(load.first_start, wall)}"'
                f' title="{escape(load.worker)}: start-up and provisioning'
                f' {load.first_start:.2f}s"></div>'
            )
        for test in report.get("tests", []):
            if str(test["worker"]) != load.worker:
                continue
            start = float(test["start"])
            offset = start - started if start > 0 else 0.0
            duration = float(test["duration"])
            outcome = str(test["outcome"])
            title = f"{test['nodeid']} — {duration:.3f}s, {outcome}"
            parts.append(
                f'<div class="bar" data-nodeid="{escape(str(test["nodeid"]))}"'
                f' data-outcome="{escape(outcome)}" title="{escape(title)}"'
                f' style="left:{_percent(offset, wall)};width:{_percent(duration, wall)};'
                f'background:{COLOURS.get(outcome, "#999")}"></div>'
            )
        lanes.append(
            f'<div class="lane" data-worker="{escape(load.worker)}">{"".join(parts)}</div>'
        )
    # The bound leaves out start-up, so it is drawn from the first test's start: tests still
    # running right of the line are time a perfect scheduler would have saved.
    first = min((load.first_start for load in summary.loads), default=0.0)
    label = f"bound {summary.bound:.2f}s after the first test"
    bound = (
        f'<div class="bound" style="left:{_percent(first + summary.bound, wall)}"'
        f' title="{label}"><span>{label}</span></div>'
    )
    legend = "".join(
        f'<span><i style="background:{colour}"></i>{name}</span>'
        for name, colour in COLOURS.items()
    )
    text = escape("\n".join(render_lines(summary)))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>dbfleet run: {summary.tests} tests, {summary.wall:.2f}s</title>
<script>{GUARD}</script>
<style>{STYLE}</style>
</head>
<body>
<h1>dbfleet run</h1>
<pre>{text}</pre>
<div class="legend">{legend}<span id="counts"></span></div>
<div class="timeline">{"".join(lanes)}{bound}</div>
<script>{SCRIPT}</script>
</body>
</html>
"""
