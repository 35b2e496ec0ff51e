"""Rules 8 and 9: who releases and who revokes whom; what a suspended user is told."""

from __future__ import annotations

import pytest

from onetime.banking.domain import people
from onetime.banking.domain.errors import (
    InvalidLoginId,
    MasterExists,
    NotPermitted,
    ReasonRequired,
    SelfReleaseContactBranch,
    SelfReleaseNotPermitted,
    SelfRevocationNotPermitted,
    UserNotFound,
    WeakPassword,
)
from onetime.banking.domain.people import Role, SiteUser, SuspensionAdvice


def person(pk: int, role: Role, contract: int = 1) -> SiteUser:
    return SiteUser(id=pk, institution_id=1, contract_id=contract, login_id=f"user-{pk:03d}",
                    user_id=f"user-{pk:03d}", name=f"User {pk}", role=role)


MASTER, ADMIN, ADMIN2, GENERAL = (person(1, Role.MASTER), person(2, Role.ADMIN),
                                  person(3, Role.ADMIN), person(4, Role.GENERAL))
WITH_ADMIN = [MASTER, ADMIN, ADMIN2, GENERAL]
NO_ADMIN = [MASTER, GENERAL]
STRANGER = person(9, Role.GENERAL, contract=2)


class TestRelease:
    """Rule 8: 利用停止解除."""

    def test_admin_releases_suspended_master(self):
        people.ensure_may_release(ADMIN, MASTER, WITH_ADMIN)

    def test_master_releases_admin_and_general(self):
        people.ensure_may_release(MASTER, ADMIN, WITH_ADMIN)
        people.ensure_may_release(MASTER, GENERAL, WITH_ADMIN)

    def test_admin_releases_another_admin(self):
        people.ensure_may_release(ADMIN, ADMIN2, WITH_ADMIN)

    def test_nobody_releases_themselves(self):
        for user in (ADMIN, GENERAL):
            with pytest.raises(NotPermitted):
                people.ensure_may_release(user, user, WITH_ADMIN)
        with pytest.raises(SelfReleaseNotPermitted):
            people.ensure_may_release(ADMIN, ADMIN, WITH_ADMIN)

    def test_master_releasing_themselves_is_sent_to_an_admin(self):
        with pytest.raises(SelfReleaseNotPermitted) as raised:
            people.ensure_may_release(MASTER, MASTER, WITH_ADMIN)
        assert raised.value.code == "self_release_not_permitted"

    def test_master_without_admin_is_sent_to_the_branch(self):
        with pytest.raises(SelfReleaseContactBranch) as raised:
            people.ensure_may_release(MASTER, MASTER, NO_ADMIN)
        assert raised.value.code == "self_release_contact_branch"

    def test_general_user_releases_nobody(self):
        with pytest.raises(NotPermitted) as raised:
            people.ensure_may_release(GENERAL, MASTER, WITH_ADMIN)
        assert raised.value.code == "not_permitted"

    def test_another_contracts_user_is_not_found(self):
        with pytest.raises(UserNotFound):
            people.ensure_may_release(MASTER, STRANGER, WITH_ADMIN)

    def test_may_release_answers_without_raising(self):
        assert people.may_release(ADMIN, MASTER, WITH_ADMIN)
        assert not people.may_release(MASTER, MASTER, WITH_ADMIN)
        assert not people.may_release(GENERAL, ADMIN, WITH_ADMIN)


class TestSuspensionAdvice:
    """What the screen tells a suspended user."""

    def test_master_with_admin_asks_an_admin(self):
        assert people.suspension_advice(MASTER, WITH_ADMIN) == SuspensionAdvice.ASK_ADMIN

    def test_master_without_admin_contacts_the_branch(self):
        assert people.suspension_advice(MASTER, NO_ADMIN) == SuspensionAdvice.CONTACT_BRANCH

    def test_others_ask_a_master_or_admin(self):
        assert people.suspension_advice(GENERAL, NO_ADMIN) == SuspensionAdvice.ASK_MANAGER
        assert people.suspension_advice(ADMIN, WITH_ADMIN) == SuspensionAdvice.ASK_MANAGER


class TestRevoke:
    """Rule 9: トークンの失効."""

    def test_master_and_admin_revoke_anyone_else_of_the_contract(self):
        for actor in (MASTER, ADMIN):
            for target in WITH_ADMIN:
                if target != actor:
                    people.ensure_may_revoke(actor, target)

    def test_nobody_revokes_their_own_token_from_the_admin_screens(self):
        """Another master or admin user does it, or the branch (issue 10, point 13)."""
        for actor in (MASTER, ADMIN):
            with pytest.raises(SelfRevocationNotPermitted) as raised:
                people.ensure_may_revoke(actor, actor)
            assert raised.value.code == "self_revocation_not_permitted"

    def test_may_revoke_answers_without_raising(self):
        assert people.may_revoke(ADMIN, MASTER)
        assert people.may_revoke(MASTER, GENERAL)
        assert not people.may_revoke(MASTER, MASTER)
        assert not people.may_revoke(GENERAL, ADMIN)
        assert not people.may_revoke(ADMIN, STRANGER)

    def test_general_user_revokes_nothing(self):
        with pytest.raises(NotPermitted):
            people.ensure_may_revoke(GENERAL, GENERAL)

    def test_another_contracts_user_is_not_found(self):
        with pytest.raises(UserNotFound):
            people.ensure_may_revoke(ADMIN, STRANGER)


class TestPeopleValues:
    def test_one_master_per_contract(self):
        people.ensure_one_master([ADMIN, GENERAL], Role.MASTER)
        people.ensure_one_master(WITH_ADMIN, Role.ADMIN)
        with pytest.raises(MasterExists):
            people.ensure_one_master(WITH_ADMIN, Role.MASTER)

    def test_branch_actions_need_a_reason(self):
        assert people.reason("  紛失届  ") == "紛失届"
        for bad in ("", "   ", None, "x" * 501):
            with pytest.raises(ReasonRequired):
                people.reason(bad)

    def test_login_ids_fold_full_width(self):
        assert people.login_id("ｄｅｍｏ－ｍａｓｔｅｒ") == "demo-master"
        for bad in ("abc", "-leading", "has space", "x" * 33):
            with pytest.raises(InvalidLoginId):
                people.login_id(bad)

    def test_passwords_mix_letters_and_digits(self):
        assert people.password("Abcdefg1")
        for bad in ("short1", "onlyletters", "12345678", "x1" * 33):
            with pytest.raises(WeakPassword):
                people.password(bad)

    def test_actor_names_follow_the_site_convention(self):
        assert MASTER.actor == "user:user-001"
