"""What decides whether a template is still current, and the hash of it.

"Is the template current?" is a name lookup, not a query of state: the fingerprint is part of
the template's name. Everything that can change the built schema must enter it, including the
migrator's own settings and dbfleet's template format (a template library once shipped a stale
template bug because its hash missed the migrator's code).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dbfleet.marker import TEMPLATE_FORMAT


@dataclass(frozen=True)
class TemplateFingerprint:
    """The inputs of a template and their digest; ``short`` goes into the template's name."""

    digest: str
    files: int

    @property
    def short(self) -> str:
        return self.digest[:10]


def fingerprint(
    *,
    migrate_spec: str,
    sources: Iterable[Path],
    extra_globs: Iterable[str],
    rootdir: Path,
    server_version: str,
) -> TemplateFingerprint:
    """Hash the migration sources, the extra globbed files, the setting and the server version."""
    files = set(sources)
    for pattern in extra_globs:
        files.update(path for path in rootdir.glob(pattern) if path.is_file())
    hasher = hashlib.sha256()
    for part in (
        f"format={TEMPLATE_FORMAT}",
        f"migrate={migrate_spec}",
        f"server={server_version}",
    ):
        hasher.update(part.encode() + b"\0")
    for path in sorted(files):
        hasher.update(_label(path, rootdir).encode() + b"\0")
        hasher.update(hashlib.sha256(path.read_bytes()).digest())
    return TemplateFingerprint(digest=hasher.hexdigest(), files=len(files))


def _label(path: Path, rootdir: Path) -> str:
    """Paths enter the hash relative to the project, so checkouts in other places agree."""
    try:
        return path.resolve().relative_to(rootdir.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
