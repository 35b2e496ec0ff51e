"""The combined API + site app under TestClient, on SQLite, with the world seeded."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from onetime.api.app import create_app
from onetime.config import Config
from onetime.storage import migrate
from onetime.storage.database import Database
from onetime.web.config import SiteConfig
from onetime.web.mount import mount_site
from tests.banking.world import PASSWORDS, code

CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture
def db_url(tmp_path):
    """Routes run on SQLite only; the service tests cover both databases."""
    url = f"sqlite:///{tmp_path / 'onetime.db'}"
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    return url


@dataclass
class Web:
    app: FastAPI
    site_app: FastAPI

    def client(self, base_url: str = "https://testserver") -> TestClient:
        return TestClient(self.app, base_url=base_url, follow_redirects=False)


def build(services, institution, tmp_path, **site_options) -> Web:
    app = create_app(services)
    config = Config.from_env({"ONETIME_VAR": str(tmp_path)})
    options = {"service_id": institution.service_id, "kdf_profile": "test", "demo": True,
               "maildir": tmp_path / "mail", **site_options}
    site_app = mount_site(app, services, config, SiteConfig(**options))
    return Web(app, site_app)


@pytest.fixture
def web(world, services, tmp_path) -> Web:
    return build(services, world.institution, tmp_path)


@pytest.fixture
def client(web) -> TestClient:
    return web.client()


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no form token"
    return match.group(1)


def log_in(client: TestClient, login_id: str, password: str | None = None, *,
           branch: bool = False):
    base = "/branch/login" if branch else "/login"
    token = csrf_of(client.get(base).text)
    if password is None:
        password = "Branch-pass1" if branch else PASSWORDS[login_id][0]
    return client.post(base, data={"csrf_token": token, "login_id": login_id,
                                   "password": password})


def page_token(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return csrf_of(response.text)


def refused(client: TestClient, response, form: str) -> str:
    """A refused form (Post/Redirect/Get): 303 back to `form`, whose page shows why."""
    assert response.status_code == 303, (response.status_code, response.text[:500])
    assert response.headers["location"] == form
    page = client.get(form)
    assert page.status_code == 200, (form, page.status_code, page.text[:500])
    return page.text


def open_token_management(client: TestClient, login_id: str, secret: bytes, clock) -> None:
    """Pass the トークン管理 step-up (issue 12.6) the default policy asks for; the clock
    then moves on a step, so the next code (a revocation's own) is a fresh one."""
    token = page_token(client, "/manage/tokens/stepup")
    response = client.post("/manage/tokens/stepup", data={
        "csrf_token": token, "confirmation_password": PASSWORDS[login_id][1],
        "code": code(secret, clock)})
    assert response.headers["location"] == "/manage/tokens", client.get(
        "/manage/tokens/stepup").text[:2000]
    clock.advance(60)
