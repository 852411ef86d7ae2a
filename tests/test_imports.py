"""The project files a migration imports, read from the source: followed through the project,
never into installed code."""

from __future__ import annotations

from pathlib import Path

from dbfleet.imports import imported_project_files


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_builder_depends_on_the_models_it_imports_and_theirs(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "build.py": "from app.models import Base\nimport sqlalchemy\n",
            "app/__init__.py": "",
            "app/models/__init__.py": "from .user import User\nfrom . import order\n",
            "app/models/user.py": "from ..base import Base\n",
            "app/models/order.py": "",
            "app/base.py": "import os\n",
            "app/unused.py": "",
            ".venv/lib/site-packages/sqlalchemy/__init__.py": "",
        },
    )
    found = imported_project_files([tmp_path / "build.py"], tmp_path)
    names = sorted(path.relative_to(tmp_path.resolve()).as_posix() for path in found)
    assert names == [
        "app/__init__.py",
        "app/base.py",
        "app/models/__init__.py",
        "app/models/order.py",
        "app/models/user.py",
    ]


def test_a_src_layout_and_a_namespace_package_are_followed(tmp_path: Path) -> None:
    _write(tmp_path, {"env.py": "from svc.db import models\n", "src/svc/db/models.py": ""})
    found = imported_project_files([tmp_path / "env.py"], tmp_path)
    assert found == [(tmp_path / "src/svc/db/models.py").resolve()]


def test_a_file_that_does_not_parse_adds_nothing(tmp_path: Path) -> None:
    _write(tmp_path, {"build.py": "import (\n"})
    assert imported_project_files([tmp_path / "build.py"], tmp_path) == []
