"""給与・賞与振込 in Chromium: a payroll file uploaded, a broken one refused line by line,
step-up, 受付番号 — once in Japanese, once in English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from onetime.banking.domain import zengin
from onetime.banking.domain.zengin import DepositType, Header, Kind, Transfer, ZenginFile

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site-e2e")]

ACCOUNT = "0000005"  # the ordinary account seed_demo gives contract 5000005


def payroll(kind: Kind, amounts: list[int]) -> bytes:
    head = Header(kind=kind, requester_code="0005000005", requester_name="ｷﾕｳﾖｺｳｷﾞﾖｳ(ｶ",
                  transfer_date="1126", bank_code="2101", branch_code="001",
                  deposit_type=DepositType.ORDINARY, account_number=ACCOUNT)
    return zengin.render(ZenginFile(head, tuple(
        Transfer("0001", "001", DepositType.ORDINARY, f"{i + 1:07d}", "ｼﾔｲﾝ ﾀﾛｳ", amount)
        for i, amount in enumerate(amounts))))


def attach(page: Page, name: str, data: bytes) -> None:
    page.set_input_files("#file", files=[{"name": name, "mimeType": "text/plain",
                                          "buffer": data}])


def sign_in_with_a_new_token(page: Page, served, login_id: str, password: str, email: str):
    """Log in, issue a token and confirm it (rules 4-7): the top page, and the token."""
    page.fill("#login_id", login_id)
    page.fill("#password", password)
    page.press("#password", "Enter")
    page.fill("#email", email)
    page.fill("#activation_password", "8642")
    page.fill("#activation_password_again", "8642")
    page.click("#issue")
    page.wait_for_selector("#code")
    token = served.set_up_token(login_id, "8642")
    page.fill("#code", served.code(token))
    page.press("#code", "Enter")
    page.wait_for_url("**/top")
    served.advance(60)  # the next code is a fresh one
    return token


def test_payroll_file_in_japanese(served, new_page, shoot):
    page = new_page()
    page.goto("/login")
    token = sign_in_with_a_new_token(page, served, "bulk-ja01", "Bulk-ja-pass1",
                                     "bulk-ja@example.jp")
    page.get_by_role("link", name="総合振込・給与・賞与振込").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("総合振込・給与・賞与振込")
    expect(page.get_by_role("heading", level=2).first).to_have_text("ファイル取込")
    # A broken file: every error by line, field and byte; nothing booked.
    broken = bytearray(payroll(Kind.PAYROLL, [210_000, 190_000, 230_000]))
    broken[122 + 80] = ord("X")  # line 2's 振込金額
    broken[244 + 1:244 + 5] = b"9999"  # line 3's 金融機関番号
    attach(page, "kyuyo-broken.txt", bytes(broken))
    page.get_by_role("button", name="取込").click()
    expect(page.locator("#error")).to_contain_text("振込ファイルに誤りがあります")
    rows = page.locator("#problems tbody tr")
    expect(rows).to_have_count(2)
    for row, (line, field, offset) in enumerate([("2", "振込金額", "202"),
                                                  ("3", "金融機関番号", "245")]):
        cells = rows.nth(row).locator("td")
        expect(cells.nth(0)).to_have_text(line)
        expect(cells.nth(1)).to_have_text(field)
        expect(cells.nth(2)).to_have_text(offset)
    shoot(page, "20-bulk-errors")
    # The corrected file: confirmation, step-up, 受付番号.
    attach(page, "kyuyo.txt", payroll(Kind.PAYROLL, [210_000, 190_000, 230_000]))
    page.get_by_role("button", name="取込").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("振込データ確認")
    expect(page.locator("#kind")).to_have_text("給与振込")
    expect(page.locator("#count")).to_have_text("3件")
    expect(page.locator("#total")).to_have_text("630,000円")
    expect(page.locator("#fees")).to_have_text("1,980円")
    shoot(page, "21-bulk-confirm")
    page.get_by_label("確認用パスワード").fill("Bulk-ja-conf1")
    page.fill("#code", served.code(token))
    page.click("#execute")
    expect(page.get_by_role("heading", level=1)).to_have_text("振込データ受付結果")
    expect(page.locator("#done")).to_have_text("振込データを受け付けました。")
    expect(page.locator("#reference")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator("#balance-after")).to_have_text("4,368,020円")
    shoot(page, "22-bulk-result")
    served.advance(60)


def test_bonus_file_in_english(served, new_page, shoot):
    page = new_page(locale="en-US")
    page.goto("/login")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    token = sign_in_with_a_new_token(page, served, "bulk-en01", "Bulk-en-pass1",
                                     "bulk-en@example.jp")
    page.get_by_role("link", name="Bulk and payroll transfers").click()
    expect(page.get_by_role("heading", level=2).first).to_have_text("File upload")
    attach(page, "not-zengin.txt", "賞与の一覧".encode())
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#problems caption")).to_contain_text("error(s)")
    attach(page, "shoyo.txt", payroll(Kind.BONUS, [500_000, 20_000]))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the transfer data")
    expect(page.locator("#kind")).to_have_text("Bonus transfer")
    expect(page.locator("#total")).to_contain_text("520,000")
    page.fill("#confirmation_password", "Bulk-en-conf1")
    page.fill("#code", served.code(token))
    page.click("#execute")
    expect(page.get_by_role("heading", level=1)).to_have_text("Transfer data accepted")
    expect(page.locator("#done")).to_have_text("The transfer data was accepted.")
    shoot(page, "23-bulk-result-english")
    served.advance(60)
