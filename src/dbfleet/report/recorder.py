"""The run recorder: every test phase, in the controller or serial process, for the run report
(``--dbfleet-report``), the HTML timeline (``--dbfleet-html``) and the end-of-run summary."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from dbfleet.jsonfile import write_json
from dbfleet.report.html import render_html
from dbfleet.report.phases import PLUGIN_NAME as PHASES
from dbfleet.report.phases import Phases
from dbfleet.report.record import RunRecord
from dbfleet.report.summary import Summary, summarize
from dbfleet.state import FleetState, database_seconds
from dbfleet.urls import SERIAL_WORKER

#: The name the recorder is registered under.
RECORDER = "dbfleet-recorder"


class Recorder:
    """Records every test phase in the controller or serial process; in a controller the
    reports arrive from the workers through xdist, with the worker attached as ``node``."""

    def __init__(
        self, record: RunRecord, state: FleetState | None, path: str | None, html: str | None
    ) -> None:
        self.record = record
        self.state = state
        self.path = Path(path) if path else None
        self.html = Path(html) if html else None
        self.data: dict[str, Any] | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.record.add_report(report, SERIAL_WORKER)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from dbfleet.isolation.plugin import overhead_totals, stray_warning

        self.record.isolation = overhead_totals(session.config)
        warning = stray_warning(session.config)
        if warning is not None and warning not in self.record.warnings:
            self.record.warnings.append(warning)
        state = self.state
        if state is not None:
            template = state.template
            self.record.provisioning = {
                "mode": "clone" if template else "migrate",
                "template": template.name if template else None,
                "template_reused": template.reused if template else None,
                "template_seconds": round(template.seconds, 4) if template else None,
                "template_how": template.how if template else None,
                "template_cache_note": template.cache_note if template else None,
                "database_seconds": [round(x, 4) for x in database_seconds(state)],
            }
        self.data = self.record.to_json(time.time())

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Write the report and the page last, so that the phases after the summary (the
        sweep, the databases dropped) are in them."""
        if self.data is None:
            return
        state = self.state
        if state is not None and state.drop_seconds is not None:
            # Who dropped what at the end: in a run with workers, the controller drops them all.
            self.data["cleanup"] = {
                "dropped": sorted(state.dropped),
                "seconds": round(state.drop_seconds, 4),
            }
        phases = config.pluginmanager.get_plugin(PHASES)
        if isinstance(phases, Phases):
            phases.mark("cleaned")
            self.data["phases"] = phases.to_json()
        if self.path is not None:
            write_json(self.path, self.data)
        if self.html is not None:
            self.html.parent.mkdir(parents=True, exist_ok=True)
            self.html.write_text(render_html(self.data, self.summary()), encoding="utf-8")

    def summary(self) -> Summary:
        assert self.data is not None
        workers = (len(self.state.worker_seconds) if self.state else 0) or None
        return summarize(self.data, workers)
