"""承認 screens and the rights on every operation, over HTTP (SQLite; the service tests
cover both databases): a request instead of a booking, 承認 with step-up, 差戻し, 取消;
menu entries only for the operations a user has the right to."""

from __future__ import annotations

from onetime.banking.domain.approvals import ApprovalState
from onetime.domain.values import Operation
from tests.banking.service.test_transfer_limits import limit
from tests.banking.world import activate, code
from tests.web.routes.conftest import log_in, page_token, refused
from tests.web.routes.test_bulk import START, balance, payroll, request_id, upload


def under_approval(world):
    world.services.institutions.configure(world.institution.service_id,
                                          approval_operations=["payroll_transfer"])
    return world.services.institutions.get(world.institution.service_id, fresh=True)


def request_payroll(client, world, clock) -> str:
    """demo-general (a token set up) uploads a payroll file and presses 承認依頼: the
    request's page."""
    activate(world, world.general, clock)
    log_in(client, "demo-general")
    token = page_token(client, "/bulk")
    upload(client, payroll(world, [200_000, 10_000]), token)
    confirm = client.get("/bulk/confirm").text
    assert "承認依頼" in confirm
    assert 'name="confirmation_password"' not in confirm
    response = client.post("/bulk/confirm", data={"csrf_token": token,
                                                  "request_id": request_id(confirm)})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/approvals/")
    return response.headers["location"]


class TestApprovalScreens:
    def test_a_request_then_its_approval_books_it(self, web, world, clock):
        bank = under_approval(world)
        secret = activate(world, world.master, clock)
        where = request_payroll(web.client(), world, clock)
        assert balance(world) == START
        approver = web.client()
        log_in(approver, "demo-master")
        listing = approver.get("/approvals").text
        assert "承認待ち一覧" in listing
        assert f'href="{where}"' in listing
        token = page_token(approver, where)
        response = approver.post(f"{where}/approve", data={
            "csrf_token": token, "confirmation_password": "Master-conf1",
            "code": code(secret, clock)})
        assert response.headers["location"] == where
        page = approver.get(where).text
        assert "承認しました" in page
        assert '<dd id="state">承認済' in page
        assert balance(world) == START - 210_000 - 660 - 440
        (done,) = world.site.approvals.history(bank, world.master)
        assert done.state is ApprovalState.APPROVED

    def test_the_requester_cannot_approve_and_may_cancel(self, web, world, clock):
        under_approval(world)
        client = web.client()
        where = request_payroll(client, world, clock)
        page = client.get(where).text
        assert 'id="approve-form"' not in page
        assert 'id="cancel"' in page
        token = page_token(client, where)
        forced = client.post(f"{where}/approve", data={
            "csrf_token": token, "confirmation_password": "General-conf1", "code": "12345678"})
        assert "ご自身が依頼したお取引は承認・差戻しできません" in refused(client, forced, where)
        client.post(f"{where}/cancel", data={"csrf_token": token})
        assert '<dd id="state">取消' in client.get(where).text
        assert balance(world) == START

    def test_send_back_without_a_reason_is_refused_with_a_message(self, web, world, clock):
        under_approval(world)
        where = request_payroll(web.client(), world, clock)
        approver = web.client()
        activate(world, world.admin, clock)
        log_in(approver, "demo-admin")
        token = page_token(approver, where)
        empty = approver.post(f"{where}/return", data={"csrf_token": token, "reason": " "})
        assert 'role="alert"' in refused(approver, empty, where)
        approver.post(f"{where}/return", data={"csrf_token": token, "reason": "口座違い"})
        history = approver.get("/approvals/history").text
        assert "差戻し" in history
        assert "口座違い" in history

    def test_an_unknown_request_leads_back_to_the_list(self, web, world, clock):
        activate(world, world.master, clock)
        client = web.client()
        log_in(client, "demo-master")
        assert client.get("/approvals/999").headers["location"] == "/approvals"


class TestRightsOnTheMenu:
    def test_a_user_without_the_bulk_right_sees_no_entry_and_is_refused(self, web, world,
                                                                        clock):
        activate(world, world.general, clock)
        limit(world, world.general, operations=[Operation.TRANSFER])
        client = web.client()
        log_in(client, "demo-general")
        top = client.get("/top").text
        assert 'href="/transfer"' in top
        assert 'href="/bulk"' not in top
        assert 'href="/payeasy"' not in top
        token = page_token(client, "/bulk")
        response = upload(client, payroll(world, [10_000]), token)
        assert "この取引の利用権限がありません" in refused(client, response, "/bulk")
        assert balance(world) == START
