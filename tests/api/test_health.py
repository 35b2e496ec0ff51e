"""/healthz and /readyz: unauthenticated, never cached, 503 when the server cannot serve."""

from __future__ import annotations

from fastapi.testclient import TestClient

from onetime.api.app import create_app
from onetime.service.sealing import Heartbeat


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert response.headers["cache-control"] == "no-store"


def test_readyz_without_a_dedicated_sealer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready",
                               "checks": {"database": "ok", "sealer": "off"}}


def test_readyz_is_503_while_the_sealer_is_down(services, tmp_path):
    """The heartbeat is a file every worker reads: down until the sealer beats."""
    heartbeat = Heartbeat(tmp_path / "sealer.heartbeat")
    with TestClient(create_app(services, sealer_heartbeat=heartbeat)) as client:
        down = client.get("/readyz")
        heartbeat.beat()
        up = client.get("/readyz")
    assert (down.status_code, down.json()["checks"]["sealer"]) == (503, "down")
    assert down.json()["status"] == "unavailable"
    assert (up.status_code, up.json()["checks"]["sealer"]) == (200, "running")
