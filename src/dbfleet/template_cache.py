"""The template cache: a folder of saved templates that CI jobs carry from one to the next.

A CI job starts on an empty database service, so without this every job and every shard runs
every migration. A template dbfleet builds is also saved here, one file per base and fingerprint;
a job that finds the file for the fingerprint it wants restores it instead of migrating.

Hand-written caches of a test schema's dump go stale: the cache key misses a migration edit, or
a ``restore-keys`` prefix brings back an older dump. Here the file's name and its record beside
it (``<file>.json``: fingerprint, size, sha256, the program that wrote it) are checked before
anything is restored, so a prefix match can only ever restore the schema the migrations make
now. A file that fails a check is set aside as ``*.bad`` (kept, for a look) and the template is
built as usual; the cache never makes a run fail or use a wrong schema.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock

from dbfleet.backends.base import Dumper
from dbfleet.errors import DbfleetError
from dbfleet.fingerprint import TemplateFingerprint
from dbfleet.jsonfile import make_folder

#: Saved templates kept per base name, newest first (as many as templates kept on a server).
KEPT = 3

#: What the saved files end with; their records add ``.json``, set-aside ones ``.bad``.
SUFFIX = ".dbfleet-template"
RECORD = ".json"
BAD = ".bad"

#: Bumped when the record or the file's form changes; a file of another format is not read.
FORMAT = 1


@dataclass(frozen=True)
class Record:
    """What is known of a saved template without reading it: written beside it, checked first."""

    base: str
    fingerprint: str
    size: int
    sha256: str
    written_by: str
    created: float
    format: int = FORMAT


@dataclass(frozen=True)
class Saved:
    """A saved template that passed every check, ready to restore."""

    path: Path
    record: Record


class Unusable(DbfleetError):
    """A saved template that must not be restored; the message says why."""


def file_for(folder: Path, base: str, fingerprint: TemplateFingerprint) -> Path:
    """The one file of ``base`` at ``fingerprint``: the same name in every job."""
    return folder / f"{_file_stem(base)}-{fingerprint.short}{SUFFIX}"


def _file_stem(base: str) -> str:
    """``base`` as a file name: a database name may hold ``/`` or other characters a path
    cannot; such a name keeps its safe characters and gains a hash of the whole, so two bases
    never share a file."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", base)
    if safe == base and not base.startswith("."):
        return base
    return f"{safe.lstrip('.')}_{hashlib.sha256(base.encode()).hexdigest()[:8]}"


def _record_path(path: Path) -> Path:
    return path.with_name(path.name + RECORD)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_record(path: Path) -> Record:
    """The record beside ``path``; ``Unusable`` when it is missing or not one of ours."""
    try:
        data = json.loads(_record_path(path).read_text(encoding="utf-8"))
        record = Record(
            base=str(data["base"]),
            fingerprint=str(data["fingerprint"]),
            size=int(data["size"]),
            sha256=str(data["sha256"]),
            written_by=str(data["written_by"]),
            created=float(data["created"]),
            format=int(data["format"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        raise Unusable("no readable record of its fingerprint and checksum beside it") from None
    if record.format != FORMAT:
        raise Unusable(f"written in cache format {record.format}, this dbfleet reads {FORMAT}")
    return record


def _pair_lock(folder: Path) -> FileLock:
    """Held while a file and its record are renamed into place, or read together: two runs
    sharing a folder (on one machine) must not pair one's file with the other's record."""
    return FileLock(str(folder / ".lock"))


def check(path: Path, fingerprint: TemplateFingerprint, dumper: Dumper) -> Saved:
    """``path`` as a template safe to restore for ``fingerprint``, or ``Unusable`` saying why:
    cheap checks first, the checksum of the whole file last."""
    with _pair_lock(path.parent):
        return _checked(path, fingerprint, dumper)


def _checked(path: Path, fingerprint: TemplateFingerprint, dumper: Dumper) -> Saved:
    record = read_record(path)
    if record.fingerprint != fingerprint.digest:
        raise Unusable(
            f"its recorded fingerprint {record.fingerprint[:10]} is not the wanted "
            f"{fingerprint.short}"
        )
    size = path.stat().st_size
    if size != record.size:
        what = "truncated" if size < record.size else "longer than recorded"
        raise Unusable(f"{what}: {size} of {record.size} bytes")
    if _sha256(path) != record.sha256:
        raise Unusable("its sha256 checksum does not match its record")
    reason = dumper.unrestorable(record.written_by)
    if reason is not None:
        raise Unusable(reason)
    return Saved(path, record)


def set_aside(path: Path, reason: str) -> str:
    """Rename ``path`` and its record to ``*.bad`` (kept for a look, never read again) and
    return the one line that says so."""
    for file in (path, _record_path(path)):
        if file.exists():
            file.replace(file.with_name(file.name + BAD))
    return f"template cache: {path} set aside as {path.name}{BAD} ({reason}); built instead"


def save(
    dumper: Dumper, name: str, folder: Path, base: str, fingerprint: TemplateFingerprint
) -> Path:
    """Dump database ``name`` into the folder as the file for ``fingerprint``: under a
    temporary name first, record beside it, then both renamed into place (file last), so a
    crash leaves no file that passes ``check``."""
    make_folder(folder)
    path = file_for(folder, base, fingerprint)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")
    os.close(handle)
    staged = Path(temporary)
    try:
        written_by = dumper.dump(name, staged)
        record = Record(
            base=base,
            fingerprint=fingerprint.digest,
            size=staged.stat().st_size,
            sha256=_sha256(staged),
            written_by=written_by,
            created=round(time.time(), 3),
        )
        staged_record = staged.with_name(staged.name + RECORD)
        staged_record.write_text(json.dumps(asdict(record), indent=1) + "\n", encoding="utf-8")
        with _pair_lock(folder):
            staged_record.replace(_record_path(path))
            staged.replace(path)
    finally:
        staged.unlink(missing_ok=True)
        staged.with_name(staged.name + RECORD).unlink(missing_ok=True)
    _bound(folder, base)
    return path


def _bound(folder: Path, base: str) -> None:
    """Keep the newest ``KEPT`` files of ``base``; a cache step would otherwise grow forever."""
    mine = []
    for path in folder.glob(f"{glob.escape(_file_stem(base))}-*{SUFFIX}"):
        try:
            record = read_record(path)
        except Unusable:
            continue
        # Another base whose name begins like this one ("app" and "app-x") is not ours.
        if record.base == base:
            mine.append((record.created, path))
    for _, path in sorted(mine, reverse=True)[KEPT:]:
        path.unlink(missing_ok=True)
        _record_path(path).unlink(missing_ok=True)


def holds(folder: Path, base: str, fingerprint: TemplateFingerprint) -> str:
    """What the folder holds for ``fingerprint``, for ``dbfleet doctor``."""
    path = file_for(folder, base, fingerprint)
    if not path.exists():
        return f"{folder}: no saved template for the current fingerprint {fingerprint.short}"
    try:
        record = read_record(path)
    except Unusable as error:
        return f"{path}: {error}"
    if record.fingerprint != fingerprint.digest:
        return f"{path}: recorded for another fingerprint"
    return f"{path}: the current template ({record.size} bytes, {record.written_by})"
