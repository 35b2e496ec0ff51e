"""管理 → 利用者管理: release (rule 8) and revocation (rules 9-10) by customer users."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onetime.banking.domain.errors import (
    CodeRejected,
    NotPermitted,
    NoUserSelected,
    SelfReleaseContactBranch,
    SelfReleaseNotPermitted,
    SelfRevocationNotPermitted,
    UserNotFound,
    WrongConfirmationPassword,
)
from onetime.domain.errors import TokenNotFound
from onetime.storage.schema import outbox
from tests.banking.world import activate, code, suspend, wrong


def standing(world, user):
    return world.site.users.standing(world.institution, user.id)


def state(world, user) -> str:
    return world.site.tokens.get_token(world.institution, user.user_id).state.value


class TestRelease:
    def test_admin_releases_suspended_master(self, world, clock):
        secret = activate(world, world.master, clock)
        activate(world, world.admin, clock)
        suspend(world, world.master, secret, clock)
        outcome = world.site.management.release(world.institution,
                                                standing(world, world.admin), world.master.id,
                                                world.confirmation(world.admin))
        assert outcome.token.state == "active"
        assert outcome.token.attempts_left == 10
        assert state(world, world.master) == "active"

    def test_release_is_audited_with_the_actor(self, world, clock):
        secret = activate(world, world.general, clock)
        suspend(world, world.general, secret, clock)
        world.site.management.release(world.institution, standing(world, world.master),
                                      world.general.id, world.confirmation(world.master))
        with world.site.ctx.db.read() as conn:
            entries = world.site.ctx.audit.page(conn, world.institution.id, after_id=0,
                                                limit=100, event="token_released")
            mails = conn.execute(select(outbox.c.subject)).scalars().all()
        assert [e.actor for e in entries] == ["user:demo-master"]
        assert any("利用停止解除" in subject for subject in mails)

    def test_nobody_releases_themselves(self, world, clock):
        secret = activate(world, world.admin, clock)
        suspend(world, world.admin, secret, clock)
        with pytest.raises(SelfReleaseNotPermitted):
            world.site.management.release(world.institution, standing(world, world.admin),
                                          world.admin.id, world.confirmation(world.admin))
        assert state(world, world.admin) == "suspended"

    def test_master_without_admin_is_told_to_contact_the_branch(self, world, clock):
        secret = activate(world, world.solo_master, clock)
        suspend(world, world.solo_master, secret, clock)
        me = standing(world, world.solo_master)
        assert me.advice.value == "contact_branch"
        with pytest.raises(SelfReleaseContactBranch):
            world.site.management.release(world.institution, me, world.solo_master.id,
                                          world.confirmation(world.solo_master))

    def test_general_users_manage_nobody(self, world, clock):
        secret = activate(world, world.master, clock)
        suspend(world, world.master, secret, clock)
        with pytest.raises(NotPermitted):
            world.site.management.release(world.institution, standing(world, world.general),
                                          world.master.id, world.confirmation(world.general))
        with pytest.raises(NotPermitted):
            world.site.management.release_list(world.institution,
                                               standing(world, world.general))

    def test_wrong_confirmation_password_releases_nothing(self, world, clock):
        secret = activate(world, world.general, clock)
        suspend(world, world.general, secret, clock)
        with pytest.raises(WrongConfirmationPassword):
            world.site.management.release(world.institution, standing(world, world.master),
                                          world.general.id, "Not-the-conf1")
        assert state(world, world.general) == "suspended"

    def test_a_user_must_be_picked_from_the_contract(self, world):
        with pytest.raises(NoUserSelected):
            world.site.management.release(world.institution, standing(world, world.master),
                                          None, world.confirmation(world.master))
        with pytest.raises(UserNotFound):
            world.site.management.release(world.institution, standing(world, world.master),
                                          world.solo_general.id,
                                          world.confirmation(world.master))

    def test_release_list_offers_only_whom_the_actor_may_release(self, world, clock):
        secret = activate(world, world.master, clock)
        suspend(world, world.master, secret, clock)
        rows = world.site.management.release_list(world.institution,
                                                  standing(world, world.master))
        assert not any(r.selectable for r in rows)  # only the master is suspended: self
        rows = world.site.management.release_list(world.institution,
                                                  standing(world, world.admin))
        assert [r.user.login_id for r in rows if r.selectable] == ["demo-master"]


class TestRevoke:
    def test_admin_revokes_the_masters_token_with_own_code(self, world, clock):
        activate(world, world.master, clock)
        secret = activate(world, world.admin, clock)
        revoked_at = clock.now()
        outcome = world.site.management.revoke(world.institution, standing(world, world.admin),
                                               world.master.id, world.confirmation(world.admin),
                                               code(secret, clock))
        assert outcome.token.state == "revoked"
        # Rule 10: 10:02 Tokyo → about 30 minutes later.
        assert outcome.token.setup_available_at == revoked_at + timedelta(minutes=30)

    def test_nobody_revokes_their_own_token(self, world, clock):
        """The branch, or another master or admin user, does it (issue 10, point 13)."""
        for user in (world.master, world.admin):
            secret = activate(world, user, clock)
            with pytest.raises(SelfRevocationNotPermitted):
                world.site.management.revoke(world.institution, standing(world, user),
                                             user.id, world.confirmation(user),
                                             code(secret, clock))
            assert state(world, user) == "active"
        with world.site.ctx.db.read() as conn:
            entries = world.site.ctx.audit.page(conn, world.institution.id, after_id=0,
                                                limit=100, event="code_verified")
        assert entries == []  # refused before the step-up: no code used up or counted

    def test_the_revoke_list_does_not_offer_oneself(self, world, clock):
        for user in (world.master, world.admin, world.general):
            activate(world, user, clock)
        rows = world.site.management.revoke_list(world.institution,
                                                 standing(world, world.master))
        assert [r.user.login_id for r in rows if r.selectable] == ["demo-admin",
                                                                    "demo-general"]
        assert [r.user.login_id for r in rows if r.is_self] == ["demo-master"]

    def test_the_confirmation_names_the_user(self, world, clock):
        activate(world, world.general, clock)
        pending = world.site.management.revocation_target(
            world.institution, standing(world, world.admin), world.general.id)
        assert pending.target == world.general
        assert pending.token.state == "active"
        assert state(world, world.general) == "active"  # asking revokes nothing

    def test_the_confirmation_refuses_what_cannot_be_revoked(self, world, clock):
        activate(world, world.master, clock)
        me = standing(world, world.master)
        with pytest.raises(SelfRevocationNotPermitted):
            world.site.management.revocation_target(world.institution, me, world.master.id)
        with pytest.raises(TokenNotFound):  # demo-general has no token
            world.site.management.revocation_target(world.institution, me, world.general.id)
        with pytest.raises(NoUserSelected):
            world.site.management.revocation_target(world.institution, me, None)
        with pytest.raises(UserNotFound):
            world.site.management.revocation_target(world.institution, me,
                                                    world.solo_general.id)

    def test_admin_revokes_a_general_users_token(self, world, clock):
        activate(world, world.general, clock)
        secret = activate(world, world.admin, clock)
        world.site.management.revoke(world.institution, standing(world, world.admin),
                                     world.general.id, world.confirmation(world.admin),
                                     code(secret, clock))
        assert state(world, world.general) == "revoked"

    def test_a_wrong_code_revokes_nothing_and_counts(self, world, clock):
        secret = activate(world, world.master, clock)
        activate(world, world.general, clock)
        with pytest.raises(CodeRejected) as raised:
            world.site.management.revoke(world.institution, standing(world, world.master),
                                         world.general.id, world.confirmation(world.master),
                                         wrong(code(secret, clock)))
        assert raised.value.attempts_left == 9
        assert state(world, world.general) == "active"

    def test_the_code_is_verified_for_token_management(self, world, clock):
        secret = activate(world, world.master, clock)
        world.site.tokens.issue_token(world.institution, world.general.user_id,
                                      "g@example.jp", "1234")
        world.site.management.revoke(world.institution, standing(world, world.master),
                                     world.general.id, world.confirmation(world.master),
                                     code(secret, clock))
        with world.site.ctx.db.read() as conn:
            entries = world.site.ctx.audit.page(conn, world.institution.id, after_id=0,
                                                limit=100, event="code_verified")
        assert [(e.operation, e.result) for e in entries] == [("token_management", "accepted")]

    def test_general_users_revoke_nothing(self, world, clock):
        secret = activate(world, world.general, clock)
        with pytest.raises(NotPermitted):
            world.site.management.revoke(world.institution, standing(world, world.general),
                                         world.general.id, world.confirmation(world.general),
                                         code(secret, clock))
