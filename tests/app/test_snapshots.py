"""SVG snapshots of the main screens at 80×24, with the clock fixed so the code is too.

Update after a deliberate change with `pytest tests/app/test_snapshots.py --snapshot-update`
and look at the diff (the report opens in a browser) before committing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from onetime.app import errors
from tests.app.conftest import make_token
from tests.app.pilot import fill_setup, settle

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def two_seconds_in(clock):
    clock.advance(2)  # 10:00:02 JST: the manual's 0:58


@pytest.fixture
def one_token(vault_file):
    vault_file.create().put(make_token())
    return vault_file


@pytest.fixture
def two_tokens(vault_file):
    vault = vault_file.create()
    vault.put(make_token("0001", "taro", "茨城テスト信用組合"))
    vault.put(make_token("0002", "hanako", "山梨テスト銀行", secret=b"h" * 20))
    return vault_file


class TestSetup:
    def test_setup_screen(self, snap_compare, token_app):
        """初期設定 on a first start: サービスID, ユーザID, 利用開始パスワード, 送信."""
        assert snap_compare(token_app(), terminal_size=SIZE)

    def test_setup_embargoed(self, snap_compare, token_app, fake_service):
        """During the embargo: 「初期設定は 8:10 以降に可能です」."""
        fake_service.outcomes.append(
            errors.SetupEmbargoed(datetime(2026, 11, 26, 23, 10, tzinfo=UTC)))

        async def run_before(pilot):
            await fill_setup(pilot, "0001", "taro", "1234")
        assert snap_compare(token_app(), terminal_size=SIZE, run_before=run_before)

    def test_setup_wrong_password(self, snap_compare, token_app, fake_service):
        """A wrong activation password, with the attempts left."""
        fake_service.outcomes.append(errors.WrongActivationPassword(4))

        async def run_before(pilot):
            await fill_setup(pilot, "0001", "taro", "9999")
        assert snap_compare(token_app(), terminal_size=SIZE, run_before=run_before)

    def test_setup_done(self, snap_compare, token_app):
        """初期設定完了, with 次へ and the note that confirmation is still to come."""
        async def run_before(pilot):
            await fill_setup(pilot, "0001", "taro", "1234")
        assert snap_compare(token_app(), terminal_size=SIZE, run_before=run_before)


class TestCode:
    def test_code_screen(self, snap_compare, token_app, one_token):
        """The code in two groups, 0:58, and a long bar."""
        assert snap_compare(token_app(), terminal_size=SIZE)

    def test_code_screen_last_seconds(self, snap_compare, token_app, one_token, clock):
        """0:07: the time and the bar in the warning colour."""
        clock.advance(51)
        assert snap_compare(token_app(), terminal_size=SIZE)

    def test_code_screen_english(self, snap_compare, token_app, one_token):
        assert snap_compare(token_app(language="en"), terminal_size=SIZE)

    def test_token_list(self, snap_compare, token_app, two_tokens):
        """Two institutions, each with its name and user ID."""
        assert snap_compare(token_app(), terminal_size=SIZE)


class TestSettings:
    def test_settings_menu(self, snap_compare, token_app, one_token):
        assert snap_compare(token_app(), terminal_size=SIZE, press=["s"])

    def test_lock_code_screen(self, snap_compare, token_app, one_token):
        """アプリロックコード設定: twice, the rule, the warning about every bank."""
        assert snap_compare(token_app(), terminal_size=SIZE,
                            press=["s", "enter", "up", "enter"])

    def test_delete_confirmation(self, snap_compare, token_app, one_token):
        assert snap_compare(token_app(), terminal_size=SIZE,
                            press=["s", "down", "enter", "enter"])

    def test_time_check_warning(self, snap_compare, token_app, one_token, fake_service):
        """時刻確認 with the device 20 s behind the service."""
        fake_service.server_offset = 20

        async def run_before(pilot):
            await pilot.press("s", "down", "down", "enter")
            await settle(pilot)
        assert snap_compare(token_app(), terminal_size=SIZE, run_before=run_before)


class TestLock:
    def test_unlock_with_warning(self, snap_compare, token_app, one_token, clock):
        """Seven wrong codes: a wait, and the warning that three more delete every token."""
        one_token.open().enable_lock("2580", "2580")
        for _ in range(7):
            retry = one_token.info().lock.retry_at
            if retry:
                clock.set(retry)
            with pytest.raises(errors.WrongLockCode):
                one_token.unlock("0000")
        assert snap_compare(token_app(), terminal_size=SIZE)
