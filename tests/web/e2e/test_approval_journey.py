"""承認 in Chromium: under the institution's approval policy a general user's 給与振込 file
becomes a request (承認待ち); a master approver approves it with the confirmation password
and a code, and it is booked then; or sends it back with a reason the requester sees —
in Japanese and in English."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from onetime.banking.domain import zengin
from onetime.banking.domain.people import Role
from onetime.banking.domain.zengin import DepositType, Header, Kind, Transfer, ZenginFile
from onetime.banking.otp.local import local_site
from onetime.banking.service.demo import seed_demo
from onetime.crypto import TEST_KDF, FileKeyProvider, KeyRing
from onetime.domain.clock import FileClock
from onetime.service.context import Context
from onetime.service.institutions import CACHE_SECONDS
from onetime.service.services import Services
from onetime.storage.database import Database
from tests.web.e2e.conftest import SERVICE_ID
from tests.web.e2e.test_bulk_journey import attach, sign_in_with_a_new_token

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site-e2e")]

# One contract per journey, numbers no other journey seeds (seed_demo keeps an existing
# contract as it is); its ordinary account is the number's last digits, 000000N.
CONTRACTS = {
    "ja": ("6000006", [("appr-ja-m1", "承認 太郎", Role.MASTER, "Appr-ja-pass1", "Appr-ja-conf1"),
                       ("appr-ja-g1", "依頼 次郎", Role.GENERAL, "Req-ja-pass1", "Req-ja-conf1")]),
    "en": ("3000003", [("appr-en-m1", "Approver Ann", Role.MASTER, "Appr-en-pass1",
                        "Appr-en-conf1"),
                       ("appr-en-g1", "Requester Ray", Role.GENERAL, "Req-en-pass1",
                        "Req-en-conf1")]),
    "back": ("8000008", [("back-en-m1", "Checker Cho", Role.MASTER, "Back-en-pass1",
                          "Back-en-conf1"),
                         ("back-en-g1", "Maker Mia", Role.GENERAL, "Maker-en-pass1",
                          "Maker-en-conf1")]),
}
AMOUNTS = [210_000, 190_000]  # to another bank: 660 yen each
DEBIT = sum(AMOUNTS) + 2 * 660


def _context(served) -> Context:
    base = served.clock_file.parent  # where the served fixture keeps its files
    return Context(db=Database(f"sqlite:///{base / 'onetime.db'}"),
                   keyring=KeyRing(FileKeyProvider.open(base / "keys.json")),
                   clock=FileClock(str(served.clock_file)), setup_kdf=TEST_KDF)


def _policy(served, operations: list[str]) -> None:
    """`onetime institution set 0000 approval_operations=…`, seen by the server once its
    settings cache (CACHE_SECONDS) has run out."""
    ctx = _context(served)
    try:
        Services.from_context(ctx).institutions.configure(SERVICE_ID,
                                                          approval_operations=operations)
    finally:
        ctx.db.dispose()
    time.sleep(CACHE_SECONDS + 0.2)


@pytest.fixture(scope="module")
def approvals_on(served):
    ctx = _context(served)
    try:
        services = Services.from_context(ctx)
        site = local_site(services, kdf_profile="test")
        institution = services.institutions.get(SERVICE_ID, fresh=True)
        for number, users in CONTRACTS.values():
            seed_demo(site, institution, contract_number=number, name="承認工業株式会社",
                      users=users, staff=None, otp_enabled=True)
    finally:
        ctx.db.dispose()
    _policy(served, ["payroll_transfer"])
    yield
    _policy(served, [])  # the other journeys book at once again


def _account(number: str) -> str:
    return f"{int(number[-6:]):07d}"


def _request_payroll(page: Page, served, who, number: str, lang: str) -> None:
    """The general user uploads a 給与振込 file and sends it for approval."""
    login_id, _name, _role, password, _conf = who
    sign_in_with_a_new_token(page, served, login_id, password, f"{login_id}@example.jp")
    ja = lang == "ja"
    page.get_by_role("link", name="総合振込・給与・賞与振込" if ja
                     else "Bulk and payroll transfers").click()
    attach(page, "kyuyo.txt", payroll_for(number))
    page.get_by_role("button", name="取込" if ja else "Upload").click()
    expect(page.locator("#count")).to_have_text("2件" if ja else "2")
    # Under approval the confirmation asks no password or code: it books nothing.
    expect(page.locator("#confirmation_password")).to_have_count(0)
    expect(page.locator("#code")).to_have_count(0)
    expect(page.locator("#execute")).to_have_text("承認依頼" if ja else "Request approval")
    page.click("#execute")
    expect(page.locator("[role=status]")).to_have_text(
        "承認依頼を受け付けました。承認者の承認をお待ちください。" if ja
        else "Your request was sent. It waits for an approver.")
    expect(page.locator("#state")).to_have_text("承認待ち" if ja else "Awaiting approval")
    expect(page.locator("#approve-form")).to_have_count(0)  # not their own


def payroll_for(number: str) -> bytes:
    """test_bulk_journey's payroll file, paid from this contract's ordinary account."""
    head = Header(kind=Kind.PAYROLL, requester_code=number.zfill(10),
                  requester_name="ｼﾖｳﾆﾝｺｳｷﾞﾖｳ(ｶ", transfer_date="1126", bank_code="2101",
                  branch_code="001", deposit_type=DepositType.ORDINARY,
                  account_number=_account(number))
    return zengin.render(ZenginFile(head, tuple(
        Transfer("0001", "001", DepositType.ORDINARY, f"{i + 1:07d}", "ｼﾔｲﾝ ﾀﾛｳ", amount)
        for i, amount in enumerate(AMOUNTS))))


def _open_the_request(page: Page, served, who, lang: str):
    login_id, _name, _role, password, _conf = who
    token = sign_in_with_a_new_token(page, served, login_id, password,
                                     f"{login_id}@example.jp")
    ja = lang == "ja"
    page.get_by_role("link", name="承認" if ja else "Approvals", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "承認待ち一覧" if ja else "Requests awaiting approval")
    rows = page.locator("#pending tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("a").click()
    expect(page.locator("#state")).to_have_text("承認待ち" if ja else "Awaiting approval")
    return token


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_payroll_request_is_booked_when_the_approver_approves(served, new_page, shoot,
                                                                approvals_on, lang):
    number, (approver, requester) = CONTRACTS[lang]
    ja = lang == "ja"
    maker = new_page("ja-JP" if ja else "en-US")
    maker.goto("/login")
    if not ja:
        maker.get_by_role("button", name="English").click()
    _request_payroll(maker, served, requester, number, lang)
    shoot(maker, f"30-approval-requested-{lang}")

    checker = new_page("ja-JP" if ja else "en-US")
    checker.goto("/login")
    if not ja:
        checker.get_by_role("button", name="English").click()
    token = _open_the_request(checker, served, approver, lang)
    expect(checker.locator("#requester")).to_have_text(requester[1])
    expect(checker.locator("#amount")).to_contain_text("400,000")
    shoot(checker, f"31-approval-request-{lang}")
    checker.fill("#confirmation_password", approver[4])
    checker.fill("#code", served.code(token))
    checker.click("#approve")
    expect(checker.locator("[role=status]")).to_have_text(
        "承認しました。お取引を実行しました。" if ja else "Approved. The transaction was executed.")
    expect(checker.locator("#state")).to_have_text("承認済" if ja else "Approved")
    expect(checker.locator("#balance-after")).to_contain_text(f"{5_000_000 - DEBIT:,}")
    shoot(checker, f"32-approval-approved-{lang}")
    # The balance moved on the top page too; the history names who did what.
    checker.goto("/top")
    expect(checker.locator("main")).to_contain_text(f"{5_000_000 - DEBIT:,}")
    checker.goto("/approvals/history")
    row = checker.locator("#history tbody tr").first
    expect(row.locator(".state")).to_have_text("承認済" if ja else "Approved")
    expect(row).to_contain_text(requester[1])
    expect(row).to_contain_text(approver[1])
    served.advance(60)


def test_a_sent_back_request_shows_its_reason_and_books_nothing(served, new_page, shoot,
                                                                approvals_on):
    number, (approver, requester) = CONTRACTS["back"]
    maker = new_page("en-US")
    maker.goto("/login")
    maker.get_by_role("button", name="English").click()
    _request_payroll(maker, served, requester, number, "en")

    checker = new_page("en-US")
    checker.goto("/login")
    checker.get_by_role("button", name="English").click()
    _open_the_request(checker, served, approver, "en")
    checker.click("#return")  # no reason: the browser keeps the form (required)
    expect(checker.locator("#state")).to_have_text("Awaiting approval")
    checker.fill("#reason-input", "2人目の金額が違います")
    checker.click("#return")
    expect(checker.locator("[role=status]")).to_have_text("The request was sent back.")
    expect(checker.locator("#state")).to_have_text("Sent back")
    expect(checker.locator("#approve-form")).to_have_count(0)
    shoot(checker, "33-approval-sent-back")

    # The requester sees why, in the history and on the request.
    maker.get_by_role("link", name="Approvals", exact=True).click()
    expect(maker.locator("#none")).to_be_visible()
    maker.get_by_role("link", name="Approval history").click()
    row = maker.locator("#history tbody tr").first
    expect(row.locator(".state")).to_have_text("Sent back")
    expect(row).to_contain_text("2人目の金額が違います")
    row.locator("a").click()
    expect(maker.locator("#reason")).to_have_text("2人目の金額が違います")
    expect(maker.locator("#cancel")).to_have_count(0)  # decided: nothing left to cancel
    maker.goto("/top")
    expect(maker.locator("main")).to_contain_text("5,000,000")
    served.advance(60)
