"""Revocation and suspension end the user's site sessions, and a user whose token is
revoked or suspended passes no step-up, so nothing started before can be finished
(issue 10.6)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from onetime.banking.domain.errors import CodeRejected, NoActiveToken, OtpSuspended
from onetime.banking.storage.schema import transfers
from onetime.domain.values import Operation
from tests.banking.service.test_transfers import draft
from tests.banking.world import activate, code, suspend, wrong


def open_session(world, user) -> str:
    token, _row = world.site.sessions.create("customer", world.institution.id, user.id)
    return token


def alive(world, token: str) -> bool:
    return world.site.sessions.load(token, "customer") is not None


def standing(world, user):
    return world.site.users.standing(world.institution, user.id)


def transfer_count(world) -> int:
    with world.site.ctx.db.read() as conn:
        return conn.execute(select(func.count()).select_from(transfers)).scalar_one()


def password_only_transfers(world):
    """The institution's policy leaves transfers out of the code-protected operations."""
    world.services.institutions.configure(world.institution.service_id,
                                          otp_operations=["token_management"])
    return world.services.institutions.get(world.institution.service_id, fresh=True)


class TestSessionsEnd:
    def test_admin_revocation_ends_every_session_of_the_user(self, world, clock):
        """Both of the general user's sessions end; the admin's own goes on."""
        secret = activate(world, world.admin, clock)
        activate(world, world.general, clock)
        first, second = open_session(world, world.general), open_session(world, world.general)
        admins = open_session(world, world.admin)
        world.site.management.revoke(world.institution, standing(world, world.admin),
                                     world.general.id, world.confirmation(world.admin),
                                     code(secret, clock))
        assert not alive(world, first)
        assert not alive(world, second)
        assert alive(world, admins)

    def test_branch_revocation_ends_the_users_sessions(self, world, clock):
        activate(world, world.solo_master, clock)
        session = open_session(world, world.solo_master)
        other = open_session(world, world.solo_general)
        world.site.branch.revoke(world.institution, world.staff, world.solo_master.id,
                                 "機種変更（失効届受付）")
        assert not alive(world, session)
        assert alive(world, other)

    def test_the_step_up_that_suspends_ends_the_users_sessions(self, world, clock):
        """Nine wrong codes keep the session; the tenth suspends and ends it."""
        secret = activate(world, world.master, clock)
        session = open_session(world, world.master)
        bad = wrong(code(secret, clock))
        for _ in range(world.institution.settings.max_failures - 1):
            with pytest.raises(CodeRejected):
                world.site.stepup.check(world.institution, world.master, world.contract,
                                        Operation.TRANSFER, world.confirmation(world.master),
                                        bad)
        assert alive(world, session)
        with pytest.raises(OtpSuspended):
            world.site.stepup.check(world.institution, world.master, world.contract,
                                    Operation.TRANSFER, world.confirmation(world.master), bad)
        assert not alive(world, session)


class TestNothingFinishedAfter:
    def test_a_transfer_prepared_before_a_suspension_elsewhere_is_refused(self, world, clock):
        """Suspended through the API while the transfer waited on its confirmation screen:
        even a policy asking no code for transfers does not let it through."""
        institution = password_only_transfers(world)
        secret = activate(world, world.master, clock)
        pending = draft(world, world.master)
        suspend(world, world.master, secret, clock)
        with pytest.raises(OtpSuspended):
            world.site.transfers.execute(institution, world.master, world.contract, pending,
                                         world.confirmation(world.master), None)
        assert transfer_count(world) == 0

    def test_a_transfer_prepared_before_a_revocation_elsewhere_is_refused(self, world, clock):
        institution = password_only_transfers(world)
        activate(world, world.master, clock)
        pending = draft(world, world.master)
        world.services.tokens.revoke(world.institution, world.master.user_id,
                                     actor="bank:backend", reason="lost phone")
        with pytest.raises(NoActiveToken):
            world.site.transfers.execute(institution, world.master, world.contract, pending,
                                         world.confirmation(world.master), None)
        assert transfer_count(world) == 0

    def test_a_suspended_admin_releases_nobody(self, world, clock):
        """The release screen asks only the confirmation password; a suspended actor's
        open screen cannot finish it."""
        master_secret = activate(world, world.master, clock)
        admin_secret = activate(world, world.admin, clock)
        suspend(world, world.master, master_secret, clock)
        suspend(world, world.admin, admin_secret, clock)
        with pytest.raises(OtpSuspended):
            world.site.management.release(world.institution, standing(world, world.admin),
                                          world.master.id, world.confirmation(world.admin))
        state = world.site.tokens.get_token(world.institution, world.master.user_id).state
        assert state == "suspended"
