"""The duration store on disk: stable JSON, refused files with the fix, the lock, and many
writers at once (real processes)."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from filelock import FileLock
from stores import recorded as _recorded

from dbfleet.errors import DbfleetError
from dbfleet.scheduling.duration_file import load, merge_into, save, update
from dbfleet.scheduling.durations import (
    DurationsError,
    DurationStore,
)


def test_a_saved_store_is_sorted_stable_json(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    store = _recorded({"z.py::t": 1.0, "a.py::t": 2.0})
    save(store, path)
    first = path.read_text()
    save(load(path), path)
    assert path.read_text() == first
    assert first == json.dumps(json.loads(first), indent=1, sort_keys=True) + "\n"
    assert load(path) == store


def test_a_missing_file_is_an_empty_store(tmp_path: Path) -> None:
    assert load(tmp_path / "absent.json") == DurationStore()


def test_a_file_from_another_schema_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    path.write_text(json.dumps({"schema": "dbfleet-durations/99", "tests": {}}))
    with pytest.raises(DurationsError, match="delete the file"):
        load(path)


def test_a_corrupt_file_is_a_dbfleet_error(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    path.write_text("{not json")
    with pytest.raises(DbfleetError, match="not JSON"):
        load(path)


def test_an_update_that_cannot_get_the_lock_says_which_file_to_delete(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    with FileLock(f"{path}.lock"), pytest.raises(DurationsError, match=r"durations\.json\.lock"):
        update(path, lambda store: store, timeout=0.01)


def _record_many(path: str, worker: int) -> None:
    for batch in range(5):
        tests = {f"w{worker}.py::t{batch}_{i}": 0.1 * (i + 1) for i in range(4)}
        merge_into(Path(path), [_recorded(tests, at=float(batch))])


def test_the_store_survives_concurrent_writers(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "durations.json"
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_record_many, args=(str(path), w)) for w in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0, 0, 0, 0]
    expected = {f"w{w}.py::t{b}_{i}" for w in range(4) for b in range(5) for i in range(4)}
    assert set(load(path).tests) == expected
