"""取引確認 end to end: `onetime serve` on 127.0.0.1 (a subprocess, SQLite), the site's
calls over HTTP with the API key, the Textual app over HTTP with its token — 承認 in the
UI, then booking; the offline code from the app's OCRA screen accepted by the service."""

from __future__ import annotations

import subprocess
import time

import httpx
import pytest
from textual.widgets import Digits

from onetime.app.client import ServiceClient
from onetime.app.screens.confirmations import ConfirmationScreen
from onetime.app.screens.ocra import OcraScreen
from onetime.app.vault import VaultFile
from onetime.crypto import TEST_KDF
from onetime.domain.clock import FileClock
from tests.app.pilot import fill, settle, text_of
from tests.app.test_e2e import BASE, BIN, app_env, base_time, server, ui

__all__ = ["app_env", "base_time", "server"]  # module fixtures shared with test_e2e
pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("app_e2e")]

PAYEE = {"bank_code": "0005", "bank_name": "三菱UFJ銀行", "branch_code": "001",
         "branch_name": "本店", "account_type": "current", "account_number": "7654321",
         "account_name": "ﾔﾏﾅｼｼﾖｳｶｲ"}
TRANSFER = {"operation": "transfer", "payee": PAYEE, "amount": 98_000}


@pytest.fixture(scope="module")
def confirming(server):
    """Institution 0001 offers both kinds; the server's 2 s settings cache sees it."""
    subprocess.run([BIN / "onetime", "institution", "set", "0001",
                    "transaction_confirmation=both"], env=server.env, check=True,
                    capture_output=True, timeout=60)
    time.sleep(2.5)
    return server


def _active(server, tmp_path, user_id: str):
    """Issue, set up through the app's client over HTTP, confirm: the vault path."""
    vault = tmp_path / "vault.json"
    assert server.issue("0001", user_id, "2468").status_code == 201
    clock = FileClock(str(server.clock_file))
    client = ServiceClient(server.url, TEST_KDF, clock)
    token = client.set_up("0001", user_id, "2468")
    assert server.confirm("0001", user_id, token.code_at(clock.now()))["result"] \
        == "accepted"
    VaultFile(vault, clock, lock_kdf=TEST_KDF, min_unlock_seconds=0).create().put(token)
    return vault


async def test_approve_in_the_app_then_book(confirming, tmp_path):
    """The site asks; the app shows 三菱UFJ銀行 当座 7654321 98,000円; 承認; the site books."""
    server = confirming
    vault = _active(server, tmp_path, "e2e-kakunin")
    made = server.api("POST", "0001", "e2e-kakunin/confirmations", TRANSFER)
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    app = ui(server, vault)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmationScreen)
        details = text_of(pilot, "#details")
        assert "振込先金融機関: 0005 三菱UFJ銀行" in details
        assert "預金種目・口座番号: 当座 7654321" in details
        assert "振込金額: 98,000円" in details
        await pilot.click("#approve")
        await settle(pilot)
        assert app.last_notice == "承認しました。"
    booked = server.api("POST", "0001", f"e2e-kakunin/confirmations/{request_id}/execution",
                        TRANSFER)
    assert booked.json()["state"] == "executed"
    events = httpx.get(f"{server.url}/api/v1/services/0001/audit",
                       params={"user_id": "e2e-kakunin"},
                       headers={"Authorization": f"Bearer {server.keys['0001']}"}).json()
    names = [e["event"] for e in events["entries"]]
    assert names[-3:] == ["confirmation_created", "confirmation_confirmed",
                          "confirmation_executed"]


async def test_offline_code_accepted(confirming, tmp_path):
    """The app's OCRA screen shows a code for 7654321 that the service accepts once."""
    server = confirming
    vault = _active(server, tmp_path, "e2e-offline")
    server.set_clock(BASE.replace(minute=3))
    app = ui(server, vault)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OcraScreen)
        await fill(pilot, challenge="7654321")
        code = app.screen.query_one("#response", Digits).value.replace(" ", "")
    body = {"challenge": "7654321", "response": code}
    first = server.api("POST", "0001", "e2e-offline/ocra-verifications", body).json()
    again = server.api("POST", "0001", "e2e-offline/ocra-verifications", body).json()
    assert (first["result"], again["result"]) == ("accepted", "rejected")
