"""Inner pytest projects for the isolation tests: the schema in each dialect, the project
layout, and inner runs (the dbfleet plugin registers isolation itself)."""

from __future__ import annotations

import pytest

from backends.servers import Server
from support import INHERITED, run


def run_inner(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """``support.run`` with the isolation plugin loaded and no cache directory."""
    return run(pytester, "-p", "no:cacheprovider", *args)


#: The same small schema in each dialect: seed rows, a counter, a foreign key.
SCHEMAS = {
    "postgresql": """
CREATE TABLE item (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE tag (id serial PRIMARY KEY, item_id int NOT NULL REFERENCES item (id), label text);
INSERT INTO item (name) VALUES ('seed-1'), ('seed-2');
INSERT INTO tag (item_id, label) VALUES (1, 'first');
""",
    "mysql": """
CREATE TABLE item (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL) ENGINE=InnoDB;
CREATE TABLE tag (id INT AUTO_INCREMENT PRIMARY KEY, item_id INT NOT NULL, label VARCHAR(50),
  FOREIGN KEY (item_id) REFERENCES item (id)) ENGINE=InnoDB;
INSERT INTO item (name) VALUES ('seed-1'), ('seed-2');
INSERT INTO tag (item_id, label) VALUES (1, 'first');
""",
    "sqlite": """
CREATE TABLE item (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
CREATE TABLE tag (id INTEGER PRIMARY KEY AUTOINCREMENT,
  item_id INTEGER NOT NULL REFERENCES item (id), label TEXT);
INSERT INTO item (name) VALUES ('seed-1'), ('seed-2');
INSERT INTO tag (item_id, label) VALUES (1, 'first');
""",
}


def make_project(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    server: Server,
    base: str,
    *,
    driver: str = "",
    ini: str = "",
) -> pytest.Pytester:
    """An inner project migrating ``SCHEMAS[server.kind]``, with only ``DBFLEET_URL`` set."""
    for name in INHERITED:
        monkeypatch.delenv(name, raising=False)
    url = server.url(base)
    if driver:
        url = url.replace(url.split("://", 1)[0], driver, 1)
    monkeypatch.setenv("DBFLEET_URL", url)
    if "asyncio_default_fixture_loop_scope" not in ini:
        ini += "asyncio_default_fixture_loop_scope = function\n"
    pytester.makeini("[pytest]\ndbfleet_migrate = sql:schema.sql\nfilterwarnings = error\n" + ini)
    (pytester.path / "schema.sql").write_text(SCHEMAS[server.kind])
    return pytester


def leftovers(server: Server, base: str) -> set[str]:
    """Databases left under ``base`` besides the template, which dbfleet keeps on purpose."""
    return {name for name in server.names(base) if "_tpl_" not in name}
