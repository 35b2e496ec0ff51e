"""deploy/haproxy.cfg: with no server process left, haproxy answers the service's own 503."""

from __future__ import annotations

import httpx

from deploy import cluster
from tests.deploy.conftest import require_program
from tests.e2e import servers


def test_no_process_left_is_a_503_problem_with_retry_after(tmp_path):
    """Every backend down (a port nobody listens on): the client is told to come back."""
    require_program("haproxy", "haproxy")
    with cluster.haproxy([(servers.HOST, servers.free_port())], tmp_path) as (url, _process):
        response = httpx.post(f"{url}/api/v1/services/0001/users/taro/verifications",
                              json={"code": "123456", "operation": "transfer"}, timeout=10)
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (503, "service_unavailable")
