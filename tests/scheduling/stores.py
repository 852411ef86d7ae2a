"""Duration stores the scheduling tests start from."""

from __future__ import annotations

from dbfleet.scheduling.durations import Conditions, DurationStore, Phases, Recording

SERIAL = Conditions(workers=1, cpus=4)


def recorded(
    tests: dict[str, float], *, under: Conditions = SERIAL, at: float = 1.0
) -> DurationStore:
    return DurationStore().record(
        Recording(under=under, at=at, tests={t: Phases(0.0, s, 0.0) for t, s in tests.items()})
    )
