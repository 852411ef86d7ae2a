from __future__ import annotations

from pathlib import Path

from dbfleet.fingerprint import fingerprint


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
