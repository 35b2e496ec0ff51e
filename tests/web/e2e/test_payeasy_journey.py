"""ペイジー in real Chromium, in Japanese and in English, and トークン管理 reached through the
step-up (issue 12 points 5-7). Their own contract, seeded on the served database, so the
other journeys' users and clock steps are not theirs."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from onetime.banking.domain.people import Role
from onetime.banking.otp.local import local_site
from onetime.banking.service.demo import seed_demo
from onetime.crypto import TEST_KDF, FileKeyProvider, KeyRing
from onetime.domain.clock import FileClock
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.storage.database import Database
from tests.web.e2e.conftest import SERVICE_ID
from tests.web.e2e.test_manual_journey import heading, issue_and_confirm, log_in, wrong_code

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site-e2e")]

JA = ("pe-master", "Payeasy-pass1", "Payeasy-conf1")
EN = ("pe-admin", "Payeasy-pass2", "Payeasy-conf2")
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(scope="module")
def payers(served):
    """A contract with OTP enabled for these journeys, written beside the running server."""
    base = served.clock_file.parent
    ctx = Context(db=Database(f"sqlite:///{base / 'onetime.db'}"),
                  keyring=KeyRing(FileKeyProvider.open(base / "keys.json")),
                  clock=FileClock(str(served.clock_file)), setup_kdf=TEST_KDF)
    try:
        services = Services.from_context(ctx)
        seed_demo(local_site(services, kdf_profile="test"),
                  services.institutions.get(SERVICE_ID), contract_number="7000007",
                  name="ペイジー商事株式会社", staff=None, otp_enabled=True,
                  users=[(JA[0], "納付 一郎", Role.MASTER, JA[1], JA[2]),
                         (EN[0], "Nofu Hanako", Role.ADMIN, EN[1], EN[2])])
    finally:
        ctx.db.dispose()
    return {}


def ready(page: Page, served, payers, who: tuple[str, str, str], email: str):
    """Logged in with an active token (issued once for the module)."""
    log_in(page, who[0], who[1])
    if who[0] not in payers:
        _mail, payers[who[0]] = issue_and_confirm(page, served, who[0], email, "2468")
        served.advance(60)  # 認証確認 used this step's code
    heading(page, "トップページ")
    return payers[who[0]]


def test_paying_a_city_tax_in_japanese(served, new_page, shoot, payers):
    page = new_page()
    token = ready(page, served, payers, JA, "pe-master@example.jp")
    page.get_by_role("link", name="税金・各種料金の払込み").click()
    heading(page, "税金・各種料金の払込み（ペイジー）")
    page.get_by_label("収納機関番号").fill("99999")
    page.get_by_role("button", name="次へ").click()
    expect(page.locator("#error")).to_have_text("入力された収納機関番号の収納機関はありません。")
    page.get_by_label("収納機関番号").fill("１１１１１")  # full-width, as typed
    page.get_by_role("button", name="次へ").click()
    expect(page.locator("#biller-name")).to_have_text("水戸市 市県民税")
    page.get_by_label("納付番号").fill("1000 0000 0000 0003")
    page.get_by_label("確認番号").fill("000000")
    page.get_by_label("納付区分").fill("102")
    page.get_by_role("button", name="次へ").click()
    expect(page.locator("#error")).to_contain_text("入力された番号に該当する払込みはありません")
    page.get_by_label("確認番号").fill("123456")
    page.get_by_role("button", name="次へ").click()
    heading(page, "払込内容確認")
    expect(page.locator("#biller-name")).to_have_text("水戸市 市県民税")
    expect(page.locator("#amount")).to_have_text("52,000円")
    page.get_by_label("確認用パスワード").fill(JA[2])
    page.get_by_label("ワンタイムパスワード").fill(wrong_code(served.code(token)))
    page.get_by_role("button", name="実行").click()
    expect(page.locator("#error")).to_contain_text("ワンタイムパスワードが正しくありません")
    heading(page, "払込内容確認")  # nothing booked; the same payment waits
    page.get_by_label("確認用パスワード").fill(JA[2])
    page.get_by_label("ワンタイムパスワード").fill(served.code(token))
    shoot(page, "20-payeasy-confirm")
    page.get_by_role("button", name="実行").click()
    heading(page, "払込完了")
    expect(page.locator("#receipt-number")).to_have_text(
        f"{served.now().astimezone(TOKYO):%Y%m%d}" + "00000003")
    expect(page.locator("#balance-after")).to_have_text("4,948,000円")
    shoot(page, "21-payeasy-result")
    served.advance(60)  # the next step-up of this user takes a fresh code


def test_paying_a_card_bill_in_english(served, new_page, payers):
    page = new_page(locale="en-US")
    token = ready(page, served, payers, EN, "pe-admin@example.jp")
    page.locator("#lang-switch").click()
    page.get_by_role("link", name="Taxes and fees").click()
    heading(page, "Tax and fee payment (Pay-easy)")
    page.get_by_label("Biller number").fill("123")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#error")).to_have_text("The biller number is 5 digits.")
    page.get_by_label("Biller number").fill("33333")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#biller-name")).to_have_text("デモカード株式会社")
    page.get_by_label("Customer number").fill("300000000002")
    page.get_by_label("Confirmation number").fill("3456")
    page.get_by_role("button", name="Next").click()
    heading(page, "Confirm the payment")
    expect(page.locator("#amount")).to_contain_text("54,321")
    page.get_by_label("Confirmation password").fill(EN[2])
    page.get_by_label("One-time password").fill(served.code(token))
    page.get_by_role("button", name="Execute").click()
    heading(page, "Payment complete")
    expect(page.locator("#receipt-number")).to_contain_text("00000008")
    served.advance(60)


def test_token_management_through_the_step_up(served, new_page, shoot, payers):
    page = new_page()
    token = ready(page, served, payers, JA, "pe-master@example.jp")
    page.get_by_role("link", name="管理").click()
    heading(page, "業務選択")
    page.get_by_role("link", name="トークン管理").click()
    heading(page, "トークン管理")
    expect(page.locator("#token-states")).to_have_count(0)  # not before the step-up
    page.get_by_label("確認用パスワード").fill(JA[2])
    page.get_by_label("ワンタイムパスワード").fill(served.code(token))
    page.get_by_role("button", name="次へ").click()
    heading(page, "トークン管理")
    expect(page.locator("#token-states")).to_contain_text("pe-master")
    expect(page.locator("#token-states")).to_contain_text("利用中")
    shoot(page, "22-token-management")
    page.get_by_role("link", name="トークンの失効").click()
    heading(page, "トークン失効")
    served.advance(60)
