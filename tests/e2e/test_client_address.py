"""Issue 10 point 8 through a real `onetime serve --site`: uvicorn's own proxy header
handling (which trusts 127.0.0.1 by default) must not decide the client's address."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from onetime.storage.schema import audit_log
from tests.e2e import servers
from tests.web.routes.conftest import csrf_of

SPOOFED = "198.51.100.66, 203.0.113.9"


def recorded(site: servers.Site) -> dict[str, list[str | None]]:
    """source_ip of each audit event the two requests below write."""
    with site.ctx.db.read() as conn:
        rows = conn.execute(select(audit_log.c.event, audit_log.c.source_ip)
                            .where(audit_log.c.event.in_(["code_verified",
                                                          "site_login_failed"]))
                            .order_by(audit_log.c.id)).all()
    out: dict[str, list[str | None]] = {}
    for event, ip in rows:
        out.setdefault(event, []).append(ip)
    return out


def forwarded_requests(site: servers.Site, server: servers.Server) -> None:
    """A verification (API, fast path) and a failed login (site), both with the header."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        answer = client.post(f"/api/v1/services/{site.institution.service_id}/users/taro/"
                             "verifications",
                             headers={"Authorization": f"Bearer {site.api_key}",
                                      "X-Forwarded-For": SPOOFED},
                             json={"code": "12345678", "operation": "login"})
        assert answer.json()["result"] == "not_active", answer.text
        token = csrf_of(client.get("/login").text)
        login = client.post("/login", headers={"X-Forwarded-For": SPOOFED},
                            data={"csrf_token": token, "login_id": "nobody",
                                  "password": "wrong-password"})
        assert login.status_code in (200, 303, 401), login.text  # refused, shown or PRG


def env_of(site: servers.Site, **extra: str) -> dict[str, str]:
    return {**site.env, "ONETIME_SITE_SERVICE_ID": site.institution.service_id,
            "ONETIME_SITE_INSECURE_LOOPBACK_COOKIES": "1", **extra}


class TestServeClientAddress:
    def test_serve_ignores_forwarded_for_by_default(self, site, tmp_path):
        """No ONETIME_TRUSTED_PROXIES: a local client cannot name another address."""
        with servers.serve(env_of(site), tmp_path, extra_args=("--site",)) as [server]:
            forwarded_requests(site, server)
        assert recorded(site) == {"code_verified": ["127.0.0.1"],
                                  "site_login_failed": ["127.0.0.1"]}

    def test_serve_believes_a_listed_proxy(self, site, tmp_path):
        """127.0.0.1 listed: the rightmost untrusted hop; the spoofed leftmost is ignored."""
        env = env_of(site, ONETIME_TRUSTED_PROXIES="127.0.0.1")
        with servers.serve(env, tmp_path, extra_args=("--site",)) as [server]:
            forwarded_requests(site, server)
        assert recorded(site) == {"code_verified": ["203.0.113.9"],
                                  "site_login_failed": ["203.0.113.9"]}
