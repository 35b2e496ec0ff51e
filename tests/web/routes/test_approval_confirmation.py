"""取引確認 of 承認 over HTTP (/approvals/{id}/token-confirmation): after the approver's
step-up the page waits on the token app, books once it approved, and a 否認 leads back to
the request, still 承認待ち (SQLite; the service tests cover both databases)."""

from __future__ import annotations

from onetime.setup import token_keys
from onetime.setup.token_keys import Purpose
from tests.banking.service.test_transfers import draft as transfer_draft
from tests.banking.world import activate, code
from tests.service.confirming import App
from tests.service.world import Bank
from tests.web.routes.conftest import csrf_of, log_in, page_token, refused
from tests.web.routes.test_approvals_pages import request_payroll
from tests.web.routes.test_bulk import START, balance


def configure(world, mode: str, operations=("payroll_transfer",)):
    sid = world.institution.service_id
    world.services.institutions.configure(sid, transaction_confirmation=mode,
                                          approval_operations=list(operations))
    return world.services.institutions.get(sid, fresh=True)


def step_up(web, world, clock, where: str):
    """demo-master (a token set up) presses 承認 with the step-up: 303 to 取引確認."""
    secret = activate(world, world.master, clock)
    approver = web.client()
    log_in(approver, "demo-master")
    token = page_token(approver, where)
    response = approver.post(f"{where}/approve", data={
        "csrf_token": token, "confirmation_password": "Master-conf1",
        "code": code(secret, clock)})
    assert response.headers["location"] == f"{where}/token-confirmation"
    return approver, secret


def test_waits_for_the_app_then_books(web, world, clock):
    inst = configure(world, "online")
    where = request_payroll(web.client(), world, clock)
    approver, secret = step_up(web, world, clock, where)
    page_url = f"{where}/token-confirmation"
    page = approver.get(page_url).text
    assert "トークンアプリで取引内容を確認し、承認してください。" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert 'data-state="pending"' in page
    assert "合計件数</dt><dd id=\"count\">2件" in page
    assert "合計金額</dt><dd id=\"total\">210,000円" in page
    assert 'id="execute"' not in page
    assert 'id="use-code"' not in page  # a batch: no payee for OCRA
    early = approver.post(page_url, data={"csrf_token": csrf_of(page)})
    assert "トークンアプリでまだ承認されていません" in refused(approver, early, page_url)
    assert balance(world) == START
    app = App(Bank(world.services, inst, clock), world.master.user_id, secret)
    [asked] = app.bank.services.confirmations.pending(app.session())
    app.bank.services.confirmations.confirm(app.session(), asked.id, app.sign(asked))
    page = approver.get(page_url).text
    assert 'id="execute"' in page
    done = approver.post(page_url, data={"csrf_token": csrf_of(page)})
    shown = refused(approver, done, where)  # Post/Redirect/Get to the request
    assert "承認しました" in shown
    assert '<dd id="state">承認済' in shown
    assert balance(world) == START - 210_000 - 660 - 440
    assert approver.get(page_url).headers["location"] == where  # nothing pending now


def test_a_refusal_in_the_app_leads_back_to_the_request_still_pending(web, world, clock):
    inst = configure(world, "online")
    where = request_payroll(web.client(), world, clock)
    approver, secret = step_up(web, world, clock, where)
    app = App(Bank(world.services, inst, clock), world.master.user_id, secret)
    [asked] = app.bank.services.confirmations.pending(app.session())
    app.bank.services.confirmations.reject(app.session(), asked.id)
    ended = approver.get(f"{where}/token-confirmation")
    shown = refused(approver, ended, where)
    assert "トークンアプリで否認されたため、お取引を中止しました" in shown
    assert '<dd id="state">承認待ち' in shown
    assert 'id="approve-form"' in shown  # the approver may approve it again
    assert balance(world) == START


def test_a_transfer_request_offers_the_ocra_code(web, world, clock):
    inst = configure(world, "both", operations=("transfer",))
    activate(world, world.general, clock)
    request = world.site.approvals.request_transfer(
        inst, world.general, world.contract, transfer_draft(world, world.general,
                                                            amount="30000"))
    where = f"/approvals/{request.id}"
    approver, secret = step_up(web, world, clock, where)
    page = approver.get(f"{where}/token-confirmation").text
    assert f'href="{where}/token-confirmation/code"' in page
    code_page = approver.get(f"{where}/token-confirmation/code").text
    assert "振込先口座番号 1234567 を入力し" in code_page
    assert "http-equiv" not in code_page
    app = App(Bank(world.services, inst, clock), world.master.user_id, secret)
    right = token_keys.ocra_response(app.key(Purpose.OCRA), "1234567",
                                     clock.now().timestamp())
    done = approver.post(f"{where}/token-confirmation",
                         data={"csrf_token": csrf_of(code_page), "response": right})
    assert "承認しました" in refused(approver, done, where)
    assert balance(world) < START - 30_000
