"""アプリロック at start: the code opens the app; wrong codes wait, warn and finally wipe."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Button

from onetime.app.screens.broken import BrokenVaultScreen
from onetime.app.screens.code import CodeScreen
from onetime.app.screens.setup import SetupScreen
from onetime.app.screens.unlock import UnlockScreen
from tests.app.conftest import make_token
from tests.app.gate import HeldCall
from tests.app.pilot import fill, screen_text, settle, settle_but, text_of

pytestmark = pytest.mark.anyio


@pytest.fixture
def locked(vault_file):
    vault = vault_file.create()
    vault.put(make_token())
    vault.enable_lock("2580", "2580")
    return vault_file


async def test_right_code_opens_the_code_screen(token_app, locked):
    """Typed key by key, Enter: the code."""
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        assert "アプリロックコードを入力してください。" in screen_text(pilot)
        await pilot.press(*"2580", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, CodeScreen)


async def test_enter_again_while_checking_tries_nothing(token_app, locked):
    """Enter twice (the key derivation takes a moment): one unlock with the code typed, not
    a second one with the emptied field, counted as a wrong code."""
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        unlock = HeldCall(app.vault_file.unlock)
        app.vault_file.unlock = unlock
        await pilot.press(*"2580", "enter")
        await unlock.gate.wait_entered()
        held = list(app.workers)
        await pilot.press("enter")
        await settle_but(pilot, held)
        assert text_of(pilot, "#message") == "確認中…"
        unlock.gate.open()
        await settle(pilot)
        assert isinstance(app.screen, CodeScreen)
    assert unlock.calls == 1
    assert locked.info().lock.failures == 0


async def test_escape_does_not_get_past_the_lock(token_app, locked):
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape", "s", "l")
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)


async def test_wrong_code_then_delays_then_warning(token_app, locked, clock):
    """Wrong: said. From the 3rd a time to wait. With 3 left a warning about every bank."""
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await fill(pilot, code="0000")
        assert text_of(pilot, "#message") == "アプリロックコードが正しくありません。"
        await fill(pilot, code="0000")
        await fill(pilot, code="0000")
        assert "10:00:30 以降に再度入力してください。" in text_of(pilot, "#message")
        await fill(pilot, code="2580")  # the right code, too early
        assert text_of(pilot, "#message").startswith("10:00:30 以降")
        assert isinstance(app.screen, UnlockScreen)
        for _ in range(4):
            clock.set(locked.info().lock.retry_at)
            await fill(pilot, code="0000")
        assert "あと 3 回間違えると、すべての金融機関のトークンが削除されます。" in \
            text_of(pilot, "#message")
        clock.set(locked.info().lock.retry_at)
        await fill(pilot, code="2580")
        assert isinstance(app.screen, CodeScreen)


async def test_tenth_wrong_code_wipes_and_says_so(token_app, locked, clock):
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for _ in range(10):
            status = locked.info().lock
            if status.retry_at:
                clock.set(status.retry_at)
            await fill(pilot, code="0000")
        assert isinstance(app.screen, SetupScreen)
        assert "すべての金融機関のトークンを削除しました" in text_of(pilot, "#message")
    assert not locked.exists()


async def test_the_wait_shows_on_a_restart(token_app, locked, clock):
    """Three wrong codes, quit, start again: the unlock screen says how long to wait."""
    for _ in range(3):
        try:
            locked.unlock("0000")
        except Exception:  # noqa: S112 - the wrong code's error is the point; it is checked below
            continue
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "10:00:30 以降に再度入力してください。" in text_of(pilot, "#message")


async def test_a_rewound_count_is_reported_after_unlock(token_app, locked, clock):
    for _ in range(2):
        try:
            locked.unlock("0000")
        except Exception:  # noqa: S112
            continue
    document = json.loads(locked.path.read_text())
    document["lockout"]["failures"] = 0
    locked.path.write_text(json.dumps(document))
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await fill(pilot, code="2580")
        assert isinstance(app.screen, CodeScreen)
        assert "書き換えられていました" in app.last_notice


async def test_a_damaged_vault_offers_a_fresh_start(token_app, vault_file):
    """An edited vault: the broken screen; すべて削除 leads to 初期設定."""
    vault_file.create().put(make_token())
    document = json.loads(vault_file.path.read_text())
    document["header"]["language"] = "en"
    vault_file.path.write_text(json.dumps(document))
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, BrokenVaultScreen)
        assert app.focused is app.screen.query_one("#quit", Button)
        await pilot.press("tab", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
    assert not vault_file.exists()


async def test_a_damaged_vault_quit_keeps_the_file(token_app, vault_file):
    vault_file.create().put(make_token())
    vault_file.key_path.unlink()
    app = token_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
    assert vault_file.exists()
