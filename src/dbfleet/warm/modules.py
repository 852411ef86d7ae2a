"""Which modules a warm interpreter may import ahead of its worker, learnt from the last run.

A worker reports, at the end of its session, the modules it has imported (in the order it
imported them) that a warm interpreter may import for the next run's workers: everything in
``sys.modules`` with a file, except the project's own modules (under the rootdir, or a top-level
name the rootdir or its ``src`` holds: a project installed into site-packages is still the
project). The controller keeps the list in ``.dbfleet/warm-modules.json``. The interpreter leaves
out the packages of every distribution that registers a pytest plugin, and of every distribution
that requires one (pytest imports those itself, to rewrite their asserts, and warns about any it
finds already imported); a module that still pulls one in stops the preload and is skipped from
then on.
"""

from __future__ import annotations

import json
import re
import sys
from importlib import metadata
from pathlib import Path

from dbfleet.jsonfile import make_folder, write_json

LIST_PATH = Path(".dbfleet") / "warm-modules.json"


def _plugin_distributions() -> set[str]:
    """Normalised names of every distribution with a ``pytest11`` entry point."""
    found = set()
    for entry in metadata.entry_points(group="pytest11"):
        dist = getattr(entry, "dist", None)
        if dist is not None:
            found.add(_normalise(dist.metadata["Name"]))
    return found


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def plugin_packages() -> set[str]:
    """Top-level names of every distribution with a ``pytest11`` entry point."""
    names: set[str] = set()
    for entry in metadata.entry_points(group="pytest11"):
        names.add(entry.module.partition(".")[0])
    plugins = _plugin_distributions()
    for top, dists in metadata.packages_distributions().items():
        if any(_normalise(dist) in plugins for dist in dists):
            names.add(top)
    return names


def _needs_a_plugin() -> set[str]:
    """Top-level names whose distribution requires, directly or not, a plugin's distribution:
    importing them would import the plugin's package before pytest could rewrite it."""
    plugins = _plugin_distributions()
    requires: dict[str, set[str]] = {}
    for dist in metadata.distributions():
        name = _normalise(dist.metadata["Name"] or "")
        wanted = set()
        for requirement in dist.requires or []:
            if "extra ==" in requirement:
                continue
            match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
            if match:
                wanted.add(_normalise(match.group(0)))
        requires[name] = wanted

    tainted: dict[str, bool] = {}

    def taints(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name in tainted:
            return tainted[name]
        result = any(
            dep in plugins or (dep not in seen and taints(dep, seen | {name}))
            for dep in requires.get(name, ())
        )
        tainted[name] = result
        return result

    return {
        top
        for top, dists in metadata.packages_distributions().items()
        if any(taints(_normalise(dist)) for dist in dists)
    }


def _project_packages(rootdir: Path) -> set[str]:
    names: set[str] = set()
    for folder in (rootdir, rootdir / "src"):
        if folder.is_dir():
            names.update(path.name.removesuffix(".py") for path in folder.iterdir())
    return names


def unsafe() -> set[str]:
    """Top-level names a warm interpreter must not import: pytest plugins' packages and what
    requires one (read from the installed distributions' metadata, which takes a while: the
    interpreter does it, while the controller starts, not a worker at its end)."""
    return plugin_packages() | _needs_a_plugin()


def preloadable(rootdir: Path) -> list[str]:
    """The worker's imported modules from outside the project, cheaply (no metadata read):
    the interpreter leaves out what ``unsafe`` names."""
    excluded = _project_packages(rootdir) | {"__main__"}
    root = rootdir.resolve()
    found = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file or name.partition(".")[0] in excluded:
            continue
        if type(getattr(module, "__loader__", None)).__name__ == "AssertionRewritingHook":
            continue
        try:
            path = Path(file).resolve()
        except OSError:
            continue
        if path.is_relative_to(root):
            continue
        found.append(name)
    # In the order the worker imported them (sys.modules keeps it): a module imported ahead of
    # its importer can set up differently (``_asyncio`` before ``asyncio`` breaks tasks).
    return found


def save(rootdir: Path, names: list[str], skip: set[str]) -> None:
    """Keep the list, in import order, without what a warm interpreter found pulling a plugin
    in (``skip``, kept too so that the next list leaves them out)."""
    path = rootdir / LIST_PATH
    skip = skip | set(load(rootdir)[1])
    make_folder(path.parent)
    keep = [name for name in names if name.partition(".")[0] not in skip]
    write_json(path, {"modules": keep, "skip": sorted(skip)})


def load(rootdir: Path) -> tuple[list[str], list[str]]:
    """The list and the top-level names to skip; empty when there is none (or it is unreadable:
    it is only a hint)."""
    try:
        data = json.loads((rootdir / LIST_PATH).read_text())
        return [str(n) for n in data["modules"]], [str(n) for n in data.get("skip", [])]
    except (OSError, ValueError, KeyError, TypeError):
        return [], []
