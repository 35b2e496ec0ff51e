"""banking/domain/rights.py: staff roles, a user's rights and limits, who changes whom."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetime.banking.domain import rights
from onetime.banking.domain.errors import (
    DailyLimitExceeded,
    InvalidLimit,
    InvalidOperations,
    InvalidRole,
    LimitOverContract,
    MasterNotChangeable,
    NotPermitted,
    OperationNotPermitted,
    OverUserLimit,
    SelfDeletionNotPermitted,
    SelfRoleChangeNotPermitted,
    StaffNotPermitted,
    UserNotFound,
)
from onetime.banking.domain.people import BranchStaff, Contract, Role, SiteUser, StaffRole
from onetime.banking.domain.rights import STAFF_MAY, Rights, StaffAction
from onetime.domain.values import Operation

CONTRACT = Contract(1, 1, "1000001", "デモ商事", limit_per_transfer=1_000_000,
                    limit_per_day=5_000_000)


def person(pk, role, contract_id=1, **more):
    return SiteUser(pk, 1, contract_id, f"user-{pk:03d}", f"user-{pk:03d}", "名前", role, **more)


MASTER, ADMIN, GENERAL = person(1, Role.MASTER), person(2, Role.ADMIN), person(3, Role.GENERAL)


class TestStaffRoles:
    def test_a_clerk_does_less_than_a_supervisor(self):
        assert STAFF_MAY[StaffRole.CLERK] < STAFF_MAY[StaffRole.SUPERVISOR]

    @pytest.mark.parametrize("action", [StaffAction.ENABLE_OTP, StaffAction.REVOKE,
                                        StaffAction.ADD_STAFF])
    def test_supervisors_start_otp_revoke_and_add_staff(self, action):
        clerk = BranchStaff(1, 1, "clerk01", "窓口", StaffRole.CLERK)
        with pytest.raises(StaffNotPermitted):
            rights.ensure_staff_may(clerk, action)
        rights.ensure_staff_may(BranchStaff(2, 1, "boss01", "課長", StaffRole.SUPERVISOR),
                                action)

    def test_roles_are_read_strictly(self):
        assert rights.staff_role(" supervisor ") == StaffRole.SUPERVISOR
        with pytest.raises(InvalidRole):
            rights.staff_role("manager")


class TestLimits:
    @given(st.integers(1, 10**12 - 1))
    def test_yen_are_read_with_separators_and_full_width(self, yen):
        typed = f"{yen:,}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        assert rights.limit(typed) == yen
        assert rights.limit(f"{yen}円") == yen

    @pytest.mark.parametrize("typed", ["0", "-5", "1.5", "abc", "1" * 13])
    def test_nonsense_is_refused(self, typed):
        with pytest.raises(InvalidLimit):
            rights.limit(typed)

    def test_blank_means_the_contracts(self):
        assert rights.limits("", " ", CONTRACT) == (None, None)
        assert rights.effective_limits(GENERAL, CONTRACT) == (1_000_000, 5_000_000)

    @given(st.integers(1, 10_000_000), st.integers(1, 10_000_000))
    def test_checked_limits_stay_within_the_contract(self, one, day):
        try:
            got = rights.limits(str(one), str(day), CONTRACT)
        except (LimitOverContract, InvalidLimit):
            assert one > CONTRACT.limit_per_transfer or day > CONTRACT.limit_per_day \
                or one > day
        else:
            assert got == (one, day)
            assert one <= day <= CONTRACT.limit_per_day

    @given(st.integers(1, 2_000_000), st.integers(0, 6_000_000))
    def test_a_transfer_passes_exactly_within_both_limits(self, amount, today):
        ok = amount <= 1_000_000 and today + amount <= 5_000_000
        try:
            rights.ensure_may_transfer(GENERAL, CONTRACT, amount, today)
        except (OverUserLimit, DailyLimitExceeded):
            assert not ok
        else:
            assert ok

    def test_without_the_right_no_transfer(self):
        user = person(4, Role.GENERAL, operations=frozenset({Operation.APPROVAL}))
        with pytest.raises(OperationNotPermitted):
            rights.ensure_may_transfer(user, CONTRACT, 1, 0)

    def test_operations_are_rule_3s_only(self):
        assert rights.operations(["transfer", "ｐａｙｅａｓｙ"]) == frozenset(
            {Operation.TRANSFER, Operation.PAYEASY})
        for bad in (["login"], ["launch_missiles"]):
            with pytest.raises(InvalidOperations):
                rights.operations(bad)

    def test_the_day_starts_at_local_midnight(self):
        tokyo = ZoneInfo("Asia/Tokyo")
        assert rights.day_start(datetime(2026, 11, 26, 14, 59, tzinfo=UTC), tokyo) == \
            datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
        assert rights.day_start(datetime(2026, 11, 26, 15, 0, tzinfo=UTC), tokyo) == \
            datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


class TestWhoChangesWhom:
    def test_the_master_is_nobodys_to_change_or_delete(self):
        with pytest.raises(MasterNotChangeable):
            rights.ensure_may_change(ADMIN, MASTER, Rights.of(MASTER))
        with pytest.raises(MasterNotChangeable):
            rights.ensure_may_delete(ADMIN, MASTER)

    def test_nobody_deletes_themselves_or_changes_their_rights(self):
        with pytest.raises(SelfDeletionNotPermitted):
            rights.ensure_may_delete(MASTER, MASTER)
        with pytest.raises(SelfRoleChangeNotPermitted):
            rights.ensure_may_change(ADMIN, ADMIN, Rights(Role.GENERAL, ADMIN.operations,
                                                          True, None, None))
        rights.ensure_may_change(ADMIN, ADMIN, Rights.of(ADMIN))  # a new name only

    def test_general_users_and_strangers(self):
        with pytest.raises(NotPermitted):
            rights.ensure_may_delete(GENERAL, ADMIN)
        with pytest.raises(UserNotFound):
            rights.ensure_may_delete(MASTER, person(9, Role.GENERAL, contract_id=2))

    def test_managers_make_admin_and_general_users_only(self):
        assert rights.managed_role("admin") == Role.ADMIN
        with pytest.raises(InvalidRole):
            rights.managed_role("master")
