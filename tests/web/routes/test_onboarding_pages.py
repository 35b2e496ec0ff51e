"""ご契約先登録, 行員登録, パスワード変更 and 利用者管理's 利用者登録 / 変更 / 削除 as pages:
the initial password shown once, every page leads to パスワード変更 until it is changed,
bad input comes back with a message and books nothing."""

from __future__ import annotations

import re

from onetime.banking.service.onboarding import StaffRequest
from onetime.domain.tokens import TokenState
from onetime.i18n import messages
from tests.banking.world import activate, code
from tests.web.routes.conftest import log_in, page_token, refused

JA = messages("ja", "site")
INITIAL = re.compile(r'<code id="initial-password">([^<]+)</code>')


def register_contract(client, **fields):
    token = page_token(client, "/branch/contracts/new")
    data = {"csrf_token": token, "number": "8000008", "name": "登録 商事",
            "master_login": "web-master", "master_name": "登録 太郎", **fields}
    return client.post("/branch/contracts/new", data=data)


def change_password(client, current, new="Fresh-login1", confirmation="Fresh-conf1", **more):
    token = page_token(client, "/password")
    data = {"csrf_token": token, "current_password": current, "new_password": new,
            "new_password_again": new, "new_confirmation": confirmation,
            "new_confirmation_again": confirmation, **more}
    return client.post("/password", data=data)


class TestContractRegistration:
    def test_branch_registers_a_contract_and_the_master_must_change_the_password(
            self, web, world):
        branch = web.client()
        log_in(branch, "branch01", branch=True)
        page = register_contract(branch)
        assert page.status_code == 200
        [initial] = INITIAL.findall(page.text)
        assert JA["onboard.shown_once"] in page.text
        assert initial not in branch.get("/branch/contracts/new").text

        master = web.client()
        assert log_in(master, "web-master", initial).headers["location"] == "/password"
        for path in ("/top", "/transfer", "/manage", "/issuance"):
            assert master.get(path).headers["location"] == "/password", path
        assert JA["password.required"] in master.get("/password").text
        response = change_password(master, initial, new=initial)
        assert JA["error.password_reused"] in refused(master, response, "/password")
        assert change_password(master, initial).headers["location"] == "/"
        assert master.get("/top").status_code == 200

    def test_bad_input_is_told_and_books_nothing(self, web, world):
        branch = web.client()
        log_in(branch, "branch01", branch=True)
        response = register_contract(branch, number="12-34", master_login="x")
        page = refused(branch, response, "/branch/contracts/new")
        assert JA["error.invalid_contract_number"] in page
        assert 'value="登録 商事"' in page  # what was typed comes back
        assert world.site.branch.search(world.institution, "8000008").contracts == []
        response = register_contract(branch, number="1000001")
        assert JA["error.contract_number_taken"] in refused(branch, response,
                                                            "/branch/contracts/new")


class TestStaffRegistration:
    def test_a_supervisor_registers_staff_and_a_clerk_may_not(self, web, world):
        boss = web.client()
        log_in(boss, "branch01", branch=True)
        token = page_token(boss, "/branch/staff/new")
        page = boss.post("/branch/staff/new", data={"csrf_token": token, "staff_id": "clerk02",
                                                    "name": "窓口 三郎", "role": "clerk"})
        [initial] = INITIAL.findall(page.text)
        clerk = web.client()
        assert log_in(clerk, "clerk02", initial, branch=True).status_code == 303
        assert clerk.get("/branch/staff/new").status_code == 403
        assert 'id="new-staff"' not in clerk.get("/branch").text
        assert clerk.get("/branch/contracts/new").status_code == 200

    def test_a_clerk_is_told_a_supervisor_enables_otp(self, web, world):
        world.site.onboarding.add_staff(world.institution, StaffRequest(
            "clerk03", "窓口 四郎", "clerk", password=None), actor="test")
        contract = world.site.users.add_contract(world.institution, "6100006", "未申込商事")
        with world.site.ctx.db.write() as conn:  # a known password for the clerk
            world.site.ctx.people.add_staff(conn, world.institution.id, "clerk04", "窓口 五郎",
                                            world.site.onboarding.hasher.hash("Clerk-pass1"),
                                            world.site.ctx.clock.now())
        clerk = web.client()
        log_in(clerk, "clerk04", "Clerk-pass1", branch=True)
        url = f"/branch/contracts/{contract.id}"
        token = page_token(clerk, url)
        response = clerk.post(f"{url}/otp", data={"csrf_token": token, "reason": "申込書"})
        assert JA["error.staff_not_permitted"] in refused(clerk, response, url)
        assert not world.site.users.contract(world.institution, contract.id).otp_enabled


class TestUserManagement:
    def test_master_adds_changes_and_deletes_a_user(self, web, world, clock):
        secret = activate(world, world.master, clock)
        client = web.client()
        log_in(client, "demo-master")
        assert 'id="user-demo-general"' in client.get("/manage/users/list").text
        token = page_token(client, "/manage/users/new")
        page = client.post("/manage/users/new", data={
            "csrf_token": token, "login_id": "web-general", "name": "画面 花子",
            "role": "general", "op_transfer": "1", "op_approval": "1", "approver": "1",
            "limit_per_transfer": "100,000", "limit_per_day": "500000",
            "confirmation_password": world.confirmation(world.master),
            "code": code(secret, clock)})
        assert page.status_code == 200
        [initial] = INITIAL.findall(page.text)
        added = world.site.users.authenticate(world.institution, "web-general", initial)
        assert sorted(o.value for o in added.operations) == ["approval", "transfer"]
        assert (added.approver, added.limit_per_transfer) == (True, 100_000)

        clock.advance(60)
        url = f"/manage/users/{added.id}/edit"
        token = page_token(client, url)
        response = client.post(url, data={
            "csrf_token": token, "name": "画面 花子", "role": "admin", "op_payeasy": "1",
            "confirmation_password": world.confirmation(world.master),
            "code": code(secret, clock)})
        assert response.headers["location"] == "/manage/users/list"
        changed = world.site.users.user(world.institution, added.id)
        assert (changed.role.value, changed.approver, changed.limit_per_transfer) == (
            "admin", False, None)

        clock.advance(60)
        url = f"/manage/users/{added.id}/delete"
        token = page_token(client, url)
        response = client.post(url, data={
            "csrf_token": token, "confirmation_password": world.confirmation(world.master),
            "code": code(secret, clock)})
        assert response.headers["location"] == "/manage/users/list"
        assert 'id="user-web-general"' not in client.get("/manage/users/list").text

    def test_bad_input_keeps_the_form_and_adds_nobody(self, web, world, clock):
        secret = activate(world, world.master, clock)
        client = web.client()
        log_in(client, "demo-master")
        token = page_token(client, "/manage/users/new")
        response = client.post("/manage/users/new", data={
            "csrf_token": token, "login_id": "web-general", "name": "画面 花子",
            "role": "general", "op_transfer": "1", "limit_per_transfer": "99999999",
            "confirmation_password": world.confirmation(world.master),
            "code": code(secret, clock)})
        page = refused(client, response, "/manage/users/new")
        assert JA["error.limit_over_contract"] in page
        assert 'value="web-general"' in page
        assert world.confirmation(world.master) not in page
        assert len(world.site.users.colleagues(world.master)) == 3

    def test_an_admin_cannot_change_the_master_nor_delete_themselves(self, web, world,
                                                                     clock):
        activate(world, world.admin, clock)
        client = web.client()
        log_in(client, "demo-admin")
        url = f"/manage/users/{world.master.id}/edit"
        token = page_token(client, url)
        response = client.post(url, data={"csrf_token": token, "name": "乗っ取り",
                                          "op_transfer": "1",
                                          "confirmation_password": "x", "code": "1"})
        assert JA["error.master_not_changeable"] in refused(client, response, url)
        url = f"/manage/users/{world.admin.id}/delete"
        token = page_token(client, url)
        response = client.post(url, data={"csrf_token": token, "confirmation_password": "x"})
        assert JA["error.self_deletion_not_permitted"] in refused(client, response, url)
        assert world.site.users.user(world.institution, world.master.id).name == "デモ 太郎"

    def test_general_users_reach_no_user_management(self, web, world, clock):
        activate(world, world.general, clock)
        client = web.client()
        log_in(client, "demo-general")
        assert client.get("/manage/users/list").status_code == 403
        assert client.get(f"/manage/users/{world.admin.id}/edit").status_code == 403

    def test_a_deleted_users_token_is_revoked(self, web, world, clock):
        secret = activate(world, world.master, clock)
        activate(world, world.general, clock)
        client = web.client()
        log_in(client, "demo-master")
        url = f"/manage/users/{world.general.id}/delete"
        token = page_token(client, url)
        client.post(url, data={"csrf_token": token,
                               "confirmation_password": world.confirmation(world.master),
                               "code": code(secret, clock)})
        doc = world.site.tokens.get_token(world.institution, world.general.user_id)
        assert doc.state == TokenState.REVOKED


class TestOpeningAccounts:
    """口座開設 on the contract's page: a new contract gets its accounts at the branch."""

    def open(self, client, contract_id, **fields):
        url = f"/branch/contracts/{contract_id}"
        data = {"csrf_token": page_token(client, url), "branch_code": "001",
                "account_type": "ordinary", "account_number": "8100001",
                "holder_name": "ﾄｳﾛｸｼﾖｳｼﾞ(ｶ", "opening_balance": "2,500,000", **fields}
        return client.post(f"{url}/accounts", data=data)

    def test_a_supervisor_opens_an_account_with_its_first_deposit(self, web, world):
        branch = web.client()
        log_in(branch, "branch01", branch=True)
        register_contract(branch)
        [contract] = world.site.branch.search(world.institution, "8000008").contracts
        response = self.open(branch, contract.id)
        assert response.status_code == 303
        page = branch.get(response.headers["location"]).text
        assert 'id="account-8100001"' in page
        assert "2,500,000円" in page
        response = self.open(branch, contract.id)  # the same number again: told
        assert JA["error.account_number_taken"] in refused(
            branch, response, f"/branch/contracts/{contract.id}")
        response = self.open(branch, contract.id, account_number="8100002",
                             holder_name="登録商事")
        assert JA["error.invalid_holder_name"] in refused(
            branch, response, f"/branch/contracts/{contract.id}")
        assert 'id="account-8100002"' not in branch.get(f"/branch/contracts/{contract.id}").text

    def test_a_clerk_is_told_a_supervisor_opens_accounts(self, web, world):
        with world.site.ctx.db.write() as conn:  # a known password for the clerk
            world.site.ctx.people.add_staff(conn, world.institution.id, "clerk05", "窓口 六郎",
                                            world.site.onboarding.hasher.hash("Clerk-pass1"),
                                            world.site.ctx.clock.now())
        clerk = web.client()
        log_in(clerk, "clerk05", "Clerk-pass1", branch=True)
        url = f"/branch/contracts/{world.contract.id}"
        assert JA["error.staff_not_permitted"] in refused(
            clerk, self.open(clerk, world.contract.id), url)
