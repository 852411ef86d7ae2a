from __future__ import annotations

from pathlib import Path

from dbfleet.fingerprint import (
    TemplateFingerprint,
    changed_files,
    content_digest,
    fingerprint,
    remember,
)


def _fp(root: Path, spec: str = "sql:m", version: str = "16", globs: tuple[str, ...] = ()) -> str:
    return fingerprint(
        migrate_spec=spec,
        sources=sorted((root / "m").glob("*.sql")),
        extra_globs=globs,
        rootdir=root,
        server_version=version,
    ).digest


def _project(root: Path) -> Path:
    (root / "m").mkdir(parents=True)
    (root / "m" / "001.sql").write_text("CREATE TABLE a (id int);")
    return root


def test_same_inputs_give_the_same_fingerprint_in_another_checkout(tmp_path: Path) -> None:
    assert _fp(_project(tmp_path / "one")) == _fp(_project(tmp_path / "two"))


def test_a_changed_migration_changes_the_fingerprint(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = _fp(root)
    (root / "m" / "001.sql").write_text("CREATE TABLE a (id bigint);")
    assert _fp(root) != before


def test_a_new_migration_changes_the_fingerprint(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = _fp(root)
    (root / "m" / "002.sql").write_text("CREATE TABLE b (id int);")
    assert _fp(root) != before


def test_setting_and_server_version_enter_the_fingerprint(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert _fp(root) != _fp(root, spec="sql:m/")
    assert _fp(root) != _fp(root, version="17")


def test_extra_globs_enter_the_fingerprint(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "seed.json").write_text("[]")
    before = _fp(root, globs=("*.json",))
    (root / "seed.json").write_text("[1]")
    assert _fp(root, globs=("*.json",)) != before


MODELS = '''"""The app's models."""
import sqlalchemy as sa


def table(metadata):
    """Build the table."""
    return sa.Table("item", metadata, sa.Column("id", sa.Integer, primary_key=True))
'''


def test_comments_docstrings_and_layout_of_python_do_not_change_it(tmp_path: Path) -> None:
    models = tmp_path / "models.py"
    models.write_text(MODELS)
    before = content_digest(models)
    edited = MODELS.replace('"""Build the table."""', '"""Build the item table, documented."""')
    edited = edited.replace("import sqlalchemy as sa", "import sqlalchemy as sa  # the ORM")
    edited = edited.replace(
        'sa.Table("item", metadata,', 'sa.Table(\n        "item",\n        metadata,\n       '
    )
    models.write_text("# a new comment\n" + edited + "\n\n")
    assert content_digest(models) == before
    models.write_text(MODELS.replace('"item"', '"items"'))
    assert content_digest(models) != before
    # A string that is an argument is code, not a docstring.
    models.write_text(MODELS.replace("primary_key=True", "primary_key=True, comment='x'"))
    assert content_digest(models) != before


def test_a_rebuild_names_the_files_that_changed(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "001.sql").write_text("CREATE TABLE a (id int);")
    (tmp_path / "m" / "002.sql").write_text("CREATE TABLE b (id int);")

    def current() -> TemplateFingerprint:
        sources = sorted((tmp_path / "m").glob("*.sql"))
        return fingerprint(
            migrate_spec="sql:m",
            sources=sources,
            extra_globs=(),
            rootdir=tmp_path,
            server_version="16",
        )

    first = current()
    assert changed_files(tmp_path, "app_test", first) == ()
    remember(tmp_path, "app_test", first)
    assert changed_files(tmp_path, "app_test", first) == ()
    (tmp_path / "m" / "002.sql").write_text("CREATE TABLE b (id bigint);")
    (tmp_path / "m" / "003.sql").write_text("CREATE TABLE c (id int);")
    assert changed_files(tmp_path, "app_test", current()) == ("m/002.sql", "m/003.sql")
    assert changed_files(tmp_path, "other_test", current()) == ()
