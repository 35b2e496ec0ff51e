"""The HTTP world: the app around the test services, institution 0002's key, §7 verbs.

Every test here runs on SQLite and PostgreSQL (through `services` → `db_url`).
"""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from onetime.api.app import create_app
from onetime.storage import migrate
from onetime.storage.database import Database
from onetime.storage.schema import metadata
from tests.api.helpers import Api


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """One migrated SQLite file per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "onetime.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    db.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path, sqlite_template):
    """tests/conftest.py's db_url, made cheaper for several hundred API tests.

    SQLite is a copy of a migrated file instead of a fresh migration, and PostgreSQL is
    emptied with DELETE instead of TRUNCATE (six times faster on tables this small);
    either way each test starts from the same empty schema.
    """
    if request.param == "sqlite":
        target = tmp_path / "onetime.db"
        shutil.copyfile(sqlite_template, target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("pg_database")
    db = Database(url)
    with db.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    db.dispose()
    return url


@pytest.fixture
def client(services):
    with TestClient(create_app(services)) as test_client:
        yield test_client


@pytest.fixture
def auth(api_key):
    """Headers carrying institution 0002's API key."""
    return {"Authorization": f"Bearer {api_key}"}


@pytest.fixture
def api(client, auth, clock):
    return Api(client, auth, clock)
