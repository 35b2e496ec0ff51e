"""Onboarding: contracts with their master, users, staff; one at a time or a file of many,
all or nothing; initial passwords shown once, hashed, never audited. Both databases."""

from __future__ import annotations

import json

import pytest

from onetime.banking.domain.errors import (
    AccountNumberTaken,
    BatchRefused,
    ContractNotFound,
    ContractNumberTaken,
    InvalidAccountNumber,
    InvalidAmount,
    InvalidHolderName,
    InvalidLoginId,
    LimitOverContract,
    LoginFailed,
    LoginIdTaken,
    StaffNotPermitted,
    WeakPassword,
)
from onetime.banking.domain.people import Role, StaffRole
from onetime.banking.service.onboarding import (
    ContractRequest,
    StaffRequest,
    UserRequest,
    initial_password,
)
from onetime.crypto import Secret
from onetime.domain.values import Operation


def audit(world, event=None):
    with world.site.ctx.db.read() as conn:
        return world.site.ctx.audit.page(conn, world.institution.id, after_id=0, limit=500,
                                         event=event)


def contracts_numbered(world, number):
    return [c for c in world.site.branch.search(world.institution, number).contracts
            if c.number == number]


def new_contract(world, number="7000007", login="new-master", **more):
    return world.site.onboarding.add_contract(
        world.institution, ContractRequest(number, "新規 商事", login, "新規 太郎", **more),
        actor=world.staff.actor)


class TestContracts:
    def test_contract_comes_with_its_master_and_an_initial_password(self, world):
        """The master signs in with the password shown once, and must change it."""
        [created] = new_contract(world)
        assert (created.kind, created.login_id, created.contract_number) == (
            "master", "new-master", "7000007")
        assert created.password.reveal_text() not in repr(created)
        master = world.site.users.authenticate(world.institution, "new-master",
                                               created.password.reveal_text())
        assert master.role == Role.MASTER
        assert master.must_change_password
        assert master.operations == frozenset(list(Operation)[:7])
        assert master.approver
        [contract] = contracts_numbered(world, "7000007")
        assert (contract.limit_per_transfer, contract.limit_per_day) == (10_000_000, 50_000_000)

    def test_creation_is_audited_without_the_password(self, world):
        [created] = new_contract(world)
        [entry] = audit(world, "contract_added")
        assert entry.actor == "branch:branch01"
        assert entry.detail == {"contract": "7000007", "master": "new-master"}
        trail = json.dumps([e.detail for e in audit(world)], ensure_ascii=False)
        assert created.password.reveal_text() not in trail

    def test_a_given_password_is_used_and_held_to_the_policy(self, world):
        with pytest.raises(WeakPassword):
            new_contract(world, password=Secret(b"short"))
        assert contracts_numbered(world, "7000007") == []
        [created] = new_contract(world, password=Secret(b"Given-pass1"))
        assert created.password.reveal_text() == "Given-pass1"
        world.site.users.authenticate(world.institution, "new-master", "Given-pass1")

    def test_contract_limits_are_set_and_checked(self, world):
        new_contract(world, limit_per_transfer="1,000,000", limit_per_day="３０００００００")
        [contract] = contracts_numbered(world, "7000007")
        assert (contract.limit_per_transfer, contract.limit_per_day) == (1_000_000, 30_000_000)

    def test_taken_numbers_and_login_ids_are_refused(self, world):
        with pytest.raises(ContractNumberTaken):
            new_contract(world, number="1000001")
        with pytest.raises(LoginIdTaken):
            new_contract(world, login="demo-admin")

    def test_a_file_with_bad_lines_creates_nothing_and_names_every_line(self, world):
        rows = [ContractRequest("7100001", "一 商事", "first-master", "一 太郎"),
                ContractRequest("7100002", "二 商事", "x", "二 太郎"),  # login ID too short
                ContractRequest("7100001", "三 商事", "third-master", "三 太郎"),  # twice
                ContractRequest("7100004", "四 商事", "first-master", "四 太郎")]  # twice
        with pytest.raises(BatchRefused) as refused:
            world.site.onboarding.add_contracts(world.institution, rows, actor="operator")
        assert [(n, type(e)) for n, e in refused.value.problems] == [
            (2, InvalidLoginId), (3, ContractNumberTaken), (4, LoginIdTaken)]
        assert world.site.branch.search(world.institution, "71000").contracts == []
        with pytest.raises(LoginFailed):
            world.site.users.authenticate(world.institution, "first-master", "whatever1")
        assert audit(world, "contract_added") == []

    def test_a_good_file_creates_all_in_one_go(self, world):
        rows = [ContractRequest(f"72000{i:02d}", f"商事{i}", f"master-{i:03d}", f"太郎{i}")
                for i in range(5)]
        created = world.site.onboarding.add_contracts(world.institution, rows,
                                                      actor="operator")
        assert [c.login_id for c in created] == [f"master-{i:03d}" for i in range(5)]
        assert len({c.password.reveal_text() for c in created}) == 5
        assert len(world.site.branch.search(world.institution, "72000").contracts) == 5


class TestUsers:
    def test_a_user_gets_rights_limits_and_an_initial_password(self, world):
        created = world.site.onboarding.add_user(
            world.institution,
            UserRequest("1000001", "new-general", "新人 三郎", "general",
                        operations=["transfer", "approval"], approver=True,
                        limit_per_transfer="100000", limit_per_day="300000"),
            actor="operator")
        user = world.site.users.authenticate(world.institution, "new-general",
                                             created.password.reveal_text())
        assert (user.contract_id, user.role, user.operations, user.approver) == (
            world.contract.id, Role.GENERAL,
            frozenset({Operation.TRANSFER, Operation.APPROVAL}), True)
        assert (user.limit_per_transfer, user.limit_per_day) == (100_000, 300_000)
        assert user.must_change_password
        [entry] = audit(world, "user_added")
        assert entry.detail["operations"] == ["approval", "transfer"]

    def test_limits_above_the_contracts_and_unknown_contracts_are_refused(self, world):
        with pytest.raises(LimitOverContract):
            world.site.onboarding.add_user(
                world.institution, UserRequest("1000001", "greedy-user", "欲張り",
                                               limit_per_transfer="10000001"),
                actor="operator")
        with pytest.raises(ContractNotFound):
            world.site.onboarding.add_user(
                world.institution, UserRequest("9999999", "lost-user1", "迷子"),
                actor="operator")
        assert audit(world, "user_added") == []


class TestStaff:
    def test_staff_roles_decide_what_the_console_allows(self, world):
        created = world.site.onboarding.add_staff(
            world.institution, StaffRequest("clerk01", "窓口 二郎", "clerk"),
            actor=world.staff.actor)
        clerk = world.site.branch.authenticate(world.institution, "clerk01",
                                               created.password.reveal_text())
        assert clerk.role == StaffRole.CLERK
        assert world.staff.role == StaffRole.SUPERVISOR
        contract = world.site.users.add_contract(world.institution, "5000005", "新規商事")
        with pytest.raises(StaffNotPermitted):
            world.site.branch.enable_otp(world.institution, clerk, contract.id, "申込書")
        with pytest.raises(StaffNotPermitted):
            world.site.branch.revoke(world.institution, clerk, world.general.id, "機種変更")
        assert world.site.branch.enable_otp(world.institution, world.staff, contract.id,
                                            "申込書").otp_enabled
        [entry] = audit(world, "staff_added")
        assert entry.detail == {"staff": "clerk01", "role": "clerk"}


class TestInitialPasswords:
    def test_initial_passwords_meet_the_policy_and_differ(self):
        seen = {initial_password().reveal_text() for _ in range(50)}
        assert len(seen) == 50
        for text in seen:
            assert len(text) == 16
            assert any(c.isdigit() for c in text)
            assert any(c.isalpha() for c in text)


class TestOpeningAccounts:
    """口座開設: a new contract's accounts with their first deposit (issue 12's month)."""

    def open(self, world, **more):
        given = {"bank_code": "2101", "branch_code": "001", "account_type": "ordinary",
                 "account_number": "4200001", "holder_name": "ｼﾝｷ(ｶ",
                 "opening_balance": "3,000,000"}
        return world.site.onboarding.open_account(world.institution, "7000007",
                                                  actor=world.staff.actor,
                                                  **{**given, **more})

    def test_the_new_contracts_account_holds_its_opening_balance(self, world):
        [master] = new_contract(world)
        account = self.open(world)
        assert (account.account_number, account.balance) == ("4200001", 3_000_000)
        user = world.site.users.authenticate(world.institution, master.login_id,
                                             master.password.reveal_text())
        assert [a.id for a in world.site.transfers.accounts(user)] == [account.id]
        [entry] = audit(world, "account_opened")
        assert entry.detail == {"contract": "7000007", "account_type": "ordinary",
                                "opening_balance": 3_000_000}

    def test_bad_input_and_a_taken_number_open_nothing(self, world):
        new_contract(world)
        self.open(world)
        for more, error in [({"account_number": "4200001"}, AccountNumberTaken),
                            ({"account_number": "12345678"}, InvalidAccountNumber),
                            ({"opening_balance": "-5"}, InvalidAmount),
                            ({"holder_name": "新規"}, InvalidHolderName)]:
            with pytest.raises(error):
                self.open(world, **more)
        with pytest.raises(ContractNotFound):
            world.site.onboarding.open_account(
                world.institution, "7999997", bank_code="2101", branch_code="001",
                account_type="ordinary", account_number="4200009", holder_name="ｼﾝｷ",
                opening_balance="1", actor=world.staff.actor)
        assert len(audit(world, "account_opened")) == 1

    def test_a_clerk_may_not_open_accounts(self, world):
        new_contract(world)
        clerk = world.site.onboarding.add_staff(
            world.institution, StaffRequest("clerk-01", "窓口 二郎", StaffRole.CLERK.value),
            actor="test")
        who = world.site.branch.authenticate(world.institution, clerk.login_id,
                                             clerk.password.reveal_text())
        with pytest.raises(StaffNotPermitted):
            world.site.onboarding.open_account(
                world.institution, "7000007", bank_code="2101", branch_code="001",
                account_type="ordinary", account_number="4200002", holder_name="ｼﾝｷ",
                opening_balance="1", actor=who.actor, by=who)
