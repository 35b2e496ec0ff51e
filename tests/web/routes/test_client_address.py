"""Issue 10 point 8 on the site: its audit and its per-address login limit see the same
client address as the API, decided in one place (X-Forwarded-For only from trusted proxies)."""

from __future__ import annotations

from ipaddress import ip_network

from fastapi.testclient import TestClient
from sqlalchemy import select

from onetime.api.app import create_app
from onetime.config import Config
from onetime.storage.schema import audit_log
from onetime.web.config import SiteConfig
from onetime.web.mount import mount_site
from tests.web.routes.conftest import csrf_of


def failed_login_ips(ctx) -> list[str | None]:
    with ctx.db.read() as conn:
        return list(conn.execute(select(audit_log.c.source_ip)
                                 .where(audit_log.c.event == "site_login_failed")
                                 .order_by(audit_log.c.id)).scalars())


def wrong_login(services, world, tmp_path, forwarded_for: str, trusted: tuple) -> None:
    app = create_app(services, trusted_proxies=tuple(ip_network(t) for t in trusted))
    config = Config.from_env({"ONETIME_VAR": str(tmp_path), "ONETIME_KDF": "test"})
    mount_site(app, services, config,
               SiteConfig(service_id=world.institution.service_id, kdf_profile="test"))
    with TestClient(app, base_url="https://testserver", follow_redirects=False,
                    client=("127.0.0.1", 40000)) as client:
        token = csrf_of(client.get("/login").text)
        client.post("/login", headers={"X-Forwarded-For": forwarded_for},
                    data={"csrf_token": token, "login_id": "demo-master",
                          "password": "wrong-password"})


class TestSiteClientAddress:
    def test_the_header_of_an_untrusted_client_is_ignored(self, services, world, ctx,
                                                         tmp_path):
        """No trusted proxy: a failed login from 127.0.0.1 is recorded as 127.0.0.1."""
        wrong_login(services, world, tmp_path, "203.0.113.9", trusted=())
        assert failed_login_ips(ctx) == ["127.0.0.1"]

    def test_a_trusted_proxy_names_the_client(self, services, world, ctx, tmp_path):
        """127.0.0.1 trusted: the rightmost untrusted hop, not the spoofed leftmost one."""
        wrong_login(services, world, tmp_path, "198.51.100.66, 203.0.113.9",
                    trusted=("127.0.0.1",))
        assert failed_login_ips(ctx) == ["203.0.113.9"]
