"""Issue 12's done-condition as one customer's life, in real Chromium, through one month.

A new contract (not the demo one) is onboarded at the branch console, its master signs in
with the initial password and changes it, adds a general user, both get their tokens
(トークン発行 → the mail → 初期設定 in the app's library → 認証確認), and the month's
payments go through the site: Day 1 a one-off transfer, Day 10 a 総合振込 file after the
cut-off (dated the next business day), Day 25 a 給与振込 file that the general user sends
for approval and the master approves (承認), Day 28 a Pay-easy payment.
Then the books are checked: the contract's balance is its opening balance less every
amount and fee (the fees from the institution's own table), the sum of all balances has
not moved, `onetime audit verify` passes, and every step-up is audited by its operation
with no password or code in any entry.

The journey has its own server (conftest.serve): its clock walks a month forward, which
the other journeys' fixed dates and receipt sequences must not see. The e2e server runs
on SQLite only, as the other journeys do.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from onetime.app.token import StoredToken
from onetime.banking.domain import fees as pricing
from onetime.banking.domain import zengin
from onetime.banking.domain.zengin import DepositType, Header, Kind, Transfer, ZenginFile
from onetime.banking.otp.local import local_site
from onetime.banking.service.demo import seed_demo
from onetime.banking.storage.schema import accounts
from onetime.crypto import TEST_KDF, FileKeyProvider, KeyRing
from onetime.domain.clock import FileClock
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.storage.database import Database
from tests.web.e2e.conftest import BANK, SENDER, SERVICE_ID, Served, serve
from tests.web.e2e.test_manual_journey import heading, issue_and_confirm, log_in

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site-e2e")]

TOKYO = ZoneInfo("Asia/Tokyo")
CONTRACT = "4200042"
MASTER_LOGIN, GENERAL_LOGIN = "month-master", "month-general"
MASTER = ("Month-master1", "Month-conf1")  # login, confirmation: set at first login
GENERAL = ("Month-general1", "Month-conf2")
BANK_CODE, BRANCH_CODE = "2101", "001"  # the site's bank, 本店営業部
ORDINARY, CURRENT = "4200421", "4200422"
OPENING = {ORDINARY: 8_000_000, CURRENT: 1_000_000}
HOLDER = "ｹﾞﾂｼﾞｼﾖｳｼﾞ(ｶ"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TOKYO)


def day(when: datetime) -> str:
    """A value date as the screens write it (format.date, with the day of the week)."""
    return f"{when:%Y年%-m月%-d日}（{'月火水木金土日'[when.weekday()]}）"


@dataclass
class Books:
    """What the month has paid from the ordinary account: (bank, branch, amount) each."""

    paid: list[tuple[str, str, int]] = field(default_factory=list)
    flat: list[int] = field(default_factory=list)  # Pay-easy: the amount, no fee

    def add(self, bank: str, branch: str, amount: int) -> None:
        self.paid.append((bank, branch, amount))


@dataclass
class Month:
    served: Served
    browser: object
    books: Books = field(default_factory=Books)
    tokens: dict[str, StoredToken] = field(default_factory=dict)
    initial: dict[str, str] = field(default_factory=dict)
    branch: Page | None = None
    codes: list[str] = field(default_factory=list)  # every code typed: none may be audited
    contexts: list = field(default_factory=list)

    def page(self) -> Page:
        """A page in a browser context of its own: one per person (their cookie jar)."""
        context = self.browser.new_context(base_url=self.served.url, locale="ja-JP",
                                           viewport={"width": 1100, "height": 900})
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        return context.new_page()

    def code(self, login_id: str) -> str:
        self.served.advance(60)  # each step-up takes a fresh step's code
        self.codes.append(self.served.code(self.tokens[login_id]))
        return self.codes[-1]


def _bank_only(services: Services) -> None:
    """The bank as `make run` has it: its fee table, clearing accounts, billers and the
    branch supervisor branch01 (the demo contract 1000001 is only the payees' bank)."""
    site = local_site(services, kdf_profile="test")
    institution, _key = services.institutions.add(SERVICE_ID, BANK, SENDER)
    seed_demo(site, institution)
    # Payroll files wait for an approver (承認); other operations book at once.
    services.institutions.configure(SERVICE_ID, approval_operations=["payroll_transfer"])


@pytest.fixture(scope="module")
def month(browser, tmp_path_factory) -> Iterator[Month]:
    start = at("2026-11-30T09:30:00")  # a Monday
    with serve(tmp_path_factory.mktemp("month"), start, _bank_only) as served:
        month = Month(served, browser)
        yield month
        for context in month.contexts:
            context.close()


def services_of(served: Served):
    """The service layer on the running server's database (the way the payeasy journey
    seeds its contract): for the final checks."""
    base = served.clock_file.parent
    return Context(db=Database(f"sqlite:///{base / 'onetime.db'}"),
                   keyring=KeyRing(FileKeyProvider.open(base / "keys.json")),
                   clock=FileClock(str(served.clock_file)), setup_kdf=TEST_KDF)


# -- 1. the branch ---------------------------------------------------------------------------

def branch_registers_the_contract(month: Month) -> None:
    """ご契約先登録 by the supervisor; the master's initial password is shown once."""
    page = month.page()
    page.goto("/branch/login")
    page.get_by_label("職員ID").fill("branch01")
    page.get_by_label("パスワード").fill("Branch-pass1")
    page.get_by_role("button", name="ログイン").click()
    heading(page, "ご契約先・利用者検索")
    page.get_by_role("link", name="ご契約先登録").click()
    heading(page, "ご契約先登録")
    page.get_by_label("ご契約先番号").fill(CONTRACT)
    page.get_by_label("ご契約先名").fill("月次商事株式会社")
    page.locator("#master_login").fill(MASTER_LOGIN)
    page.locator("#master_name").fill("月次 太郎")
    page.locator("#add-contract").click()
    heading(page, "ご契約先登録完了")
    month.initial[MASTER_LOGIN] = page.locator("#initial-password").inner_text().strip()
    month.branch = page


def branch_opens_the_accounts(month: Month) -> None:
    """口座開設 on the contract's page: 普通 and 当座, each with its first deposit."""
    page = month.branch
    page.goto("/branch")
    heading(page, "ご契約先・利用者検索")
    page.get_by_label("ご契約先番号・名称、ログインID、利用者名").fill(CONTRACT)
    page.get_by_role("button", name="検索").click()
    page.get_by_role("link", name=CONTRACT).click()
    heading(page, "月次商事株式会社")
    form = page.locator("#open-account")
    for number, kind in ((ORDINARY, "普通"), (CURRENT, "当座")):
        form.get_by_label("支店コード（3桁）").fill(BRANCH_CODE)
        form.get_by_label("科目").select_option(label=kind)
        form.get_by_label("口座番号").fill(number)
        form.get_by_label("口座名義（カナ）").fill(HOLDER)
        form.get_by_label("入金額（円）").fill(f"{OPENING[number]:,}")
        form.get_by_role("button", name="口座開設").click()
        expect(page.get_by_role("status")).to_contain_text(f"口座番号{number}の口座を開設しました")
        expect(page.locator(f"#account-{number}")).to_contain_text(f"{OPENING[number]:,}円")


def branch_enables_otp(month: Month) -> None:
    """認証開始申込, on the same page."""
    page = month.branch
    page.get_by_label("理由").fill("認証開始申込書を受付")
    page.get_by_role("button", name="認証開始申込").click()
    expect(page.locator("#contract-otp")).to_contain_text("認証開始申込済")


# -- 2. the master: first login, 利用者管理 -------------------------------------------------

def change_password(page: Page, initial: str, login: str, confirmation: str) -> None:
    heading(page, "パスワード変更")
    page.get_by_label("現在のログインパスワード").fill(initial)
    page.locator("#new_password").fill(login)
    page.locator("#new_password_again").fill(login)
    page.locator("#new_confirmation").fill(confirmation)
    page.locator("#new_confirmation_again").fill(confirmation)
    page.locator("#change-password").click()


def master_signs_in_and_changes_the_password(month: Month) -> Page:
    page = month.page()
    log_in(page, MASTER_LOGIN, month.initial[MASTER_LOGIN])
    change_password(page, month.initial[MASTER_LOGIN], *MASTER)
    # OTP is enabled: with the password changed, the next screen is トークン発行.
    heading(page, "ワンタイムパスワードトークン発行")
    return page


def master_adds_the_general_user(month: Month, master: Page) -> None:
    """管理 → 利用者管理 → 利用者一覧 → 利用者登録, with rights and limits."""
    master.get_by_role("link", name="管理").click()
    heading(master, "業務選択")
    master.get_by_role("link", name="利用者管理").click()
    heading(master, "作業内容選択")
    master.get_by_role("link", name="利用者一覧").click()
    heading(master, "利用者一覧")
    master.get_by_role("link", name="利用者登録").click()
    heading(master, "利用者登録")
    master.locator("#login_id").fill(GENERAL_LOGIN)
    master.get_by_label("利用者名").fill("月次 花子")
    for right in ("振込・振替（都度指定方式）", "総合振込", "給与・賞与振込",
                  "税金・各種料金の払込み（ペイジー）"):
        master.get_by_label(right).check()
    master.get_by_label("1回あたり限度額（円）").fill("1,000,000")
    master.get_by_label("1日あたり限度額（円）").fill("2,000,000")
    master.get_by_label("確認用パスワード").fill(MASTER[1])
    master.get_by_label("ワンタイムパスワード").fill(month.code(MASTER_LOGIN))
    master.locator("#save-user").click()
    heading(master, "利用者登録完了")
    month.initial[GENERAL_LOGIN] = master.locator("#initial-password").inner_text().strip()
    master.locator("#to-list").click()
    expect(master.locator(f"#user-{GENERAL_LOGIN}")).to_contain_text("月次 花子")


# -- 3. tokens ------------------------------------------------------------------------------

def token_for(month: Month, page: Page, login_id: str, email: str, activation: str) -> None:
    """トークン発行 → the mail in the sink → 初期設定 in the app's library → 認証確認."""
    _mail, month.tokens[login_id] = issue_and_confirm(page, month.served, login_id, email,
                                                      activation)


def general_signs_in(month: Month) -> Page:
    page = month.page()
    log_in(page, GENERAL_LOGIN, month.initial[GENERAL_LOGIN])
    change_password(page, month.initial[GENERAL_LOGIN], *GENERAL)
    token_for(month, page, GENERAL_LOGIN, "general@month.example.jp", "7531")
    return page


# -- 4. the month's payments -----------------------------------------------------------------

def morning(page: Page, login_id: str, password: str) -> None:
    """Days apart, the last session has long ended (idle timeout): sign in again."""
    log_in(page, login_id, password)
    heading(page, "トップページ")


def day_1_one_off_transfer(month: Month, master: Page) -> None:
    month.served.set_time(at("2026-12-01T10:00:00"))  # a Tuesday, before the cut-off
    morning(master, MASTER_LOGIN, MASTER[0])
    master.get_by_role("link", name="振込・振替").click()
    paying = master.get_by_label("支払口座")
    paying.select_option(paying.locator("option", has_text=ORDINARY).get_attribute("value"))
    master.get_by_label("金融機関コード（4桁）").fill("0001")
    master.get_by_label("支店コード（3桁）").fill("001")
    master.get_by_label("口座番号").fill("1234567")
    master.get_by_label("受取人名（カナ）").fill("ﾔﾏﾀﾞ ﾀﾛｳ")
    master.get_by_label("振込金額（円）").fill("120,000")
    master.get_by_role("button", name="次へ").click()
    heading(master, "振込内容確認")
    expect(master.locator("#value-date")).to_have_text(day(at("2026-12-01T10:00:00")))
    master.get_by_label("確認用パスワード").fill(MASTER[1])
    master.get_by_label("ワンタイムパスワード").fill(month.code(MASTER_LOGIN))
    master.get_by_role("button", name="実行").click()
    heading(master, "振込結果")
    month.books.add("0001", "001", 120_000)


def zengin_file(kind: Kind, transfer_date: str, lines: list[tuple[str, str, str, int]]) -> bytes:
    """A file written by the code's own Zengin writer, paid from the ordinary account."""
    head = Header(kind=kind, requester_code=CONTRACT.zfill(10), requester_name=HOLDER,
                  transfer_date=transfer_date, bank_code=BANK_CODE, branch_code=BRANCH_CODE,
                  deposit_type=DepositType.ORDINARY, account_number=ORDINARY)
    return zengin.render(ZenginFile(head, tuple(
        Transfer(bank, branch, DepositType.ORDINARY, number, "ﾄﾘﾋｷｻｷ", amount)
        for bank, branch, number, amount in lines)))


def upload(page: Page, name: str, data: bytes, kind_label: str) -> None:
    page.get_by_role("link", name="総合振込・給与・賞与振込").click()
    heading(page, "総合振込・給与・賞与振込")
    page.set_input_files("#file", files=[{"name": name, "mimeType": "text/plain",
                                          "buffer": data}])
    page.get_by_role("button", name="取込").click()
    heading(page, "振込データ確認")
    expect(page.locator("#kind")).to_have_text(kind_label)


def day_10_bulk_transfer_file(month: Month, master: Page) -> None:
    """総合振込 at 15:30, past the cut-off: dated Friday the 11th, and the screen says the
    file's 取組日 (the 10th) is not the date it is booked for."""
    month.served.set_time(at("2026-12-10T15:30:00"))
    lines = [("0001", "001", "7654321", 250_000),   # another bank, 30 000 and over
             ("0001", "001", "7654322", 25_000),    # another bank, under 30 000
             (BANK_CODE, BRANCH_CODE, "0000001", 80_000)]  # the demo contract, same branch
    morning(master, MASTER_LOGIN, MASTER[0])
    upload(master, "sogo-1210.txt", zengin_file(Kind.BULK, "1210", lines), "総合振込")
    expect(master.locator("#count")).to_have_text("3件")
    expect(master.locator("#value-date")).to_have_text(day(at("2026-12-11T10:00:00")))
    expect(master.locator("#date-differs")).to_be_visible()
    master.get_by_label("確認用パスワード").fill(MASTER[1])
    master.get_by_label("ワンタイムパスワード").fill(month.code(MASTER_LOGIN))
    master.locator("#execute").click()
    heading(master, "振込データ受付結果")
    expect(master.locator("#value-date")).to_have_text(day(at("2026-12-11T10:00:00")))
    for bank, branch, _number, amount in lines:
        month.books.add(bank, branch, amount)


def approve_payroll(month: Month, approver: Page) -> None:
    """承認 of the general user's 給与振込 by the master (an approver): the bank asks for
    approval of payroll files (approval_operations), so the file is booked here, not when
    its maker sent it."""
    morning(approver, MASTER_LOGIN, MASTER[0])
    approver.get_by_role("link", name="承認", exact=True).click()
    heading(approver, "承認待ち一覧")
    rows = approver.locator("#pending tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("a").click()
    expect(approver.locator("#state")).to_have_text("承認待ち")
    expect(approver.locator("#amount")).to_contain_text("630,000")
    approver.fill("#confirmation_password", MASTER[1])
    approver.fill("#code", month.code(MASTER_LOGIN))
    approver.click("#approve")
    expect(approver.locator("[role=status]")).to_have_text("承認しました。お取引を実行しました。")
    expect(approver.locator("#state")).to_have_text("承認済")


def day_25_payroll_file(month: Month, general: Page, master: Page) -> None:
    month.served.set_time(at("2026-12-25T10:00:00"))  # a Friday, before the cut-off
    lines = [("0001", "001", "1000001", 210_000), ("0001", "001", "1000002", 190_000),
             (BANK_CODE, BRANCH_CODE, "0000001", 230_000)]
    morning(general, GENERAL_LOGIN, GENERAL[0])
    upload(general, "kyuyo-1225.txt", zengin_file(Kind.PAYROLL, "1225", lines), "給与振込")
    expect(general.locator("#total")).to_have_text("630,000円")
    expect(general.locator("#value-date")).to_have_text(day(at("2026-12-25T10:00:00")))
    # Under approval the maker types no password or code: 承認依頼 books nothing.
    expect(general.get_by_label("ワンタイムパスワード")).to_have_count(0)
    expect(general.locator("#execute")).to_have_text("承認依頼")
    general.locator("#execute").click()
    expect(general.locator("[role=status]")).to_have_text(
        "承認依頼を受け付けました。承認者の承認をお待ちください。")
    expect(general.locator("#state")).to_have_text("承認待ち")
    approve_payroll(month, master)
    for bank, branch, _number, amount in lines:
        month.books.add(bank, branch, amount)


def day_28_payeasy(month: Month, master: Page) -> None:
    """ペイジー: 水戸市 市県民税 (a demo biller), 納付番号 + 確認番号 + 納付区分."""
    month.served.set_time(at("2026-12-28T11:00:00"))
    morning(master, MASTER_LOGIN, MASTER[0])
    master.get_by_role("link", name="税金・各種料金の払込み").click()
    heading(master, "税金・各種料金の払込み（ペイジー）")
    master.get_by_label("収納機関番号").fill("11111")
    master.get_by_role("button", name="次へ").click()
    expect(master.locator("#biller-name")).to_have_text("水戸市 市県民税")
    master.get_by_label("納付番号").fill("1000 0000 0000 0001")
    master.get_by_label("確認番号").fill("123456")
    master.get_by_label("納付区分").fill("101")
    master.get_by_role("button", name="次へ").click()
    heading(master, "払込内容確認")
    expect(master.locator("#amount")).to_have_text("45,000円")
    master.get_by_label("確認用パスワード").fill(MASTER[1])
    master.get_by_label("ワンタイムパスワード").fill(month.code(MASTER_LOGIN))
    master.get_by_role("button", name="実行").click()
    heading(master, "払込完了")
    expect(master.locator("#receipt-number")).to_have_text(re.compile(r"^20261228\d{8}$"))
    month.books.flat.append(45_000)


# -- 5. the books ----------------------------------------------------------------------------

def balances(month: Month) -> tuple[dict[str, int], int, list[pricing.FeeBand]]:
    """(this contract's balances by account number, the sum of all balances, fee table)."""
    ctx = services_of(month.served)
    try:
        site = local_site(Services.from_context(ctx), kdf_profile="test")
        institution = site.institutions.get(SERVICE_ID)
        ledger = site.transfers.ledger
        with ctx.db.read() as conn:
            contract_id = site.users.repo.contract_id_by_number(conn, institution.id,
                                                                CONTRACT)
            ours = {a.account_number: a.balance for a in ledger.accounts_of(conn, contract_id)}
            total = conn.execute(select(func.sum(accounts.c.balance))).scalar_one()
            bands = ledger.fee_bands(conn, institution.id)
        return ours, total, bands
    finally:
        ctx.db.dispose()


def the_books_balance(month: Month, master: Page, total_before: int) -> None:
    ours, total_after, bands = balances(month)
    table = pricing.FeeTable(bands)
    fees = sum(table.fee(pricing.scope(BANK_CODE, BRANCH_CODE, bank, branch), amount)
               for bank, branch, amount in month.books.paid)
    paid = sum(amount for _b, _br, amount in month.books.paid) + sum(month.books.flat)
    assert fees > 0  # the month paid other banks: the fee table was used
    assert ours == {ORDINARY: OPENING[ORDINARY] - paid - fees, CURRENT: OPENING[CURRENT]}
    assert total_after == total_before  # money moved, none made or lost
    master.get_by_role("link", name="トップページ").first.click()
    expect(master.locator(f'[data-account="{ORDINARY}"]')).to_have_text(
        f"{OPENING[ORDINARY] - paid - fees:,}円")


def the_audit_holds(month: Month) -> None:
    """`onetime audit verify` (it seals what is pending first) on the server's files,
    then every step-up by its operation and no secret anywhere in the detail."""
    base = month.served.clock_file.parent
    env = {**os.environ, "ONETIME_DATABASE_URL": f"sqlite:///{base / 'onetime.db'}",
           "ONETIME_KEY_FILE": str(base / "keys.json"), "ONETIME_VAR": str(base),
           "ONETIME_AUDIT_ANCHOR": str(base / "audit-anchor.json")}
    run = subprocess.run([sys.executable, "-m", "onetime.cli", "audit", "verify"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert " 0 problems" in run.stdout
    entries = audit_entries(month)
    verified = [(e["user_id"], e["operation"]) for e in entries
                if e["event"] == "code_verified" and e["result"] == "accepted"]
    for expected in [(MASTER_LOGIN, "user_management"), (MASTER_LOGIN, "transfer"),
                     (MASTER_LOGIN, "bulk_transfer"),
                     # The payroll file's code is its approver's (承認), not its maker's.
                     (MASTER_LOGIN, "approval"), (MASTER_LOGIN, "payeasy")]:
        assert expected in verified, (expected, verified)
    secrets = [*MASTER, *GENERAL, *month.initial.values(), "7531", "4826", *month.codes]
    assert len(month.codes) == 5  # 利用者登録, three payments and the payroll's 承認
    for entry in entries:
        detail = entry["detail"]
        text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
        for secret in secrets:
            assert secret not in (text or ""), entry


def audit_entries(month: Month) -> list[dict]:
    from onetime.storage.schema import audit_log
    ctx = services_of(month.served)
    try:
        with ctx.db.read() as conn:
            return [dict(row._mapping) for row in conn.execute(audit_log.select())]
    finally:
        ctx.db.dispose()


def test_a_month_of_a_business_customer(month):
    branch_registers_the_contract(month)
    branch_opens_the_accounts(month)
    branch_enables_otp(month)
    master = master_signs_in_and_changes_the_password(month)
    token_for(month, master, MASTER_LOGIN, "master@month.example.jp", "4826")
    master_adds_the_general_user(month, master)
    general = general_signs_in(month)
    _ours, total_before, _bands = balances(month)

    day_1_one_off_transfer(month, master)
    day_10_bulk_transfer_file(month, master)
    day_25_payroll_file(month, general, master)
    day_28_payeasy(month, master)

    the_books_balance(month, master, total_before)
    the_audit_holds(month)
