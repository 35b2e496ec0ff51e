"""Issue 10 point 9 on the site: a locked database shows a Japanese 503 page with
Retry-After, never the 500 page, and the refused login wrote nothing."""

from __future__ import annotations

import sqlite3

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onetime.api.app import create_app
from onetime.banking.storage.schema import throttle, web_sessions
from onetime.config import Config
from onetime.crypto import TEST_KDF
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.storage.database import Database
from onetime.storage.schema import audit_log
from onetime.web.config import SiteConfig
from onetime.web.mount import mount_site
from tests.banking.world import PASSWORDS
from tests.web.routes.conftest import csrf_of


def counts(ctx) -> dict[str, int]:
    with ctx.db.read() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (audit_log, web_sessions, throttle)}


class TestSiteDatabaseLocked:
    def test_a_login_while_locked_shows_the_503_page(self, world, ctx, keyring, clock,
                                                    tmp_path, db_url):
        """Another connection holds the write lock past the busy timeout: 503 in Japanese."""
        services = Services.from_context(Context(
            db=Database(db_url, busy_timeout=0.3), keyring=keyring, clock=clock,
            setup_kdf=TEST_KDF))
        app = create_app(services)
        mount_site(app, services, Config.from_env({"ONETIME_VAR": str(tmp_path)}),
                   SiteConfig(service_id=world.institution.service_id, kdf_profile="test"))
        before = counts(ctx)
        holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            with TestClient(app, base_url="https://testserver", follow_redirects=False,
                            raise_server_exceptions=False) as client:
                token = csrf_of(client.get("/login").text)
                holder.execute("BEGIN EXCLUSIVE")
                response = client.post("/login", data={
                    "csrf_token": token, "login_id": "demo-master",
                    "password": PASSWORDS["demo-master"][0]})
        finally:
            holder.rollback()
            holder.close()
            services.ctx.db.dispose()
        assert response.status_code == 503
        assert int(response.headers["retry-after"]) >= 1
        assert "しばらくしてから" in response.text
        assert 'lang="ja"' in response.text
        assert counts(ctx) == before
