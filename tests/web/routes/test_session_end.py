"""Through HTTP: revocation and suspension end the user's open session, and a transfer
waiting on its confirmation screen cannot be finished after them (issue 10.6)."""

from __future__ import annotations

from sqlalchemy import func, select

from onetime.banking.storage.schema import transfers
from tests.banking.world import activate, code, suspend, wrong
from tests.web.routes.conftest import csrf_of, log_in, open_token_management, page_token


def goes_to_login(client) -> bool:
    response = client.get("/top")
    return response.status_code == 303 and response.headers["location"].startswith("/login")


def start_transfer(client, world, user) -> tuple[str, str]:
    """Input screen → confirmation screen; the form token and the draft's request ID."""
    token = page_token(client, "/transfer")
    accounts = world.site.transfers.accounts(user)
    client.post("/transfer", data={
        "csrf_token": token, "from_account": str(accounts[0].id), "bank_code": "0009",
        "branch_code": "001", "account_type": "ordinary", "account_number": "7654321",
        "holder_name": "ｽｽﾞｷ", "amount": "30000"})
    confirm = client.get("/transfer/confirm").text
    return csrf_of(confirm), confirm.split('name="request_id" value="')[1].split('"')[0]


def confirm_transfer(client, token: str, request_id: str, password: str, typed: str):
    return client.post("/transfer/confirm", data={
        "csrf_token": token, "request_id": request_id, "confirmation_password": password,
        "code": typed})


def transfer_count(world) -> int:
    with world.site.ctx.db.read() as conn:
        return conn.execute(select(func.count()).select_from(transfers)).scalar_one()


def admin_revokes(web, world, target, admin_secret, clock) -> None:
    admin = web.client()
    log_in(admin, "demo-admin")
    open_token_management(admin, "demo-admin", admin_secret, clock)
    token = page_token(admin, "/manage/revoke")
    chosen = admin.post("/manage/revoke", data={"csrf_token": token,
                                                "target": str(target.id)})
    assert chosen.headers["location"] == "/manage/revoke/confirm"
    token = page_token(admin, "/manage/revoke/confirm")
    response = admin.post("/manage/revoke/confirm", data={
        "csrf_token": token, "target": str(target.id), "confirmation_password": "Admin-conf1",
        "code": code(admin_secret, clock)})
    assert response.headers["location"] == "/manage/revoke/result"


def branch_revokes(web, world, target) -> None:
    staff = web.client()
    log_in(staff, "branch01", branch=True)
    token = page_token(staff, f"/branch/contracts/{target.contract_id}")
    response = staff.post(f"/branch/users/{target.id}/revoke",
                          data={"csrf_token": token, "reason": "機種変更"})
    assert response.status_code == 303
    assert world.site.tokens.get_token(world.institution, target.user_id).state == "revoked"


class TestOpenSessionEnds:
    def test_admin_revocation_sends_the_users_open_session_to_login(self, web, client,
                                                                    world, clock):
        admin_secret = activate(world, world.admin, clock)
        activate(world, world.general, clock)
        log_in(client, "demo-general")
        assert client.get("/top").status_code == 200
        admin_revokes(web, world, world.general, admin_secret, clock)
        assert goes_to_login(client)

    def test_branch_revocation_sends_the_users_open_session_to_login(self, web, client,
                                                                     world, clock):
        activate(world, world.general, clock)
        log_in(client, "demo-general")
        assert client.get("/top").status_code == 200
        branch_revokes(web, world, world.general)
        assert goes_to_login(client)

    def test_wrong_codes_in_a_step_up_end_the_session_at_suspension(self, client, world,
                                                                    clock):
        secret = activate(world, world.master, clock)
        log_in(client, "demo-master")
        bad = wrong(code(secret, clock))
        for _ in range(world.institution.settings.max_failures - 1):
            token, request_id = start_transfer(client, world, world.master)
            confirm_transfer(client, token, request_id, "Master-conf1", bad)
        assert client.get("/top").status_code == 200
        token, request_id = start_transfer(client, world, world.master)
        answer = confirm_transfer(client, token, request_id, "Master-conf1", bad)
        assert world.site.tokens.get_token(world.institution,
                                           world.master.user_id).state == "suspended"
        # Post/Redirect/Get to the login page, which says why (once); the session is gone.
        assert (answer.status_code, answer.headers["location"]) == (303, "/login")
        assert "利用が停止されています" in client.get("/login").text
        assert "利用が停止されています" not in client.get("/login").text
        assert goes_to_login(client)
        # Signed in again, the top page says who releases it (rule 8).
        assert log_in(client, "demo-master").headers["location"] == "/top"
        assert 'id="suspension"' in client.get("/top").text

    def test_revocation_through_the_api_ends_the_session_at_its_next_request(
            self, client, world, clock):
        """The site did not revoke, so it learns it from the OTP service's answer."""
        activate(world, world.general, clock)
        log_in(client, "demo-general")
        clock.advance(1)
        world.services.tokens.revoke(world.institution, world.general.user_id,
                                     actor="bank:backend", reason="lost phone")
        assert goes_to_login(client)
        # Signing in again leads to トークン発行 (rule 9), and that session goes on.
        assert log_in(client, "demo-general").headers["location"] == "/issuance"
        assert client.get("/issuance").status_code == 200

    def test_suspension_through_the_api_ends_the_session_at_its_next_request(
            self, client, world, clock):
        secret = activate(world, world.general, clock)
        log_in(client, "demo-general")
        clock.advance(1)
        suspend(world, world.general, secret, clock)
        assert goes_to_login(client)
        assert log_in(client, "demo-general").headers["location"] == "/top"
        assert client.get("/top").status_code == 200  # to read who releases it


class TestTransferStartedBefore:
    def test_cannot_be_confirmed_after_the_admin_revoked_the_token(self, web, client, world,
                                                                   clock):
        admin_secret = activate(world, world.admin, clock)
        secret = activate(world, world.general, clock)
        log_in(client, "demo-general")
        token, request_id = start_transfer(client, world, world.general)
        admin_revokes(web, world, world.general, admin_secret, clock)
        clock.advance(60)
        response = confirm_transfer(client, token, request_id, "General-conf1",
                                    code(secret, clock))
        assert response.headers["location"].startswith("/login")
        assert transfer_count(world) == 0

    def test_cannot_be_confirmed_after_the_branch_revoked_the_token(self, web, client, world,
                                                                    clock):
        secret = activate(world, world.general, clock)
        log_in(client, "demo-general")
        token, request_id = start_transfer(client, world, world.general)
        branch_revokes(web, world, world.general)
        response = confirm_transfer(client, token, request_id, "General-conf1",
                                    code(secret, clock))
        assert response.headers["location"].startswith("/login")
        assert transfer_count(world) == 0

    def test_cannot_be_confirmed_after_a_suspension_through_the_api(self, client, world,
                                                                    clock):
        """Even when the policy asks no code for transfers, the suspended user's
        confirmation screen cannot finish the transfer, and the session ends."""
        world.services.institutions.configure(world.institution.service_id,
                                              otp_operations=["token_management"])
        secret = activate(world, world.general, clock)
        log_in(client, "demo-general")
        token, request_id = start_transfer(client, world, world.general)
        suspend(world, world.general, secret, clock)  # the bank's backend, over the API
        response = confirm_transfer(client, token, request_id, "General-conf1", "")
        assert response.headers.get("location") != "/transfer/result"
        assert transfer_count(world) == 0
        assert goes_to_login(client)
