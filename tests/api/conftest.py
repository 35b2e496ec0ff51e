"""The HTTP world: the app around the test services, institution 0002's key, §7 verbs.

Every test here runs on SQLite and PostgreSQL (through `services` → `db_url`).
"""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

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
    """tests/conftest.py's db_url, with SQLite copied from a template instead of migrated.

    Running the migrations for each of several hundred API tests costs more than the
    tests themselves; a copy of a migrated file is the same empty database.
    """
    if request.param == "sqlite":
        target = tmp_path / "onetime.db"
        shutil.copyfile(sqlite_template, target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("pg_database")
    db = Database(url)
    with db.engine.begin() as conn:
        names = ", ".join(t.name for t in metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
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
