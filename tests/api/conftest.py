"""The HTTP world: the app around the test services, institution 0002's key, §7 verbs.

Every test here runs on SQLite and PostgreSQL (through `services` → `db_url`).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from onetime.api.app import create_app
from tests.api.helpers import Api


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
