"""利用者管理: 利用者登録, 利用者情報変更, 利用者削除 — who may act on whom, bad input books
nothing (and uses up no code), deleting revokes the token and ends the sessions."""

from __future__ import annotations

import pytest

from onetime.banking.domain.errors import (
    InvalidLimit,
    LimitOverContract,
    LoginIdTaken,
    MasterNotChangeable,
    NotPermitted,
    SelfDeletionNotPermitted,
    SelfRoleChangeNotPermitted,
    UserNotFound,
    WrongConfirmationPassword,
)
from onetime.banking.domain.people import Role
from onetime.banking.service.user_admin import UserForm
from onetime.domain.tokens import TokenState
from onetime.domain.values import Operation
from tests.banking.world import activate, code


def standing(world, user):
    return world.site.users.standing(world.institution, user.id)


def form(**changes):
    fields = {"login_id": "added-user", "name": "追加 五郎", "role": "general",
              "operations": ["transfer"], "approver": False,
              "limit_per_transfer": "50000", "limit_per_day": "100000"}
    fields.update(changes)
    return UserForm(**fields)


@pytest.fixture
def master_code(world, clock):
    """A fresh code of the master's token for each call."""
    secret = activate(world, world.master, clock)

    def fresh():
        clock.advance(60)
        return code(secret, clock)
    return fresh


class TestAdd:
    def test_master_adds_a_general_user_with_rights_and_limits(self, world, master_code):
        created = world.site.user_admin.add(world.institution, standing(world, world.master),
                                            form(), world.confirmation(world.master),
                                            master_code())
        user = world.site.users.authenticate(world.institution, "added-user",
                                             created.password.reveal_text())
        assert (user.role, user.operations, user.approver) == (
            Role.GENERAL, frozenset({Operation.TRANSFER}), False)
        assert (user.limit_per_transfer, user.limit_per_day) == (50_000, 100_000)
        assert user.must_change_password
        assert user.contract_id == world.contract.id

    def test_bad_input_books_nothing_and_uses_up_no_code(self, world, master_code):
        me = standing(world, world.master)
        typed = master_code()
        for bad, error in ((form(limit_per_transfer="10000001"), LimitOverContract),
                           (form(limit_per_transfer="200000"), InvalidLimit),
                           (form(login_id="demo-admin"), LoginIdTaken)):
            with pytest.raises(error):
                world.site.user_admin.add(world.institution, me, bad,
                                          world.confirmation(world.master), typed)
        assert [u.login_id for u in world.site.users.colleagues(world.master)] == [
            "demo-master", "demo-admin", "demo-general"]
        # The code typed with the refused forms is still good.
        world.site.user_admin.add(world.institution, me, form(),
                                  world.confirmation(world.master), typed)

    def test_a_wrong_confirmation_password_adds_nobody(self, world, master_code):
        with pytest.raises(WrongConfirmationPassword):
            world.site.user_admin.add(world.institution, standing(world, world.master),
                                      form(), "Wrong-conf1", master_code())
        assert len(world.site.users.colleagues(world.master)) == 3

    def test_general_users_manage_nobody(self, world):
        with pytest.raises(NotPermitted):
            world.site.user_admin.add(world.institution, standing(world, world.general),
                                      form(), world.confirmation(world.general), None)


class TestChange:
    def test_master_changes_a_users_rights_and_limits(self, world, master_code):
        changed = world.site.user_admin.change(
            world.institution, standing(world, world.master), world.general.id,
            form(name="デモ 次郎改", operations=["transfer", "payeasy"], approver=True,
                 limit_per_transfer="", limit_per_day="2000000"),
            world.confirmation(world.master), master_code())
        assert changed.name == "デモ 次郎改"
        assert changed.operations == frozenset({Operation.TRANSFER, Operation.PAYEASY})
        assert (changed.approver, changed.limit_per_transfer, changed.limit_per_day) == (
            True, None, 2_000_000)

    def test_an_admin_cannot_change_the_master(self, world):
        with pytest.raises(MasterNotChangeable):
            world.site.user_admin.change(world.institution, standing(world, world.admin),
                                         world.master.id, form(role="admin"),
                                         world.confirmation(world.admin), None)

    def test_nobody_changes_their_own_rights(self, world):
        with pytest.raises(SelfRoleChangeNotPermitted):
            world.site.user_admin.change(world.institution, standing(world, world.admin),
                                         world.admin.id, form(role="general"),
                                         world.confirmation(world.admin), None)

    def test_another_contracts_user_is_not_found(self, world):
        with pytest.raises(UserNotFound):
            world.site.user_admin.change(world.institution, standing(world, world.master),
                                         world.solo_general.id, form(),
                                         world.confirmation(world.master), None)


class TestDelete:
    def test_deleting_revokes_the_token_and_ends_the_sessions(self, world, clock,
                                                               master_code):
        activate(world, world.general, clock)
        token, _row = world.site.sessions.create("customer", world.institution.id,
                                                 world.general.id)
        world.site.user_admin.delete(world.institution, standing(world, world.master),
                                     world.general.id, world.confirmation(world.master),
                                     master_code())
        doc = world.site.tokens.get_token(world.institution, world.general.user_id)
        assert doc.state == TokenState.REVOKED
        assert world.site.sessions.load(token, "customer") is None
        with pytest.raises(UserNotFound):
            world.site.users.user(world.institution, world.general.id)
        with world.site.ctx.db.read() as conn:
            [entry] = world.site.ctx.audit.page(conn, world.institution.id, after_id=0,
                                                limit=10, event="user_deleted")
        assert (entry.actor, entry.user_id) == ("user:demo-master", "demo-general")

    def test_nobody_deletes_themselves_nor_the_master(self, world):
        with pytest.raises(SelfDeletionNotPermitted):
            world.site.user_admin.delete(world.institution, standing(world, world.admin),
                                         world.admin.id, world.confirmation(world.admin), None)
        with pytest.raises(MasterNotChangeable):
            world.site.user_admin.delete(world.institution, standing(world, world.admin),
                                         world.master.id, world.confirmation(world.admin),
                                         None)
        assert len(world.site.users.colleagues(world.master)) == 3
