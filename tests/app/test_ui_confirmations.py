"""取引確認 in the Textual app against a real OTP service (SQLite, in this process):
the request shown exactly, 承認 and 否認, a closed request; the offline OCRA screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Button, Digits

from onetime.app.client import ServiceClient
from onetime.app.screens.code import CodeScreen
from onetime.app.screens.confirmations import ConfirmationScreen
from onetime.app.screens.ocra import OcraScreen
from onetime.crypto import TEST_KDF
from onetime.setup import token_keys
from onetime.setup.token_keys import Purpose
from tests.app.gate import GatedHttp
from tests.app.pilot import fill, screen_text, settle, settle_but, text_of

pytestmark = pytest.mark.anyio

PAYEE = {"bank_code": "0001", "bank_name": "みずほ銀行", "branch_code": "100",
         "branch_name": "東京営業部", "account_type": "ordinary", "account_number": "1234567",
         "account_name": "ｶ)ﾄｳｷﾖｳｼﾖｳｼﾞ"}
TRANSFER = {"operation": "transfer", "payee": PAYEE, "amount": 1_250_000}


@pytest.fixture
def world(stack, vault_file, clock):
    """taro's token set up through the app's client, confirmed, in the vault; the
    institution offers both online and offline 取引確認."""
    stack.institution = stack.services.institutions.configure(
        "0001", transaction_confirmation="both")
    stack.issue()
    token = stack.client().set_up("0001", "taro", "1234")
    assert stack.services.tokens.confirm(stack.institution, "taro",
                                         token.code_at(clock.now())).result == "accepted"
    clock.advance(timedelta(minutes=1))
    vault_file.create().put(token)
    return stack, token


def _ask(stack, body=TRANSFER):
    return stack.services.confirmations.create(stack.institution, "taro", body)


async def _open_confirmations(app, pilot):
    await pilot.pause()
    assert isinstance(app.screen, CodeScreen)
    await pilot.press("c")
    await settle(pilot)
    assert isinstance(app.screen, ConfirmationScreen)


async def test_request_shown_exactly_then_approved(world, token_app):
    """Every field in Japanese as the bank will book it; 承認 confirms it at the service."""
    stack, _token = world
    request = _ask(stack)
    app = token_app(stack.client())
    async with app.run_test(size=(80, 30)) as pilot:
        await _open_confirmations(app, pilot)
        details = text_of(pilot, "#details")
        for line in ("振込・振替", "振込先金融機関: 0001 みずほ銀行", "振込先支店: 100 東京営業部",
                     "預金種目・口座番号: 普通 1234567", "受取人名: ｶ)ﾄｳｷﾖｳｼﾖｳｼﾞ",
                     "振込金額: 1,250,000円", "承認期限: 10:06"):
            assert line in details
        await pilot.click("#approve")
        await settle(pilot)
        assert app.last_notice == "承認しました。"
        assert "確認待ちのお取引はありません。" in screen_text(pilot)
    got = stack.services.confirmations.get(stack.institution, "taro", request.id)
    assert got.state == "confirmed"


async def test_reject(world, token_app):
    """否認 records the rejection at the service."""
    stack, _token = world
    request = _ask(stack)
    app = token_app(stack.client())
    async with app.run_test(size=(80, 30)) as pilot:
        await _open_confirmations(app, pilot)
        await pilot.click("#reject")
        await settle(pilot)
        assert app.last_notice == "否認しました。"
    got = stack.services.confirmations.get(stack.institution, "taro", request.id)
    assert got.state == "rejected"


async def test_payroll_batch_shows_count_and_total(world, token_app):
    """給与・賞与振込: the count and the total."""
    stack, _token = world
    _ask(stack, {"operation": "payroll_transfer", "count": 42, "total": 12_345_678})
    app = token_app(stack.client())
    async with app.run_test(size=(80, 30)) as pilot:
        await _open_confirmations(app, pilot)
        details = text_of(pilot, "#details")
        assert "給与・賞与振込" in details
        assert "件数: 42件" in details
        assert "合計金額: 12,345,678円" in details


async def test_expired_while_shown(world, token_app, clock):
    """Approving after 5 minutes: the app says the request is closed; nothing confirmed."""
    stack, _token = world
    request = _ask(stack)
    app = token_app(stack.client())
    async with app.run_test(size=(80, 30)) as pilot:
        await _open_confirmations(app, pilot)
        clock.advance(timedelta(minutes=5))
        await pilot.click("#approve")
        await settle(pilot)
        assert "承認期限を過ぎたか" in text_of(pilot, "#message")
        assert app.screen.query_one("#approve", Button).disabled
    got = stack.services.confirmations.get(stack.institution, "taro", request.id)
    assert got.state == "expired"


async def test_nothing_pending(world, token_app):
    """No request: the buttons are off."""
    stack, _token = world
    app = token_app(stack.client())
    async with app.run_test(size=(80, 30)) as pilot:
        await _open_confirmations(app, pilot)
        assert "確認待ちのお取引はありません。" in screen_text(pilot)
        assert app.screen.query_one("#approve", Button).disabled


# -- a refresh while a decision is on its way ------------------------------------------


@pytest.fixture
def gated(world):
    """The app's client over gated HTTP; every gate opens at the end, whatever happened."""
    stack, _token = world
    http = GatedHttp(stack.http)
    yield http, ServiceClient("http://127.0.0.1", TEST_KDF, stack.clock, http=http)
    http.open_all()


async def _quiet(pilot) -> None:
    """Until no worker runs and their messages are handled (a decision's reload too)."""
    for _ in range(20):
        await settle(pilot)
        if not any(worker.is_running for worker in pilot.app.workers):
            return
    raise AssertionError("the workers never settled")


async def test_refresh_in_the_same_turn_does_not_cancel_the_decision(world, gated, token_app):
    """承認 and 再読込 handled in one turn (the terminal hands over "ar" in one read): the
    approval still reaches the service, once, and the screen says so."""
    stack, _token = world
    http, client = gated
    request = _ask(stack)
    app = token_app(client)
    async with app.run_test(size=(80, 30)) as pilot:
        await _open_confirmations(app, pilot)
        app.screen.action_approve()
        app.screen.action_reload()
        await _quiet(pilot)
        assert app.last_notice == "承認しました。"
        assert "確認待ちのお取引はありません。" in screen_text(pilot)
    assert http.sent("POST", "/approval") == 1
    assert stack.services.confirmations.get(stack.institution, "taro",
                                            request.id).state == "confirmed"


async def test_refresh_while_the_decision_is_in_flight(world, gated, token_app):
    """再読込 while 否認 is on its way: the request is not offered again (a second press
    sends nothing), the decision is not cancelled, and its outcome shows when it lands."""
    stack, _token = world
    http, client = gated
    request = _ask(stack)
    app = token_app(client)
    async with app.run_test(size=(80, 30)) as pilot:
        await _open_confirmations(app, pilot)
        gate = http.hold("POST", "/rejection")
        await pilot.press("x")
        await gate.wait_entered()
        await pilot.pause()
        assert text_of(pilot, "#message") == "送信しています…"
        assert "振込金額: 1,250,000円" in text_of(pilot, "#details")
        held = list(app.workers)
        await pilot.press("r")
        await settle_but(pilot, held)  # a poll, if one started, has answered
        assert app.screen.query_one("#reject", Button).disabled
        assert app.screen.query_one("#approve", Button).disabled
        await pilot.press("x")
        await pilot.press("a")
        gate.open()
        await gate.wait_done()
        await _quiet(pilot)
        assert app.last_notice == "否認しました。"
        assert "否認しました。" in text_of(pilot, "#message")
        assert "確認待ちのお取引はありません。" in screen_text(pilot)
    assert http.sent("POST", "/rejection") == 1
    assert http.sent("POST", "/approval") == 0
    assert stack.services.confirmations.get(stack.institution, "taro",
                                            request.id).state == "rejected"


async def test_refresh_while_a_poll_is_on_its_way(world, gated, token_app):
    """再読込 twice: one poll reaches the service, not two racing each other (the later
    signed one arriving first would get the earlier refused as a replay); then 承認 works."""
    stack, _token = world
    http, client = gated
    _ask(stack)
    app = token_app(client)
    async with app.run_test(size=(80, 30)) as pilot:
        await _open_confirmations(app, pilot)
        first = http.hold("GET", "/confirmations")
        await pilot.press("r")
        await first.wait_entered()
        held = list(app.workers)
        await pilot.press("r")
        # A second poll, if one started, answers before the first one's gate opens.
        await settle_but(pilot, held)
        first.open()
        await first.wait_done()
        await _quiet(pilot)
        assert text_of(pilot, "#message") == ""
        assert "確認待ち 1 件" in screen_text(pilot)
        await pilot.press("a")
        await _quiet(pilot)
        assert app.last_notice == "承認しました。"
        assert "確認待ちのお取引はありません。" in screen_text(pilot)
    assert http.sent("GET", "/confirmations") == 3  # opening, 再読込, after 承認
    assert http.sent("POST", "/approval") == 1


async def test_ocra_code_for_the_account_number_is_accepted(world, token_app, clock):
    """Offline: the code shown for 1234567 is accepted by the service once."""
    stack, token = world
    app = token_app(stack.client())
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OcraScreen)
        await fill(pilot, challenge="1234567")
        shown = app.screen.query_one("#response", Digits).value.replace(" ", "")
    key = token_keys.derive(token.secret.reveal(), Purpose.OCRA, "0001", "taro", token.serial)
    assert shown == token_keys.ocra_response(key, "1234567", clock.now().timestamp())
    answer = stack.services.confirmations.verify_ocra(stack.institution, "taro", "1234567",
                                                     shown)
    assert answer.result == "accepted"


async def test_ocra_needs_seven_digits(world, token_app):
    """A short account number: a message, no code."""
    stack, _token = world
    app = token_app(stack.client())
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        await fill(pilot, challenge="12345")
        assert text_of(pilot, "#message") == "口座番号は7桁の数字で入力してください。"
        assert app.screen.query_one("#response", Digits).value == ""
