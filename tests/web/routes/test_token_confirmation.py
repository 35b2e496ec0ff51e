"""The 取引確認 screen (/transfer/token-confirmation): what it shows while waiting, and
the clear message and no booking for each refusal."""

from __future__ import annotations

from datetime import timedelta

from onetime.setup import token_keys
from onetime.setup.token_keys import Purpose
from tests.banking.world import activate, code
from tests.web.routes.conftest import csrf_of, log_in, page_token, refused

PAGE = "/transfer/token-confirmation"


def to_confirmation(client, world, clock, mode: str) -> bytes:
    """Settings `mode`; the master's transfer through the step-up: 303 to 取引確認."""
    world.services.institutions.configure(world.institution.service_id,
                                          transaction_confirmation=mode)
    secret = activate(world, world.master, clock)
    log_in(client, "demo-master")
    token = page_token(client, "/transfer")
    accounts = world.site.transfers.accounts(world.master)
    client.post("/transfer", data={
        "csrf_token": token, "from_account": str(accounts[0].id), "bank_code": "0009",
        "branch_code": "001", "account_type": "ordinary", "account_number": "7654321",
        "holder_name": "ｽｽﾞｷ", "amount": "30000"})
    confirm = client.get("/transfer/confirm").text
    request_id = confirm.split('name="request_id" value="')[1].split('"')[0]
    response = client.post("/transfer/confirm", data={
        "csrf_token": token, "request_id": request_id,
        "confirmation_password": "Master-conf1", "code": code(secret, clock)})
    assert response.headers["location"] == PAGE, client.get("/transfer/confirm").text[:3000]
    return secret


def balance(world) -> int:
    return world.site.transfers.accounts(world.master)[0].balance


def test_online_waits_refreshes_and_expires(client, world, clock):
    to_confirmation(client, world, clock, "online")
    page = client.get(PAGE).text
    assert "トークンアプリで取引内容を確認し、承認してください。" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert 'data-state="pending"' in page
    assert "7654321" in page
    assert "30,000円" in page
    assert 'id="execute"' not in page  # nothing to press until the app approves
    assert 'id="use-code"' not in page  # online only: no OCRA
    # Back to the step-up page: the request is with the app already, not a new one.
    assert client.get("/transfer/confirm").headers["location"] == PAGE
    early = client.post(PAGE, data={"csrf_token": csrf_of(page)})
    assert "トークンアプリでまだ承認されていません" in refused(client, early, PAGE)
    clock.advance(timedelta(minutes=5))
    expired = client.get(PAGE)
    assert "承認期限を過ぎました" in refused(client, expired, "/transfer")
    assert client.get(PAGE).headers["location"] == "/transfer"  # draft and request forgotten
    assert balance(world) == 5_000_000


def test_offline_code_wrong_then_right(client, world, clock):
    secret = to_confirmation(client, world, clock, "offline")
    page = client.get(PAGE).text
    assert "振込先口座番号 7654321 を入力し" in page
    assert 'name="response"' in page
    assert "http-equiv" not in page  # no refresh while the user types
    key = token_keys.derive(secret, Purpose.OCRA, world.institution.service_id,
                            world.master.user_id,
                            world.site.tokens.get_token(world.institution,
                                                        world.master.user_id).serial)
    right = token_keys.ocra_response(key, "7654321", clock.now().timestamp())
    wrong = token_keys.ocra_response(key, "1234567", clock.now().timestamp())
    response = client.post(PAGE, data={"csrf_token": csrf_of(page), "response": wrong})
    shown = refused(client, response, PAGE + "/code")
    assert "確認コードが正しくありません。あと9回" in shown
    assert wrong not in shown
    assert balance(world) == 5_000_000
    done = client.post(PAGE, data={"csrf_token": csrf_of(shown), "response": right})
    assert done.headers["location"] == "/transfer/result"
    assert balance(world) == 5_000_000 - 30_000 - 660


def test_both_links_the_code_page_and_english(client, world, clock):
    to_confirmation(client, world, clock, "both")
    page = client.get(PAGE).text
    assert 'href="/transfer/token-confirmation/code"' in page
    client.post("/lang", data={"csrf_token": csrf_of(page), "lang": "en", "next": PAGE})
    english = client.get(PAGE).text
    assert "Check the transaction in the token app and approve it." in english
    assert "Waiting for your approval in the token app" in english
    code_page = client.get(PAGE + "/code").text
    assert "Enter the payee&#39;s account number 7654321" in code_page


def test_a_payroll_waits_for_the_app_and_a_refusal_books_nothing(client, world, clock):
    """総合振込・給与振込: the same screen, with the batch's count and total."""
    from tests.service.confirming import App
    from tests.service.world import Bank
    from tests.web.routes.test_bulk import START, payroll, request_id, upload
    from tests.web.routes.test_bulk import balance as batch_balance

    world.services.institutions.configure(world.institution.service_id,
                                          transaction_confirmation="online")
    inst = world.services.institutions.get(world.institution.service_id, fresh=True)
    secret = activate(world, world.master, clock)
    log_in(client, "demo-master")
    token = page_token(client, "/bulk")
    upload(client, payroll(world, [200_000, 10_000, 350_000]), token)
    confirm = client.get("/bulk/confirm").text
    response = client.post("/bulk/confirm", data={
        "csrf_token": token, "request_id": request_id(confirm),
        "confirmation_password": "Master-conf1", "code": code(secret, clock)})
    assert response.headers["location"] == "/bulk/token-confirmation"
    page = client.get("/bulk/token-confirmation").text
    assert "トークンアプリで取引内容を確認し、承認してください。" in page
    assert "合計件数</dt><dd id=\"count\">3件" in page
    assert "合計金額</dt><dd id=\"total\">560,000円" in page
    app = App(Bank(world.services, inst, clock), world.master.user_id, secret)
    [request] = app.bank.services.confirmations.pending(app.session())
    app.bank.services.confirmations.reject(app.session(), request.id)
    refusal = client.get("/bulk/token-confirmation")
    assert "トークンアプリで否認されたため" in refused(client, refusal, "/bulk")
    assert batch_balance(world) == START
