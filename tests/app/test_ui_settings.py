"""設定: アプリロック設定, トークン削除, 時刻確認, 言語 — each from the keyboard."""

from __future__ import annotations

import pytest
from textual.widgets import Button, OptionList

from onetime.app import errors
from onetime.app.screens.code import CodeScreen
from onetime.app.screens.confirm_delete import ConfirmDeleteScreen
from onetime.app.screens.delete_token import DeleteTokenScreen
from onetime.app.screens.language import LanguageScreen
from onetime.app.screens.lock_code import LockCodeScreen
from onetime.app.screens.lock_settings import LockSettingsScreen
from onetime.app.screens.settings import SettingsScreen
from onetime.app.screens.setup import SetupScreen
from onetime.app.screens.time_check import TimeCheckScreen
from tests.app.conftest import make_token
from tests.app.gate import HeldCall
from tests.app.pilot import fill, put, screen_text, settle, settle_but, text_of

pytestmark = pytest.mark.anyio


async def open_setting(pilot, index: int) -> None:
    """From the code screen: s, then the index-th item of 設定 with the arrow keys."""
    await pilot.press("s")
    await pilot.pause()
    assert isinstance(pilot.app.screen, SettingsScreen)
    await pilot.press(*["down"] * index, "enter")
    await pilot.pause()


@pytest.fixture
def one_token(vault_file):
    vault_file.create().put(make_token())
    return vault_file


async def test_settings_menu_lists_the_four_items(token_app, one_token):
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        items = app.screen.query_one("#items", OptionList)
        assert [str(items.get_option_at_index(i).prompt) for i in range(4)] == [
            "アプリロック設定", "トークン削除", "時刻確認", "言語"]


class TestAppLock:
    """アプリロック設定: ON with a lock code entered twice; OFF again."""

    async def test_turn_on_with_the_code_twice_then_off(self, token_app, one_token):
        app = token_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await open_setting(pilot, 0)
            assert isinstance(app.screen, LockSettingsScreen)
            assert text_of(pilot, "#state") == "アプリロック: OFF"
            await pilot.press("up", "enter")  # OFF is highlighted; up to ON
            await pilot.pause()
            assert isinstance(app.screen, LockCodeScreen)
            assert "1～32文字の半角数字[0～9]" in screen_text(pilot)
            assert "他金融機関のトークンも削除" in screen_text(pilot)
            await pilot.press(*"2580", "enter", *"2580", "enter")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, LockSettingsScreen)
            assert text_of(pilot, "#state") == "アプリロック: ON"
            assert app.last_notice == "アプリロックを ON にしました。"
            assert one_token.info().locked
            await pilot.press("down", "enter")
            await pilot.pause()
            assert text_of(pilot, "#state") == "アプリロック: OFF"
        assert not one_token.info().locked
        assert one_token.open().tokens

    async def test_bad_codes_are_refused(self, token_app, one_token):
        """Two different entries, nothing, letters or 33 digits: said, and the lock stays OFF."""
        cases = [("2580", "2581", "2回の入力が一致しません。"),
                 ("", "", "1～32文字の半角数字[0～9]で入力してください。"),
                 ("12ab", "12ab", "1～32文字の半角数字[0～9]で入力してください。"),
                 ("1" * 33, "1" * 33, "1～32文字の半角数字[0～9]で入力してください。")]
        app = token_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.show_lock_code()
            await pilot.pause()
            for code, repeat, message in cases:
                await fill(pilot, code=code, repeat=repeat)
                assert isinstance(app.screen, LockCodeScreen)
                assert text_of(pilot, "#message") == message, code
        assert not one_token.info().locked

    async def test_enter_again_while_saving_saves_once(self, token_app, one_token):
        """Enter twice in the second field: the lock goes ON once and the app goes back
        one screen, not two."""
        app = token_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await open_setting(pilot, 0)
            vault = app.ensure_vault()
            enable = HeldCall(vault.enable_lock)
            vault.enable_lock = enable
            await pilot.press("up", "enter")
            await pilot.pause()
            assert isinstance(app.screen, LockCodeScreen)
            put(pilot, code="2580", repeat="2580")
            await pilot.press("enter")
            await enable.gate.wait_entered()
            held = list(app.workers)
            await pilot.press("enter")
            await settle_but(pilot, held)
            assert isinstance(app.screen, LockCodeScreen)  # nothing came back yet
            assert text_of(pilot, "#message") == "設定中…"
            enable.gate.open()
            await settle(pilot)
            assert isinstance(app.screen, LockSettingsScreen)
            assert app.last_notice == "アプリロックを ON にしました。"
        assert enable.calls == 1
        assert one_token.info().locked

    async def test_lock_can_be_set_before_the_first_token(self, token_app, vault_file):
        """From 初期設定 (F2) the lock can go ON; the vault is created for it."""
        app = token_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("f2", "enter")
            await pilot.pause()
            await pilot.press("up", "enter")
            await pilot.pause()
            await fill(pilot, code="1234", repeat="1234")
        assert vault_file.info().locked


class TestDeleteToken:
    """トークン削除: a warning, Cancel as the default, 削除 to confirm."""

    async def test_cancel_keeps_the_token(self, token_app, one_token):
        app = token_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await open_setting(pilot, 1)
            assert isinstance(app.screen, DeleteTokenScreen)
            assert "トークンの失効" in screen_text(pilot)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDeleteScreen)
            assert "茨城テスト信用組合（ユーザID: taro）のトークンを削除しますか？" in \
                screen_text(pilot)
            assert app.focused is app.screen.query_one("#cancel", Button)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, DeleteTokenScreen)
        assert len(one_token.open().tokens) == 1

    async def test_escape_in_the_dialog_cancels(self, token_app, one_token):
        app = token_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await open_setting(pilot, 1)
            await pilot.press("enter", "escape")
            await pilot.pause()
            assert isinstance(app.screen, DeleteTokenScreen)
        assert len(one_token.open().tokens) == 1

    async def test_delete_the_last_token_returns_to_setup(self, token_app, one_token):
        app = token_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await open_setting(pilot, 1)
            await pilot.press("enter", "tab", "enter")
            await pilot.pause()
            assert isinstance(app.screen, SetupScreen)
            assert app.last_notice == "トークンを削除しました。"
        assert one_token.open().tokens == ()

    async def test_delete_one_of_two(self, token_app, vault_file):
        vault = vault_file.create()
        vault.put(make_token("0001", "taro"))
        vault.put(make_token("0002", "hanako", "山梨テスト銀行"))
        app = token_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("s", "down", "enter")
            await pilot.pause()
            await pilot.press("down", "enter", "tab", "enter")
            await pilot.pause()
            assert isinstance(app.screen, CodeScreen)
        assert [t.user_id for t in vault_file.open().tokens] == ["taro"]


class TestTimeCheck:
    """時刻確認: device against service; a warning beyond 15 s."""

    async def _check(self, token_app, fake_service, offset):
        fake_service.server_offset = offset
        app = token_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await open_setting(pilot, 2)
            assert isinstance(app.screen, TimeCheckScreen)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            return screen_text(pilot), app.screen.query_one("#verdict").has_class("error")

    async def test_right_clock(self, token_app, fake_service, one_token):
        text, warned = await self._check(token_app, fake_service, 3)
        assert "端末の時刻: 10:00:00" in text
        assert "サーバの時刻: 10:00:03" in text
        assert "差: -3.0 秒" in text
        assert "端末の時刻は正確です。" in text
        assert not warned

    async def test_clock_16_seconds_off_warns(self, token_app, fake_service, one_token):
        text, warned = await self._check(token_app, fake_service, -16)
        assert "端末の時刻が 16 秒ずれています" in text
        assert warned

    async def test_unreachable_service(self, token_app, fake_service, one_token, monkeypatch):
        def down():
            raise errors.ServiceUnreachable("down")
        monkeypatch.setattr(fake_service, "server_time", down)
        text, warned = await self._check(token_app, fake_service, 0)
        assert "サービスに接続できません" in text
        assert warned

    async def test_r_checks_again(self, token_app, fake_service, one_token):
        app = token_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await open_setting(pilot, 2)
            await pilot.app.workers.wait_for_complete()
            fake_service.server_offset = 30
            await pilot.press("r")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            assert "30 秒ずれています" in screen_text(pilot)


class TestLanguage:
    """言語: English everywhere at once, and kept for the next start."""

    async def test_switch_to_english_and_back(self, token_app, one_token):
        app = token_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await open_setting(pilot, 3)
            assert isinstance(app.screen, LanguageScreen)
            await pilot.press("down", "enter")
            await pilot.pause()
            assert isinstance(app.screen, CodeScreen)
            assert "One-time password" in screen_text(pilot)
            assert text_of(pilot, "#left").startswith("Time left")
        assert one_token.open().language == "en"
        app = token_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert "User ID: taro" in screen_text(pilot)
            await open_setting(pilot, 3)
            await pilot.press("up", "enter")
            await pilot.pause()
            assert "ユーザID: taro" in screen_text(pilot)
        assert one_token.open().language == "ja"
