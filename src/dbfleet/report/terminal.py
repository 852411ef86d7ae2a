"""The summary as terminal lines and as a Markdown block for a CI step summary."""

from __future__ import annotations

from dbfleet.report.summary import Summary


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def _template(summary: Summary) -> str:
    reused = summary.template_reused
    if reused is None:
        return "no template"
    return "reused" if reused else "built"


def render_lines(summary: Summary) -> list[str]:
    """The run's numbers in the ``dbfleet`` section (with ``-v``): the speed-up and the bound
    only where they mean something (see :attr:`Summary.speedup_applies`)."""
    headline = (
        f"{summary.tests} tests on {summary.workers} worker(s): wall {summary.wall:.2f}s, "
        f"summed test time {summary.summed:.2f}s"
    )
    lines = []
    if summary.speedup_applies:
        lines += [
            f"{headline}, speedup {summary.speedup:.2f}x",
            f"bound {summary.bound:.2f}s = max(summed / {summary.workers}, longest unit "
            f"{summary.longest_unit or '-'} {summary.longest_unit_seconds:.2f}s); "
            f"efficiency {_percent(summary.efficiency)}",
        ]
    else:
        lines.append(headline)
    lines.append(
        f"provisioning {summary.provisioning_seconds:.2f}s (template {_template(summary)})"
    )
    for load in summary.loads:
        lines.append(
            f"  {load.worker}: {load.tests} tests, busy {load.busy:.2f}s, idle {load.idle:.2f}s, "
            f"first test after {load.first_start:.2f}s"
        )
    return lines


def render_markdown(summary: Summary) -> str:
    """A GitHub step summary: the headline numbers, then a table of workers."""
    applies = summary.speedup_applies
    speedup = f"{summary.speedup:.2f}x" if applies else "-"
    efficiency = _percent(summary.efficiency) if applies else "-"
    rows = [
        "### dbfleet",
        "",
        "| tests | workers | wall | summed | speedup | bound | efficiency | provisioning |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {summary.tests} | {summary.workers} | {summary.wall:.2f}s | {summary.summed:.2f}s "
        f"| {speedup} | {summary.bound:.2f}s | {efficiency} "
        f"| {summary.provisioning_seconds:.2f}s ({_template(summary)}) |",
        "",
        "| worker | tests | busy | idle | first test after |",
        "|---|---:|---:|---:|---:|",
    ]
    rows += [
        f"| {load.worker} | {load.tests} | {load.busy:.2f}s | {load.idle:.2f}s "
        f"| {load.first_start:.2f}s |"
        for load in summary.loads
    ]
    return "\n".join(rows) + "\n"
