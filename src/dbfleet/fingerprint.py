"""What decides whether a template is still current, and the hash of it.

"Is the template current?" is a name lookup, not a query of state: the fingerprint is part of
the template's name. Everything that can change the built schema must enter it, including the
migrator's own settings and dbfleet's template format (a template library once shipped a stale
template bug because its hash missed the migrator's code).

Python files enter by their code, not their bytes: a migration imports ordinary app modules, and
a comment added to one of them must not cost a rebuild. Each file's digest is remembered in
``.dbfleet/fingerprints.json``, so a rebuild can name the files that caused it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dbfleet.jsonfile import write_json
from dbfleet.marker import TEMPLATE_FORMAT

#: Where each base's recent fingerprints keep their per-file digests.
MEMORY_PATH = Path(".dbfleet") / "fingerprints.json"

#: Fingerprints remembered per base: as many as the templates kept, and a few more.
REMEMBERED = 8

#: Tokens that carry no code: formatting and comments.
_LAYOUT = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}


@dataclass(frozen=True)
class TemplateFingerprint:
    """The inputs of a template and their digest; ``short`` goes into the template's name."""

    digest: str
    files: int
    #: Each input file's own digest, by its label (a path relative to the project).
    per_file: Mapping[str, str] = field(default_factory=dict, compare=False)

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
    per_file: dict[str, str] = {}
    for path in sorted(files):
        label = _label(path, rootdir)
        digest = content_digest(path)
        per_file[label] = digest.hex()
        hasher.update(label.encode() + b"\0")
        hasher.update(digest)
    return TemplateFingerprint(digest=hasher.hexdigest(), files=len(files), per_file=per_file)


def content_digest(path: Path) -> bytes:
    """A file's digest; for Python, of its tokens without comments, docstrings and layout, so
    only a change to what the code does changes it. Anything tokenize cannot read is hashed
    byte for byte."""
    data = path.read_bytes()
    if path.suffix != ".py":
        return hashlib.sha256(data).digest()
    hasher = hashlib.sha256()
    previous = tokenize.NEWLINE
    try:
        tokens = list(tokenize.tokenize(io.BytesIO(data).readline))
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        return hashlib.sha256(data).digest()
    code = [token for token in tokens if token.type not in _LAYOUT]
    for index, token in enumerate(code):
        starts = previous in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
        following = code[index + 1].type if index + 1 < len(code) else None
        if token.type == tokenize.STRING and starts and following == tokenize.NEWLINE:
            previous = tokenize.STRING
            continue  # a docstring, or any string that is a statement of its own
        text = "" if token.type in (tokenize.INDENT, tokenize.DEDENT) else token.string
        hasher.update(f"{token.type}:{text}".encode() + b"\0")
        previous = token.type
    return hasher.digest()


def changed_files(rootdir: Path, base: str, current: TemplateFingerprint) -> tuple[str, ...]:
    """The files whose change made ``current`` differ from the newest fingerprint remembered
    for ``base`` (added, removed or edited); empty when nothing is remembered."""
    before = _memory(rootdir).get(base, [])
    previous = next((entry for entry in before if entry.get("digest") != current.digest), None)
    if previous is None:
        return ()
    files = previous.get("files")
    files = files if isinstance(files, dict) else {}
    now = dict(current.per_file)
    changed = {label for label in now.keys() | files.keys() if now.get(label) != files.get(label)}
    return tuple(sorted(changed))


def remember(rootdir: Path, base: str, current: TemplateFingerprint) -> None:
    """Keep ``current``'s per-file digests as the newest of ``base``; a warm run whose
    fingerprint already is the newest writes nothing."""
    memory = _memory(rootdir)
    entries = memory.get(base, [])
    if entries and entries[0].get("digest") == current.digest:
        return
    entry: dict[str, object] = {"digest": current.digest, "files": dict(current.per_file)}
    rest = [e for e in entries if e.get("digest") != current.digest]
    memory[base] = [entry, *rest][:REMEMBERED]
    # A read-only checkout: the header just cannot say what changed next time.
    with contextlib.suppress(OSError):
        write_json(rootdir / MEMORY_PATH, memory)


def _memory(rootdir: Path) -> dict[str, list[dict[str, object]]]:
    try:
        data = json.loads((rootdir / MEMORY_PATH).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _label(path: Path, rootdir: Path) -> str:
    """Paths enter the hash relative to the project, so checkouts in other places agree."""
    try:
        return path.resolve().relative_to(rootdir.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
