"""Signing in: argon2id hashes, the same answer for unknown IDs, throttling."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from onetime.banking.domain.errors import LoginFailed, LoginIdTaken, LoginThrottled, MasterExists
from onetime.banking.domain.people import Role
from onetime.banking.otp.local import local_site
from onetime.banking.storage.schema import site_users
from onetime.crypto import TEST_KDF
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.storage import migrate
from onetime.storage.database import Database
from tests.banking.world import activate


class TestLogin:
    def test_right_password_signs_in(self, world):
        user = world.site.users.authenticate(world.institution, "demo-master", "Master-pass1")
        assert user.role == Role.MASTER
        assert user.id == world.master.id

    def test_unknown_id_and_wrong_password_get_the_same_answer(self, world):
        answers = []
        for login_id, password in (("demo-master", "Wrong-pass1"), ("nobody-here", "x")):
            with pytest.raises(LoginFailed) as raised:
                world.site.users.authenticate(world.institution, login_id, password)
            answers.append((type(raised.value), raised.value.code, str(raised.value)))
        assert answers[0] == answers[1]

    def test_full_width_login_id_is_the_same_id(self, world):
        assert world.site.users.authenticate(world.institution, "ｄｅｍｏ－ａｄｍｉｎ",
                                             "Admin-pass1").id == world.admin.id

    def test_fifth_failure_locks_known_and_unknown_ids_alike(self, world):
        for login_id in ("demo-general", "not-a-user1"):
            for _ in range(5):
                with pytest.raises(LoginFailed):
                    world.site.users.authenticate(world.institution, login_id, "Wrong-pass1")
            with pytest.raises(LoginThrottled):
                world.site.users.authenticate(world.institution, login_id, "General-pass1")

    def test_the_lock_ends_with_its_window(self, world, clock):
        for _ in range(5):
            with pytest.raises(LoginFailed):
                world.site.users.authenticate(world.institution, "demo-general", "Wrong1")
        clock.advance(timedelta(minutes=15))
        assert world.site.users.authenticate(world.institution, "demo-general",
                                             "General-pass1").id == world.general.id

    def test_a_success_clears_the_failures(self, world):
        for _ in range(4):
            with pytest.raises(LoginFailed):
                world.site.users.authenticate(world.institution, "demo-admin", "Wrong-pass1")
        world.site.users.authenticate(world.institution, "demo-admin", "Admin-pass1")
        for _ in range(4):
            with pytest.raises(LoginFailed):
                world.site.users.authenticate(world.institution, "demo-admin", "Wrong-pass1")
        world.site.users.authenticate(world.institution, "demo-admin", "Admin-pass1")

    def test_logins_are_audited_without_the_typed_id(self, world):
        with pytest.raises(LoginFailed):
            world.site.users.authenticate(world.institution, "Secret-typed-1", "x")
        with world.site.ctx.db.read() as conn:
            entries = world.site.ctx.audit.page(conn, world.institution.id, after_id=0,
                                                limit=100, event="site_login_failed")
        assert entries
        assert all("Secret-typed-1" not in e.canonical().decode() for e in entries)


def test_unknown_and_known_ids_cost_about_the_same(tmp_path, keyring, clock):
    """With production argon2id, an unknown ID is checked against a decoy hash.
    (Timing does not depend on the database, so this runs on SQLite only.)"""
    db = Database(f"sqlite:///{tmp_path / 'timing.db'}")
    migrate.upgrade(db)
    services = Services.from_context(Context(db=db, keyring=keyring, clock=clock,
                                             setup_kdf=TEST_KDF))
    institution, _key = services.institutions.add("0009", "計時信組", "otp@timing.example.jp")
    site = local_site(services, kdf_profile="production")
    institution = site.institutions.get(institution.service_id)  # the site's bank
    contract = site.users.add_contract(institution, "9000009", "計時商事")
    site.users.add_user(institution, contract, login_id="timed-user", name="計時",
                        role=Role.MASTER, login_password="Timed-pass1",
                        confirmation_password="Timed-conf1")

    def cost(login_id: str) -> float:
        started = time.perf_counter()
        with pytest.raises(LoginFailed):
            site.users.authenticate(institution, login_id, "Wrong-pass1")
        return time.perf_counter() - started

    known = statistics.median(cost("timed-user") for _ in range(3))
    unknown = statistics.median(cost(f"ghost-user{i}") for i in range(3))
    db.dispose()
    # Without the decoy an unknown ID would cost ~1% of a known one; allow for noisy CPUs.
    assert 0.33 < unknown / known < 3.0


class TestAccounts:
    def test_passwords_are_argon2id_hashes(self, world):
        with world.site.ctx.db.read() as conn:
            row = conn.execute(select(site_users).where(
                site_users.c.login_id == "demo-master")).first()._mapping
        assert row["login_hash"].startswith("$argon2id$")
        assert row["confirmation_hash"].startswith("$argon2id$")
        assert "Master-pass1" not in str(dict(row))
        assert "Master-conf1" not in str(dict(row))

    def test_one_master_per_contract(self, world):
        with pytest.raises(MasterExists):
            world.site.users.add_user(world.institution, world.contract, login_id="second-m",
                                      name="二人目", role=Role.MASTER,
                                      login_password="Second-pass1",
                                      confirmation_password="Second-conf1")

    def test_login_ids_are_unique(self, world):
        with pytest.raises(LoginIdTaken):
            world.site.users.add_user(world.institution, world.contract,
                                      login_id="demo-general", name="重複", role=Role.GENERAL,
                                      login_password="Dup-pass12",
                                      confirmation_password="Dup-c0nf1")

    def test_issuance_screen_only_once_otp_is_enabled(self, world, clock):
        fresh = world.site.users.add_contract(world.institution, "4000004", "未申込")
        user = world.site.users.add_user(world.institution, fresh, login_id="not-yet-1",
                                         name="未申込", role=Role.MASTER,
                                         login_password="Notyet-pass1",
                                         confirmation_password="Notyet-conf1")
        assert not world.site.users.standing(world.institution, user.id).needs_issuance
        assert world.site.users.standing(world.institution, world.general.id).needs_issuance
        activate(world, world.general, clock)
        assert not world.site.users.standing(world.institution, world.general.id).needs_issuance
