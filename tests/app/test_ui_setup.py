"""初期設定 → 初期設定完了 → the code, from the keyboard, and every way setup can fail."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from textual.widgets import Button, Input

from onetime.app import errors
from onetime.app.client import ServiceClient
from onetime.app.screens.code import CodeScreen
from onetime.app.screens.settings import SettingsScreen
from onetime.app.screens.setup import SetupScreen
from onetime.app.screens.setup_done import SetupDoneScreen
from onetime.app.screens.tokens import TokenListScreen
from onetime.crypto import TEST_KDF
from tests.app.conftest import make_token
from tests.app.gate import HeldCall
from tests.app.pilot import fill_setup, put, screen_text, settle, settle_but, text_of, type_setup
from tests.app.test_client import FakeServer

pytestmark = pytest.mark.anyio


async def test_first_start_shows_setup_with_the_manuals_labels(token_app):
    """No vault: 初期設定 with サービスID, ユーザID, 利用開始パスワード and 送信."""
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        text = screen_text(pilot)
        for label in ("初期設定", "サービスID", "ユーザID", "利用開始パスワード"):
            assert label in text
        assert str(app.screen.query_one("#submit", Button).label) == "送信"
        assert app.focused is app.screen.query_one("#service_id", Input)
        assert app.screen.query_one("#password", Input).password


async def test_setup_by_keyboard_then_next_shows_the_code(token_app, fake_service, vault_file):
    """Type, Enter, Enter, Enter; 初期設定完了; 次へ; the code. The token is in the vault."""
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await type_setup(pilot, "0001", "taro", "1234")
        assert fake_service.calls == [("0001", "taro", "1234")]
        assert isinstance(app.screen, SetupDoneScreen)
        assert "初期設定完了" in screen_text(pilot)
        assert "茨城テスト信用組合" in screen_text(pilot)
        assert str(app.screen.query_one("#next", Button).label) == "次へ"
        await pilot.press("tab")  # focus 次へ (it is the only focusable widget)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CodeScreen)
    assert [t.user_id for t in vault_file.open().tokens] == ["taro"]


async def test_enter_again_while_sending_sends_nothing(token_app, fake_service, vault_file):
    """Enter twice in the password field: the activation password goes to the service once
    (a second set-up would spend an attempt and race the first)."""
    set_up = HeldCall(fake_service.set_up)
    fake_service.set_up = set_up
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        put(pilot, service_id="0001", user_id="taro", password="1234")
        await pilot.press("enter")
        await set_up.gate.wait_entered()
        held = list(app.workers)
        await pilot.press("enter")
        await settle_but(pilot, held)
        assert isinstance(app.screen, SetupScreen)  # nothing came back yet
        assert text_of(pilot, "#message") == "送信中…"
        set_up.gate.open()
        await settle(pilot)
        assert isinstance(app.screen, SetupDoneScreen)
    assert set_up.calls == 1
    assert [t.user_id for t in vault_file.open().tokens] == ["taro"]


async def test_tab_and_the_send_button_work_too(token_app, fake_service):
    """Tab between fields and press 送信 with Enter: the same as Enter in the last field."""
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"0001", "tab", *"taro", "tab", *"1234", "tab")
        assert app.focused is app.screen.query_one("#submit", Button)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SetupDoneScreen)


async def test_full_width_digits_are_accepted(token_app, fake_service):
    """A Japanese IME's １２３４ is sent as 1234."""
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.query_one("#service_id", Input).value = "０００１"
        app.screen.query_one("#user_id", Input).value = "taro"
        app.screen.query_one("#password", Input).value = "１２３４"
        app.screen.query_one("#submit", Button).press()
        await settle(pilot)
    assert fake_service.calls == [("0001", "taro", "1234")]


MISTAKES = [
    (("", "taro", "1234"), "サービスIDを入力してください。"),
    (("0001", "", "1234"), "ユーザIDを入力してください。"),
    (("0001", "taro", ""), "利用開始パスワードを入力してください。"),
    (("0001", "ta ro", "1234"), "ユーザIDの形式が正しくありません。"),
    (("0001", "taro", "12"), "利用開始パスワードは4～16桁の数字です。"),
    (("0001", "taro", "12ab"), "利用開始パスワードは4～16桁の数字です。"),
]

FAILURES = [
    (errors.WrongActivationPassword(3), "利用開始パスワードが正しくありません（残り 3 回）。"),
    (errors.WrongActivationPassword(0), "トークン発行が無効になりました"),
    (errors.SetupEmbargoed(datetime(2026, 11, 26, 23, 10, tzinfo=UTC)),
     "初期設定は 8:10 以降に可能です"),
    (errors.IssuanceExpired("x"), "トークンを再発行してください"),
    (errors.NoIssuance("x"), "初期設定を待っているトークン発行がありません"),
    (errors.ServiceUnreachable("x"), "サービスに接続できません"),
    (errors.ProtocolFailure("x"), "何も保存していません"),
    (errors.SetupInterrupted("x"), "もう一度「送信」"),
    (errors.InvalidInput("x"), "形式が正しくありません"),
]


async def test_obvious_mistakes_are_caught_before_sending(token_app, fake_service):
    """Nothing is sent (no attempt is used) for an empty field or a malformed value."""
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for fields, message in MISTAKES:  # one app for all cases: a start costs ~0.5 s
            await fill_setup(pilot, *fields)
            assert text_of(pilot, "#message") == message, fields
            assert app.screen.query_one("#message").has_class("error")
    assert fake_service.calls == []


async def test_each_failure_has_its_message_and_nothing_is_stored(
        token_app, fake_service, vault_file):
    """The message says what happened; the password field is cleared; no vault appears."""
    fake_service.outcomes.extend(error for error, _ in FAILURES)
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for error, message in FAILURES:
            await fill_setup(pilot, "0001", "taro", "1234")
            assert isinstance(app.screen, SetupScreen)
            assert message in text_of(pilot, "#message"), error
            assert app.screen.query_one("#password", Input).value == ""
            assert not app.screen.query_one("#submit", Button).disabled
    assert len(fake_service.calls) == len(FAILURES)
    assert not vault_file.exists()


async def test_fake_server_over_http_stores_nothing(token_app, clock, vault_file):
    """The real client against a server that does not know the password: refused, no vault."""
    client = ServiceClient("https://otp.bank.example.jp", TEST_KDF, clock,
                           http=httpx.Client(transport=httpx.MockTransport(FakeServer())))
    app = token_app(client)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await fill_setup(pilot, "0001", "taro", "1234")
        assert "正規のサービスでない可能性" in text_of(pilot, "#message")
    assert not vault_file.exists()


async def test_second_institution_from_the_code_screen(token_app, fake_service, vault_file):
    """n on the code screen opens 初期設定; after 次へ the new code shows, the list has two."""
    vault_file.create().put(make_token("0001", "taro"))
    fake_service.outcomes.append(make_token("0002", "hanako", "山梨テスト銀行"))
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CodeScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        await fill_setup(pilot, "0002", "hanako", "5678")
        app.screen.query_one("#next", Button).press()
        await pilot.pause()
        assert isinstance(app.screen, CodeScreen)
        assert app.screen.token.service_id == "0002"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TokenListScreen)


async def test_escape_leaves_setup_opened_from_the_code(token_app, vault_file):
    """Escape goes back to the code; on a first start there is nowhere to go back to."""
    vault_file.create().put(make_token())
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CodeScreen)


async def test_escape_on_first_start_stays(token_app):
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)


async def test_f2_opens_settings_from_setup(token_app):
    """Settings (e.g. 言語) are reachable before the first token, with F2."""
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
