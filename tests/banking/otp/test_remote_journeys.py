"""The site's journeys against the OTP service over HTTP API v1 (RemoteOtp): the service
runs in uvicorn on 127.0.0.1, on its database; the site on a database of its own, with
its own audit trail. Login, issuance, confirmation, a transfer with step-up, release by
the branch, revocation, the branch's issuance reset — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select

from onetime.api.app import create_app
from onetime.banking.otp.remote import RemoteOtp
from onetime.banking.service.context import Context
from onetime.banking.service.demo import seed_demo
from onetime.banking.service.services import SiteServices
from onetime.domain.errors import TokenNotSuspended
from onetime.storage import migrate
from onetime.storage.audit import AuditRepository
from onetime.storage.database import Database
from onetime.storage.schema import audit_log
from onetime.web.app import create_site
from onetime.web.config import SiteConfig
from tests.banking.storage.test_upgrade import _fresh_pg
from tests.banking.world import code, wrong
from tests.e2e.servers import free_port
from tests.web.routes.conftest import csrf_of, log_in, page_token
from tests.web.routes.test_pages import set_up_app


@pytest.fixture
def keyed(services):
    """The institution at the OTP service, and its API key (the site's credential)."""
    inst, key = services.institutions.add("0001", "茨城テスト信用組合", "otp@bank.example.jp")
    return inst, key.reveal_text()


@pytest.fixture
def institution(keyed):
    return keyed[0]


@pytest.fixture
def api_key(keyed):
    return keyed[1]


@pytest.fixture
def otp_server(services, institution):
    """The OTP service alone, over HTTP on a free loopback port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(services), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the OTP service did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


@pytest.fixture
def site_db(db_url, request):
    """The site's own database: another SQLite file, or another PostgreSQL database."""
    url = (db_url.replace("onetime.db", "site.db") if db_url.startswith("sqlite")
           else _fresh_pg(db_url, request, "_site"))
    db = Database(url)
    migrate.upgrade(db, parts=("banking",))
    yield db
    db.dispose()


@pytest.fixture
def remote(otp_server, site_db, institution, api_key, clock, keyring, tmp_path):
    otp = RemoteOtp(otp_server, {institution.service_id: api_key})
    ctx = Context(db=site_db, clock=clock, keyring=keyring, audit=AuditRepository(),
                  otp=otp)
    site = SiteServices.build(ctx, kdf_profile="test")
    bank = site.institutions.register(institution.service_id, institution.name,
                                      institution.mail_sender, institution.settings)
    seed_demo(site, bank, otp_enabled=True)
    app = create_site(site, SiteConfig(service_id=institution.service_id, kdf_profile="test"))
    yield site, TestClient(app, base_url="https://testserver", follow_redirects=False)
    otp.close()


class World:
    """What set_up_app needs: the OTP service's side of the app's setup protocol."""

    def __init__(self, services, institution):
        self.services, self.institution = services, institution


def test_the_site_runs_against_the_otp_service_over_http(remote, services, institution,
                                                         site_db, ctx, clock):
    site, client = remote
    assert site_db.engine.url != ctx.db.engine.url
    # Login and issuance (トークン発行) through the site's pages.
    assert log_in(client, "demo-master").headers["location"] == "/issuance"
    page = client.get("/issuance")
    response = client.post("/issuance", data={
        "csrf_token": csrf_of(page.text), "action": "issue", "email": "m@example.jp",
        "activation_password": "4829", "activation_password_again": "4829"})
    assert response.headers["location"] == "/confirmation"
    # The app sets up against the OTP service; the site confirms the first code.
    master = site.users.authenticate(site.institutions.get(institution.service_id),
                                     "demo-master", "Master-pass1")
    secret = set_up_app(World(services, institution), master, "4829")
    page = client.get("/confirmation")
    done = client.post("/confirmation", data={"csrf_token": csrf_of(page.text),
                                              "code": code(secret, clock)})
    assert done.headers["location"] == "/top"
    clock.advance(60)
    # A transfer with step-up: confirmation password and a code, verified over HTTP.
    token = page_token(client, "/transfer")
    accounts = site.transfers.accounts(master)
    client.post("/transfer", data={
        "csrf_token": token, "from_account": str(accounts[0].id), "bank_code": "0009",
        "branch_code": "001", "account_type": "ordinary", "account_number": "7654321",
        "holder_name": "ｽｽﾞｷ", "amount": "30000"})
    confirm = client.get("/transfer/confirm").text
    request_id = confirm.split('name="request_id" value="')[1].split('"')[0]
    response = client.post("/transfer/confirm", data={
        "csrf_token": token, "request_id": request_id,
        "confirmation_password": "Master-conf1", "code": code(secret, clock)})
    assert response.headers["location"] == "/transfer/result"
    assert site.transfers.accounts(master)[0].balance == 4_970_000 - 660  # and the fee
    # Ten wrong codes suspend the token at the OTP service; the branch releases it.
    clock.advance(60)
    bank = site.institutions.get(institution.service_id)
    for _ in range(institution.settings.max_failures):
        site.tokens.verify(bank, master.user_id, wrong(code(secret, clock)), "transfer")
    assert services.tokens.get_token(institution, master.user_id).state == "suspended"
    staff = site.branch.authenticate(bank, "branch01", "Branch-pass1")
    assert site.branch.release(bank, staff, master.id, "本人確認済み").state == "active"
    with pytest.raises(TokenNotSuspended):  # the service's 409, as the domain error
        site.branch.release(bank, staff, master.id, "もう一度")
    # Revocation by the branch: the OTP service revokes, rule 10's embargo comes back.
    revoked = site.branch.revoke(bank, staff, master.id, "機種変更")
    assert revoked.state == "revoked"
    assert revoked.setup_available_at is not None
    # The general user's issuance, reset by the branch (the new v1 endpoint).
    general = site.users.authenticate(bank, "demo-general", "General-pass1")
    site.tokens.issue_token(bank, general.user_id, "g@example.jp", "1234")
    assert site.branch.reset_issuance(bank, staff, general.id, "メール紛失").state == "expired"
    # The site's events are in the site's own trail; the token events in the service's.
    with site_db.read() as conn:
        site_events = {r.event for r in conn.execute(select(audit_log.c.event))}
    with ctx.db.read() as conn:
        otp_events = {r.event for r in conn.execute(select(audit_log.c.event))}
    assert {"site_login", "branch_login", "transfer_executed"} <= site_events
    assert {"token_issued", "token_confirmed", "code_verified", "token_released",
            "token_revoked", "issuance_expired"} <= otp_events
    assert not {"site_login", "transfer_executed"} & otp_events
