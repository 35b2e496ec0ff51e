"""The banking site's world in one line: an institution, a contract with a master, an admin
and a general user, their accounts, a branch account, OTP enabled — on both databases.
Fixtures for tests/banking and tests/web (their conftest.py files import them)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest

from onetime.banking.domain.people import BranchStaff, Contract, Role, SiteUser
from onetime.banking.otp.local import local_site
from onetime.banking.service.demo import seed_demo
from onetime.banking.service.services import SiteServices
from onetime.crypto import TEST_KDF
from onetime.domain.institutions import Institution
from onetime.otp import totp
from onetime.service.services import Services
from onetime.setup.protocol import Client

PASSWORDS = {  # login ID → (login password, confirmation password)
    "demo-master": ("Master-pass1", "Master-conf1"),
    "demo-admin": ("Admin-pass1", "Admin-conf1"),
    "demo-general": ("General-pass1", "General-conf1"),
    "solo-master": ("Solo-pass1", "Solo-conf1"),
    "solo-general": ("Solo-gen-pass1", "Solo-gen-conf1"),
}


@dataclass
class World:
    services: Services
    site: SiteServices
    institution: Institution
    contract: Contract
    master: SiteUser
    admin: SiteUser
    general: SiteUser
    staff: BranchStaff
    # A second contract without admin users (rule 8's "no admin" case).
    solo_contract: Contract
    solo_master: SiteUser
    solo_general: SiteUser

    def confirmation(self, user: SiteUser) -> str:
        return PASSWORDS[user.login_id][1]


def _user(site: SiteServices, institution: Institution, login_id: str) -> SiteUser:
    return site.users.authenticate(institution, login_id, PASSWORDS[login_id][0])


@pytest.fixture
def site(services) -> SiteServices:
    return local_site(services, kdf_profile="test")


@pytest.fixture
def world(services, site, institution) -> World:
    seed_demo(site, institution, otp_enabled=True)
    seed_demo(site, institution, contract_number="3000003", name="ソロ商店", staff=None,
              otp_enabled=True,
              users=[("solo-master", "一人 親方", Role.MASTER, *PASSWORDS["solo-master"]),
                     ("solo-general", "一人 弟子", Role.GENERAL, *PASSWORDS["solo-general"])])
    master = _user(site, institution, "demo-master")
    solo = _user(site, institution, "solo-master")
    return World(
        services=services, site=site, institution=institution,
        contract=site.users.contract(institution, master.contract_id), master=master,
        admin=_user(site, institution, "demo-admin"),
        general=_user(site, institution, "demo-general"),
        staff=site.branch.authenticate(institution, "branch01", "Branch-pass1"),
        solo_contract=site.users.contract(institution, solo.contract_id), solo_master=solo,
        solo_general=_user(site, institution, "solo-general"))


def activate(world: World, user: SiteUser, clock,
             activation_password: str = "2580") -> bytes:  # noqa: S107 - test value
    """Issue, set up (the app's half of the protocol, in-process) and confirm: active.
    Returns the secret; the clock ends one step later, so the next code is fresh."""
    inst, services = world.institution, world.services
    services.tokens.issue_token(inst, user.user_id, f"{user.login_id}@example.jp",
                                activation_password)
    client = Client(inst.service_id, user.user_id, activation_password, TEST_KDF)
    started = services.setup.start(inst.service_id, user.user_id, client.message)
    mac = client.answer(started.session_id, started.message)
    done = services.setup.finish(started.session_id, mac)
    payload = client.open(done.server_mac, done.sealed)
    secret = base64.b32decode(payload["secret"] + "=" * (-len(payload["secret"]) % 8))
    assert services.tokens.confirm(inst, user.user_id, code(secret, clock)).result == "accepted"
    clock.advance(60)
    return secret


def code(secret: bytes, clock) -> str:
    return totp(secret, clock.now().timestamp(), digits=8, period=60)


def wrong(right: str) -> str:
    return f"{(int(right) + 50_000_000) % 100_000_000:08d}"


def suspend(world: World, user: SiteUser, secret: bytes, clock) -> None:
    """Ten wrong codes (rule 8's "set number")."""
    inst = world.institution
    bad = wrong(code(secret, clock))
    for _ in range(inst.settings.max_failures):
        world.services.tokens.verify(inst, user.user_id, bad, "transfer")
    assert world.services.tokens.get_token(inst, user.user_id).state == "suspended"
