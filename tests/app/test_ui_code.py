"""The code screen and the token list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Digits, OptionList

from onetime.app.screens.code import CodeScreen
from onetime.app.screens.settings import SettingsScreen
from onetime.app.screens.tokens import TokenListScreen
from onetime.app.widgets import CountdownBar
from onetime.otp import totp
from tests.app.conftest import RFC_SECRET, make_token
from tests.app.pilot import screen_text, text_of

pytestmark = pytest.mark.anyio


def _code(pilot) -> str:
    return pilot.app.screen.query_one("#code", Digits).value


async def test_code_is_grouped_and_the_time_left_reads_0_58(token_app, vault_file, clock):
    """8 digits as "1234 5678", the seconds left as 0:58, institution and user above."""
    clock.advance(2)
    vault_file.create().put(make_token())
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CodeScreen)
        expected = totp(RFC_SECRET, clock.now().timestamp())
        assert _code(pilot) == f"{expected[:4]} {expected[4:]}"
        assert text_of(pilot, "#left") == "残り時間 0:58"
        assert "茨城テスト信用組合" in screen_text(pilot)
        assert "ユーザID: taro" in screen_text(pilot)
        assert not app.screen.query_one("#bar", CountdownBar).has_class("warning")


async def test_bar_and_time_warn_in_the_last_10_seconds(token_app, vault_file, clock):
    """At 0:10 and below the bar and the time take the warning colour."""
    clock.advance(49)
    vault_file.create().put(make_token())
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert text_of(pilot, "#left") == "残り時間 0:11"
        bar = app.screen.query_one("#bar", CountdownBar)
        assert not bar.has_class("warning")
        clock.advance(1)
        await pilot.pause(0.6)  # the screen refreshes twice a second
        assert text_of(pilot, "#left") == "残り時間 0:10"
        assert bar.has_class("warning")
        assert app.screen.query_one("#left").has_class("warning")


async def test_a_new_code_appears_at_the_step_change(token_app, vault_file, clock):
    """When the minute turns, the next code and 1:00 show within half a second."""
    clock.advance(59)
    vault_file.create().put(make_token())
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        before = _code(pilot)
        clock.advance(1)
        await pilot.pause(0.6)
        after = totp(RFC_SECRET, clock.now().timestamp())
        assert _code(pilot) == f"{after[:4]} {after[4:]}" != before
        assert text_of(pilot, "#left") == "残り時間 1:00"
        assert not app.screen.query_one("#bar", CountdownBar).has_class("warning")


async def test_several_institutions_start_on_the_list(token_app, vault_file, clock):
    """Two tokens: the list, each with institution name and user ID; Enter opens a code."""
    vault = vault_file.create()
    vault.put(make_token("0001", "taro", "茨城テスト信用組合"))
    vault.put(make_token("0002", "hanako", "山梨テスト銀行", secret=b"h" * 20))
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TokenListScreen)
        options = app.screen.query_one("#tokens", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(2)]
        assert prompts == ["茨城テスト信用組合  ユーザID: taro", "山梨テスト銀行  ユーザID: hanako"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CodeScreen)
        assert app.screen.token.user_id == "hanako"
        expected = totp(b"h" * 20, clock.now().timestamp())
        assert _code(pilot) == f"{expected[:4]} {expected[4:]}"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TokenListScreen)


async def test_list_and_settings_from_the_code_screen(token_app, vault_file):
    """l opens the list, s the settings, Escape comes back, q quits."""
    vault_file.create().put(make_token())
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, TokenListScreen)
        await pilot.press("escape", "s")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CodeScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_code_screen_fits_80_by_24(token_app, vault_file):
    """Every widget of the code screen lies inside an 80×24 terminal."""
    vault_file.create().put(make_token())
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for widget in app.screen.query("*"):
            region = widget.region
            assert region.right <= 80, widget
            assert region.bottom <= 24, widget


@pytest.mark.parametrize("offset", [0, timedelta(hours=5).total_seconds()])
async def test_code_follows_the_clock_not_the_wall(token_app, vault_file, clock, offset):
    """The code comes from the injected clock only (snapshots depend on it)."""
    clock.advance(offset)
    vault_file.create().put(make_token())
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        expected = totp(RFC_SECRET, clock.now().timestamp())
        assert _code(pilot).replace(" ", "") == expected


@pytest.mark.parametrize("language", ["ja", "en"])
async def test_every_screen_fits_80_by_24_without_scrolling(token_app, vault_file, language):
    """Setup, done, code, list, settings and each setting: nothing below the 24th row."""
    from onetime.app.screens.delete_token import DeleteTokenScreen
    from onetime.app.screens.language import LanguageScreen
    from onetime.app.screens.lock_code import LockCodeScreen
    from onetime.app.screens.lock_settings import LockSettingsScreen
    from onetime.app.screens.settings import SettingsScreen
    from onetime.app.screens.setup import SetupScreen
    from onetime.app.screens.setup_done import SetupDoneScreen
    from onetime.app.screens.time_check import TimeCheckScreen
    from onetime.app.screens.unlock import UnlockScreen

    vault = vault_file.create(language)
    vault.put(make_token("0001", "taro"))
    vault.put(make_token("0002", "hanako", "山梨テスト銀行"))
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for screen in (SetupScreen(), SetupDoneScreen(make_token()), CodeScreen(make_token()),
                       TokenListScreen(), SettingsScreen(), LockSettingsScreen(),
                       LockCodeScreen(), DeleteTokenScreen(), TimeCheckScreen(),
                       LanguageScreen(), UnlockScreen()):
            app.push_screen(screen)
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen.max_scroll_y == 0, type(screen).__name__
            app.pop_screen()
            await pilot.pause()
