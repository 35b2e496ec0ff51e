"""/healthz and /readyz: unauthenticated, never cached, 503 when the server cannot serve."""

from __future__ import annotations

import contextlib
import shutil

from fastapi.testclient import TestClient

from onetime.api.app import create_app
from onetime.crypto import TEST_KDF
from onetime.service.context import Context
from onetime.service.sealing import Heartbeat
from onetime.service.services import Services
from onetime.storage import migrate
from onetime.storage.database import Database
from tests.e2e.servers import free_port, postgres_database
from tests.polling import eventually

OLD_REVISION = "8028a021c397"  # the OTP history's first: before the banking tables


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert response.headers["cache-control"] == "no-store"


def test_readyz_without_a_dedicated_sealer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready",
                               "checks": {"database": "ok", "migrations": "current",
                                          "keys": "loaded", "sealer": "off"},
                               "failed": []}


def test_readyz_is_503_while_the_sealer_is_down(services, tmp_path):
    """The heartbeat is a file every worker reads: down until the sealer beats."""
    heartbeat = Heartbeat(tmp_path / "sealer.heartbeat")
    with TestClient(create_app(services, sealer_heartbeat=heartbeat)) as client:
        down = client.get("/readyz")
        heartbeat.beat()
        up = client.get("/readyz")
    assert (down.status_code, down.json()["checks"]["sealer"]) == (503, "down")
    assert (down.json()["status"], down.json()["failed"]) == ("unavailable", ["sealer"])
    assert (up.status_code, up.json()["checks"]["sealer"]) == (200, "running")


def readyz(services: Services):
    with TestClient(create_app(services)) as client:
        response = client.get("/readyz")
    return response.status_code, response.json()


def services_on(url: str, keyring, clock) -> Services:
    return Services.from_context(Context(db=Database(url), keyring=keyring, clock=clock,
                                         setup_kdf=TEST_KDF))


def test_readyz_is_503_with_the_database_stopped(db_url, keyring, clock, tmp_path):
    """PostgreSQL: a port no server listens on. SQLite: its directory gone (a lost volume)."""
    if db_url.startswith("sqlite"):
        directory = tmp_path / "volume"
        directory.mkdir()
        url = f"sqlite:///{directory / 'onetime.db'}"
        migrate.upgrade(Database(url))
        services = services_on(url, keyring, clock)
        assert readyz(services)[0] == 200
        shutil.rmtree(directory)
        services.ctx.db.dispose()  # the pooled connections held the old file open
    else:
        services = services_on(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test",
                               keyring, clock)
    status, body = readyz(services)
    assert (status, body["status"]) == (503, "unavailable")
    assert body["checks"] == {"database": "down", "migrations": "unknown", "keys": "loaded",
                              "sealer": "off"}
    assert body["failed"] == ["database", "migrations"]


def test_readyz_is_503_on_a_schema_older_than_the_code(db_url, keyring, clock, tmp_path):
    """A fresh database migrated to an old revision only, as before an upgrade's migrate."""
    with contextlib.ExitStack() as stack:
        url = f"sqlite:///{tmp_path / 'old.db'}" if db_url.startswith("sqlite") \
            else stack.enter_context(postgres_database())
        old = Database(url)
        stack.callback(old.dispose)
        migrate.upgrade(old, OLD_REVISION, parts=("otp",))
        services = services_on(url, keyring, clock)
        stack.callback(services.ctx.db.dispose)
        behind = readyz(services)
        migrate.upgrade(old)
        current = readyz(services)
    assert behind[0] == 503
    assert (behind[1]["checks"]["migrations"], behind[1]["failed"]) == ("behind", ["migrations"])
    assert (current[0], current[1]["failed"]) == (200, [])


def test_readyz_is_503_once_the_key_file_is_gone(services, tmp_path):
    """The key file deleted under a running server: it could not follow a rotation, nor
    start again. The provider looks at the file at most once a second."""
    key_file = services.ctx.keyring.provider.path
    with TestClient(create_app(services)) as client:
        assert client.get("/readyz").status_code == 200
        key_file.unlink()
        response = eventually(lambda: (r := client.get("/readyz")).status_code == 503 and r,
                              "/readyz 503 without the key file", timeout=5)
    assert response.json()["checks"]["keys"] == "missing"
    assert response.json()["failed"] == ["keys"]
