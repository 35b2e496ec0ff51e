"""パスワード変更: the initial password leads here; new ≠ old, the policy, the throttle."""

from __future__ import annotations

import pytest

from onetime.banking.domain.errors import (
    ConfirmationThrottled,
    LoginFailed,
    PasswordReused,
    PasswordsDiffer,
    WeakPassword,
    WrongConfirmationPassword,
    WrongCurrentPassword,
)
from onetime.banking.service.onboarding import UserRequest
from onetime.domain.values import Operation


@pytest.fixture
def newcomer(world):
    created = world.site.onboarding.add_user(
        world.institution, UserRequest("1000001", "newcomer1", "新人 四郎"), actor="operator")
    user = world.site.users.authenticate(world.institution, "newcomer1",
                                         created.password.reveal_text())
    return user, created.password.reveal_text()


def change(world, user, current, login="Fresh-login1", confirmation="Fresh-conf1", **more):
    fields = {"current": current, "login": login, "login_again": login,
              "confirmation": confirmation, "confirmation_again": confirmation, **more}
    return world.site.passwords.change(world.institution, user, **fields)


class TestPasswordChange:
    def test_changing_clears_the_flag_and_both_new_passwords_work(self, world, newcomer):
        user, initial = newcomer
        changed = change(world, user, initial)
        assert not changed.must_change_password
        with pytest.raises(LoginFailed):
            world.site.users.authenticate(world.institution, "newcomer1", initial)
        assert world.site.users.authenticate(world.institution, "newcomer1", "Fresh-login1")
        world.site.stepup.check_password(world.institution, changed, "Fresh-conf1",
                                         operation=Operation.TRANSFER)
        with pytest.raises(WrongConfirmationPassword):
            world.site.stepup.check_password(world.institution, changed, "Fresh-login1")

    def test_the_new_password_must_differ_from_the_old(self, world, newcomer):
        user, initial = newcomer
        with pytest.raises(PasswordReused):
            change(world, user, initial, login=initial)
        assert world.site.users.user(world.institution, user.id).must_change_password

    def test_typos_and_weak_passwords_change_nothing(self, world, newcomer):
        user, initial = newcomer
        with pytest.raises(PasswordsDiffer):
            change(world, user, initial, login_again="Fresh-login2")
        with pytest.raises(WeakPassword):
            change(world, user, initial, login="password")
        with pytest.raises(WrongCurrentPassword):
            change(world, user, "Not-the-pass1")
        assert world.site.users.authenticate(world.institution, "newcomer1", initial)

    def test_guessing_the_current_password_is_throttled(self, world, newcomer):
        user, initial = newcomer
        for _ in range(5):
            with pytest.raises(WrongCurrentPassword):
                change(world, user, "Not-the-pass1")
        with pytest.raises(ConfirmationThrottled):
            change(world, user, initial)
