"""The branch console: 認証開始申込, release, revocation, issuance reset; each audited."""

from __future__ import annotations

import pytest

from onetime.banking.domain.errors import (
    LoginFailed,
    NoIssuanceToReset,
    OtpAlreadyEnabled,
    ReasonRequired,
)
from onetime.domain.errors import TokenNotSuspended
from tests.banking.world import activate, suspend


def audit(world, event):
    with world.site.ctx.db.read() as conn:
        return world.site.ctx.audit.page(conn, world.institution.id, after_id=0, limit=100,
                                         event=event)


class TestBranch:
    def test_branch_enables_otp_once_with_a_reason(self, world):
        contract = world.site.users.add_contract(world.institution, "5000005", "新規商事")
        enabled = world.site.branch.enable_otp(world.institution, world.staff, contract.id,
                                               "認証開始申込書を受付")
        assert enabled.otp_enabled
        assert enabled.otp_enabled_by == "branch:branch01"
        with pytest.raises(OtpAlreadyEnabled):
            world.site.branch.enable_otp(world.institution, world.staff, contract.id, "again")
        [entry] = audit(world, "otp_enabled")
        assert entry.actor == "branch:branch01"
        assert entry.detail == {"contract": "5000005", "reason": "認証開始申込書を受付"}

    def test_every_action_needs_a_reason(self, world):
        with pytest.raises(ReasonRequired):
            world.site.branch.enable_otp(world.institution, world.staff, world.contract.id, " ")
        with pytest.raises(ReasonRequired):
            world.site.branch.release(world.institution, world.staff, world.master.id, "")

    def test_branch_releases_the_master_of_a_contract_without_admin(self, world, clock):
        secret = activate(world, world.solo_master, clock)
        suspend(world, world.solo_master, secret, clock)
        doc = world.site.branch.release(world.institution, world.staff, world.solo_master.id,
                                        "管理者ユーザ不在のため窓口で解除")
        assert doc.state == "active"
        [entry] = audit(world, "token_released")
        assert entry.actor == "branch:branch01"
        assert entry.detail == {"reason": "管理者ユーザ不在のため窓口で解除"}

    def test_release_of_an_unsuspended_token_is_refused(self, world, clock):
        activate(world, world.general, clock)
        with pytest.raises(TokenNotSuspended):
            world.site.branch.release(world.institution, world.staff, world.general.id, "x")

    def test_branch_revokes_for_a_master_who_changed_phones(self, world, clock):
        activate(world, world.solo_master, clock)
        doc = world.site.branch.revoke(world.institution, world.staff, world.solo_master.id,
                                       "失効せずに機種変更")
        assert doc.state == "revoked"
        assert doc.setup_available_at is not None
        assert audit(world, "token_revoked")[0].actor == "branch:branch01"

    def test_branch_resets_a_waiting_issuance(self, world):
        tokens = world.site.tokens
        tokens.issue_token(world.institution, world.general.user_id, "g@example.jp", "1111")
        doc = world.site.branch.reset_issuance(world.institution, world.staff,
                                               world.general.id, "利用開始パスワード失念")
        assert doc.state == "expired"
        [entry] = audit(world, "issuance_expired")
        assert entry.detail["reason"] == "branch_reset"
        # The user issues again at once: no embargo after a reset.
        again = tokens.issue_token(world.institution, world.general.user_id, "g@example.jp",
                                   "2222")
        assert again.state == "issued"

    def test_reset_needs_a_waiting_issuance(self, world, clock):
        with pytest.raises(NoIssuanceToReset):
            world.site.branch.reset_issuance(world.institution, world.staff, world.general.id,
                                             "nothing")
        activate(world, world.general, clock)
        with pytest.raises(NoIssuanceToReset):
            world.site.branch.reset_issuance(world.institution, world.staff, world.general.id,
                                             "active")

    def test_search_finds_contracts_and_users(self, world):
        found = world.site.branch.search(world.institution, "1000001")
        assert [c.number for c in found.contracts] == ["1000001"]
        found = world.site.branch.search(world.institution, "solo")
        assert {u.login_id for u in found.users} == {"solo-master", "solo-general"}
        found = world.site.branch.search(world.institution, "100%")
        assert found.contracts == []

    def test_staff_login_does_not_tell_unknown_ids(self, world):
        for staff_id in ("branch01", "nobody-01"):
            with pytest.raises(LoginFailed):
                world.site.branch.authenticate(world.institution, staff_id, "Wrong-pass1")
