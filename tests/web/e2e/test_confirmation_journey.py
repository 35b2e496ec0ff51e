"""取引確認 end to end: a customer enters a transfer in Chromium, passes the step-up and
reaches 取引確認; the token app (Textual, driven by Pilot, over HTTP against the same
server) lists the request with its payee and amount; 承認 → the browser books and the
ledger has it; 否認 → the browser shows the refusal and nothing is booked. In Japanese
and in English. The institution offers `transaction_confirmation=both`."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from playwright.sync_api import Page, expect

from onetime.app.client import ServiceClient
from onetime.app.screens.confirmations import ConfirmationScreen
from onetime.app.ui import make_app
from onetime.app.vault import VaultFile
from onetime.banking.domain.people import Role
from onetime.banking.service.demo import seed_demo
from onetime.crypto import TEST_KDF
from onetime.domain.clock import FileClock
from tests.app.pilot import settle, text_of
from tests.web.e2e.conftest import SERVICE_ID, _chromium_or_skip, start_site
from tests.web.e2e.test_bulk_journey import sign_in_with_a_new_token

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site-e2e")]

CONTRACT = "6000006"  # seed_demo gives it the ordinary account 0000006: 5,000,000 yen
USERS = [("kakunin-ja", "確認 太郎", Role.MASTER, "Kakunin-ja-pass1", "Kakunin-ja-conf1"),
         ("kakunin-en", "Confirm Hanako", Role.ADMIN, "Kakunin-en-pass1", "Kakunin-en-conf1")]
BOOKED = "4,987,215"  # 5,000,000 - 12,345 - the 440 yen fee to another bank


@pytest.fixture(scope="module")
def site_both(tmp_path_factory):
    _chromium_or_skip()

    def seed(site, institution) -> None:
        seed_demo(site, institution, contract_number=CONTRACT, name="確認商事株式会社",
                  users=USERS, staff=None, otp_enabled=True)

    with start_site(tmp_path_factory.mktemp("kakunin-e2e"), seed,
                    transaction_confirmation="both") as served:
        yield served


@pytest.fixture
def page_for(browser, site_both):
    """Pages on this module's server, in the session's Chromium (one Playwright per
    process: a second sync Playwright cannot start beside the first)."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(base_url=site_both.url, locale="ja-JP",
                                       viewport={"width": 1100, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


class TokenApp:
    """The user's token app on the served clock: one vault, one client (its request
    times only go forward), each run a Pilot session in its own thread and loop."""

    def __init__(self, served, token, tmp_path, language: str) -> None:
        self.clock = FileClock(str(served.clock_file))
        self.vault = tmp_path / f"vault-{language}.json"
        VaultFile(self.vault, self.clock, lock_kdf=TEST_KDF, min_unlock_seconds=0) \
            .create(language).put(token)
        self.client = ServiceClient(served.url, TEST_KDF, self.clock)
        self.language = language

    def decide(self, *, approve: bool) -> tuple[str, str]:
        """Open 取引確認, read the request, press 承認 or 否認: (details, notice)."""
        seen: dict[str, object] = {}

        async def drive() -> None:
            app = make_app(self.vault, self.clock, self.client, lock_kdf=TEST_KDF,
                           min_unlock_seconds=0, language=self.language)
            async with app.run_test(size=(90, 32)) as pilot:
                await pilot.pause()
                await pilot.press("c")
                await settle(pilot)
                assert isinstance(app.screen, ConfirmationScreen)
                seen["details"] = text_of(pilot, "#details")
                await pilot.click("#approve" if approve else "#reject")
                # Not settle(): the screen's reload after the decision is an exclusive
                # worker that may flag the finished decision's worker cancelled, and
                # waiting on it then raises. The notice is what the user sees.
                deadline = time.monotonic() + 30
                while not app.last_notice:
                    assert time.monotonic() < deadline, "no decision notice"
                    await pilot.pause(0.05)
                seen["notice"] = app.last_notice

        def run() -> None:
            try:
                asyncio.run(drive())
            except BaseException as exc:  # re-raised in the test's thread
                seen["error"] = exc

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(60)
        assert not thread.is_alive(), "the token app did not finish"
        if "error" in seen:
            raise seen["error"]  # type: ignore[misc]
        return str(seen["details"]), str(seen["notice"])

    def close(self) -> None:
        self.client.close()


def enter_transfer(page: Page, served, token, confirmation_password: str) -> None:
    """振込・振替 to みずほ 東京営業部 普通 1234567, 12,345 yen, through the step-up."""
    page.goto("/transfer")
    page.fill("#bank_code", "0001")
    page.fill("#branch_code", "001")
    page.fill("#account_number", "1234567")
    page.fill("#holder_name", "ﾔﾏﾀﾞ ﾀﾛｳ")
    page.fill("#amount", "12,345")
    page.click("#next")
    page.fill("#confirmation_password", confirmation_password)
    page.fill("#code", served.code(token))
    page.click("#execute")
    page.wait_for_url("**/transfer/token-confirmation")


@pytest.fixture
def ledger(site_both):
    """The ordinary account's balance, read from the ledger the server writes."""
    from onetime.banking.storage.banks import BankRepository
    from onetime.banking.storage.ledger import LedgerRepository
    from onetime.banking.storage.people import PeopleRepository
    from onetime.storage.database import Database

    db = Database(f"sqlite:///{site_both.clock_file.parent / 'onetime.db'}")

    def balance() -> int:
        with db.read() as conn:
            bank = BankRepository().by_service_id(conn, SERVICE_ID)
            contract_id = PeopleRepository().contract_id_by_number(conn, bank.id, CONTRACT)
            [ordinary] = [a for a in LedgerRepository().accounts_of(conn, contract_id)
                          if a.account_number == "0000006"]
            return ordinary.balance

    yield balance
    db.dispose()


def test_approve_then_reject_in_japanese(site_both, page_for, ledger, tmp_path, shoot):
    served = site_both
    page = page_for()
    page.goto("/login")
    token = sign_in_with_a_new_token(page, served, "kakunin-ja", USERS[0][3],
                                     "kakunin-ja@example.jp")
    app = TokenApp(served, token, tmp_path, "ja")
    try:
        # 承認: the app shows the transaction as the bank will book it; the site books it.
        enter_transfer(page, served, token, USERS[0][4])
        expect(page.get_by_role("heading", level=1)).to_have_text("取引確認")
        expect(page.locator("#lead")).to_have_text(
            "トークンアプリで取引内容を確認し、承認してください。")
        expect(page.locator("#confirming-state")).to_have_attribute("data-state", "pending")
        expect(page.locator("#transfer")).to_contain_text("1234567")
        shoot(page, "30-kakunin-waiting", docs="kakunin-waiting.png")
        assert ledger() == 5_000_000
        details, notice = app.decide(approve=True)
        assert "振込先金融機関: 0001 みずほ" in details
        assert "振込先支店: 001 東京営業部" in details
        assert "預金種目・口座番号: 普通 1234567" in details
        assert "受取人名: ヤマダ タロウ" in details  # the app shows the kana full width
        assert "振込金額: 12,345円" in details
        assert notice == "承認しました。"
        # The page refreshes itself: 承認 seen, 実行 books.
        expect(page.locator("#confirming-state")).to_have_attribute("data-state",
                                                                    "confirmed")
        page.click("#execute")
        expect(page.get_by_role("heading", level=1)).to_have_text("振込結果")
        expect(page.locator("#balance-after")).to_have_text(f"{BOOKED}円")
        assert ledger() == 4_987_215

        # 否認: the site shows the refusal; nothing is booked.
        served.advance(60)
        enter_transfer(page, served, token, USERS[0][4])
        details, notice = app.decide(approve=False)
        assert "振込金額: 12,345円" in details
        assert notice == "否認しました。"
        expect(page.locator("#error")).to_have_text(
            "トークンアプリで否認されたため、お取引を中止しました。お取引は行われていません。")
        expect(page.get_by_role("heading", level=1)).to_have_text("振込・振替（都度指定方式）")
        shoot(page, "31-kakunin-rejected", docs="kakunin-rejected.png")
        assert ledger() == 4_987_215
    finally:
        app.close()


def test_reject_then_approve_in_english(site_both, page_for, ledger, tmp_path, shoot):
    served = site_both
    page = page_for()
    page.goto("/login")
    page.click("#lang-switch")
    token = sign_in_with_a_new_token(page, served, "kakunin-en", USERS[1][3],
                                     "kakunin-en@example.jp")
    app = TokenApp(served, token, tmp_path, "en")
    try:
        before = ledger()
        enter_transfer(page, served, token, USERS[1][4])
        expect(page.get_by_role("heading", level=1)).to_have_text("Transaction confirmation")
        expect(page.locator("#lead")).to_have_text(
            "Check the transaction in the token app and approve it.")
        details, notice = app.decide(approve=False)
        assert "Payee bank: 0001 みずほ" in details
        assert "Amount: 12,345 yen" in details
        assert notice == "Rejected."
        expect(page.locator("#error")).to_contain_text("refused in the token app")
        assert ledger() == before

        served.advance(60)
        enter_transfer(page, served, token, USERS[1][4])
        details, notice = app.decide(approve=True)
        assert "1234567" in details
        assert notice == "Approved."
        expect(page.locator("#confirming-state")).to_have_attribute("data-state",
                                                                    "confirmed")
        shoot(page, "32-kakunin-approved-en")
        page.click("#execute")
        expect(page.locator("#done")).to_be_visible()
        assert ledger() == before - 12_345 - 440
    finally:
        app.close()
