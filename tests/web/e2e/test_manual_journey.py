"""The manual's whole journey in real Chromium, one step after another.

1 the branch enables OTP (認証開始申込); 2 login and トークン発行, the mail reaches the
sink; 3 初期設定 through the token app's library; 4 認証確認; 5 a transfer with
step-up; 6 ten wrong codes suspend the master user and end their session; 7 the admin
user passes the トークン管理 step-up and releases; 8 the admin user revokes the master
user's token with the admin's own code, after a page that names the master user
(nobody revokes their own token on these screens), which ends the master's session;
9 the embargo time is shown; 10 once the clock passes it, setup works again.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from onetime.app import errors as app_errors

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site-e2e")]

MASTER = ("demo-master", "Master-pass1", "Master-conf1")
TOKYO = ZoneInfo("Asia/Tokyo")
ADMIN = ("demo-admin", "Admin-pass1", "Admin-conf1")


def log_in(page: Page, login_id: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("ログインID").fill(login_id)
    page.get_by_label("ログインパスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def wrong_code(right: str) -> str:
    """A code that is none of the three the window accepts around `right`'s step."""
    return f"{(int(right) + 50_000_000) % 100_000_000:08d}"


def issue_and_confirm(page: Page, served, login_id: str, email: str, activation: str,
                      shoot=None):
    """トークン発行 → mail → 初期設定 (app library) → 認証確認 → トップページ."""
    heading(page, "ワンタイムパスワードトークン発行")
    if shoot:
        shoot(page, "02-token-issuance", docs="token-issuance.png")
    page.get_by_label("送付先メールアドレス").fill(email)
    page.get_by_label("利用開始パスワード", exact=True).fill(activation)
    page.get_by_label("利用開始パスワード（確認用）").fill(activation)
    page.get_by_role("button", name="トークン発行", exact=True).click()
    heading(page, "ワンタイムパスワード認証確認")
    mail = served.mail(email, "トークン発行")
    token = served.set_up_token(login_id, activation)
    served.mail(email, "初期設定")
    page.get_by_label("ワンタイムパスワード").fill(served.code(token))
    if shoot:
        shoot(page, "04-confirmation", docs="confirmation.png")
    page.get_by_role("button", name="認証確認").click()
    heading(page, "トップページ")
    expect(page.get_by_role("status")).to_contain_text("認証確認が完了しました")
    return mail, token


def test_the_manuals_journey(served, new_page, shoot):
    # 1. The branch enables OTP for the contract (認証開始申込).
    branch = new_page()
    branch.goto("/branch/login")
    branch.get_by_label("職員ID").fill("branch01")
    branch.get_by_label("パスワード").fill("Branch-pass1")
    branch.get_by_role("button", name="ログイン").click()
    branch.get_by_label("ご契約先番号・名称、ログインID、利用者名").fill("1000001")
    branch.get_by_role("button", name="検索").click()
    branch.get_by_role("link", name="1000001").click()
    branch.get_by_label("理由").fill("認証開始申込書を受付")
    branch.get_by_role("button", name="認証開始申込").click()
    expect(branch.locator("#contract-otp")).to_contain_text("認証開始申込済")
    shoot(branch, "01-branch-enables-otp")

    # 2-4. The master user logs in: issuance, the mail, setup in the app, 認証確認.
    master = new_page()
    log_in(master, MASTER[0], MASTER[1])
    mail, token = issue_and_confirm(master, served, MASTER[0], "master@example.jp", "482916",
                                    shoot)
    assert mail.sender.endswith("@kenshinbank.co.jp")
    assert "サービスID：0000" in mail.body
    assert "ユーザID：demo-master" in mail.body
    assert "ダウンロードURL：" in mail.body
    assert "482916" not in mail.body
    assert "482916" not in mail.subject
    shoot(master, "04b-top-page")

    # 5. 振込・振替 with step-up: confirmation password and a fresh code.
    master.get_by_role("link", name="振込・振替").click()
    master.get_by_label("金融機関コード（4桁）").fill("0001")
    master.get_by_label("支店コード（3桁）").fill("001")
    master.get_by_label("口座番号").fill("1234567")
    master.get_by_label("受取人名（カナ）").fill("ﾔﾏﾀﾞ ﾀﾛｳ")
    master.get_by_label("振込金額（円）").fill("12,345")
    master.get_by_role("button", name="次へ").click()
    heading(master, "振込内容確認")
    expect(master.locator("#transfer")).to_contain_text("みずほ")
    expect(master.locator("#transfer")).to_contain_text("東京営業部")
    expect(master.locator("#fee")).to_have_text("440円")  # another bank, under 30 000 yen
    served.advance(60)  # the next code: the confirmation's step is used up
    master.get_by_label("確認用パスワード").fill(MASTER[2])
    master.get_by_label("ワンタイムパスワード").fill(served.code(token))
    shoot(master, "05-transfer-step-up")
    master.get_by_role("button", name="実行").click()
    heading(master, "振込結果")
    expect(master.locator("#balance-after")).to_have_text("4,987,215円")  # amount and fee
    master.get_by_role("link", name="トップページ").first.click()
    expect(master.locator("#accounts")).to_contain_text("4,987,215円")

    # 6. Ten wrong codes on the step-up: the master user is suspended.
    master.get_by_role("link", name="振込・振替").click()
    master.get_by_label("金融機関コード（4桁）").fill("2101")
    master.get_by_label("支店コード（3桁）").fill("001")
    master.get_by_label("口座番号").fill("7654321")
    master.get_by_label("受取人名（カナ）").fill("ﾄﾘﾋｷｻｷ")
    master.get_by_label("振込金額（円）").fill("1000")
    master.get_by_role("button", name="次へ").click()
    bad = wrong_code(served.code(token))
    for attempt in range(1, 11):
        master.get_by_label("確認用パスワード").fill(MASTER[2])
        master.get_by_label("ワンタイムパスワード").fill(bad)
        master.get_by_role("button", name="実行").click()
        if attempt < 10:
            expect(master.locator("#error")).to_contain_text(f"あと{10 - attempt}回")
    # The suspension ended the session: the login page says why, and once signed in
    # again the top page says who releases it (rule 8).
    heading(master, "ログイン")
    expect(master.locator("#error")).to_contain_text("利用が停止されています")
    log_in(master, MASTER[0], MASTER[1])
    expect(master.locator("#suspension")).to_contain_text("管理者ユーザに")
    shoot(master, "06-suspended")
    served.mail("master@example.jp", "利用停止のお知らせ")
    master.get_by_role("button", name="ログアウト").click()
    heading(master, "ログイン")

    # 7. The admin user (with their own token) releases the master user.
    admin = new_page()
    log_in(admin, ADMIN[0], ADMIN[1])
    _mail, admin_token = issue_and_confirm(admin, served, ADMIN[0], "admin@example.jp",
                                           "1357")
    admin.get_by_role("link", name="管理").click()
    heading(admin, "業務選択")
    admin.get_by_role("link", name="利用者管理").click()
    heading(admin, "作業内容選択")
    admin.get_by_role("link", name="ワンタイムパスワードの利用停止解除").click()
    # トークン管理 is behind the step-up (the default policy asks a code for it).
    heading(admin, "トークン管理")
    served.advance(60)  # 認証確認 used this step's code
    admin.get_by_label("確認用パスワード").fill(ADMIN[2])
    admin.get_by_label("ワンタイムパスワード").fill(served.code(admin_token))
    admin.get_by_role("button", name="次へ").click()
    heading(admin, "トークン管理")
    expect(admin.locator("#token-states")).to_contain_text("利用停止中")
    admin.get_by_role("link", name="ワンタイムパスワードの利用停止解除").click()
    heading(admin, "ワンタイムパスワード利用停止解除一覧")
    admin.get_by_role("radio", name="デモ 太郎").check()
    admin.get_by_label("確認用パスワード").fill(ADMIN[2])
    shoot(admin, "07-release", docs="release.png")
    admin.get_by_role("button", name="停止解除").click()
    heading(admin, "ワンタイムパスワード利用停止解除結果")
    expect(admin.locator("#result")).to_contain_text("demo-master")
    expect(admin.locator("#result")).to_contain_text("利用中")
    shoot(admin, "07b-release-result")
    served.mail("master@example.jp", "解除")

    # 8. The master user, back at work, changes phones: the admin user revokes the
    #    master's token: pick the user, a page that names them, the admin's password and
    #    code, 失効.
    log_in(master, MASTER[0], MASTER[1])
    heading(master, "トップページ")
    served.advance(60)
    admin.get_by_role("link", name="作業内容選択").click()
    admin.get_by_role("link", name="トークンの失効").click()
    heading(admin, "トークン失効")
    expect(admin.get_by_role("radio", name="デモ 花子")).to_have_count(0)  # not oneself
    admin.get_by_role("radio", name="デモ 太郎").check()
    admin.get_by_role("button", name="次へ").click()
    heading(admin, "トークン失効確認")
    expect(admin.locator("#target-name")).to_have_text("デモ 太郎")
    expect(admin.locator("#target-user-id")).to_have_text("demo-master")
    expect(admin.locator("#revoke-effect")).to_contain_text("失効すると")
    admin.get_by_label("確認用パスワード").fill(ADMIN[2])
    admin.get_by_label("ワンタイムパスワード").fill(served.code(admin_token))
    shoot(admin, "08-revocation-confirm", docs="revocation-confirm.png")
    revoked_at = served.now()
    admin.get_by_role("button", name="失効").click()
    heading(admin, "トークン失効結果")

    # 9. The result says when setup reopens: about 30 minutes later (rule 10).
    opens = revoked_at + timedelta(minutes=30)
    opens_text = f"{opens.astimezone(TOKYO):%Y年%-m月%-d日 %-H:%M}"
    expect(admin.locator("#setup-available-at")).to_have_text(opens_text)
    expect(admin.locator("#embargo-note")).to_contain_text("約30分")
    shoot(admin, "08-revocation-result", docs="revocation-result.png")
    served.mail("master@example.jp", "失効")
    # The revocation ended the master's session; after logging in again the next screen
    # is トークン発行, which shows the embargo and refuses to issue.
    master.goto("/top")
    heading(master, "ログイン")
    log_in(master, MASTER[0], MASTER[1])
    heading(master, "ワンタイムパスワードトークン発行")
    expect(master.locator("#embargo")).to_contain_text(opens_text)
    master.get_by_label("送付先メールアドレス").fill("new-phone@example.jp")
    master.get_by_label("利用開始パスワード", exact=True).fill("2468")
    master.get_by_label("利用開始パスワード（確認用）").fill("2468")
    master.get_by_role("button", name="トークン発行", exact=True).click()
    expect(master.locator("#error")).to_contain_text(opens_text)
    shoot(master, "09-embargo")
    with pytest.raises(app_errors.SetupEmbargoed):
        served.set_up_token(MASTER[0], "482916")

    # 10. Past the embargo (the clock file moves; the idle session has ended): setup works.
    served.set_time(opens + timedelta(minutes=1))
    master.goto("/top")
    heading(master, "ログイン")
    expect(master.get_by_role("status")).to_contain_text("ログアウトしました")
    log_in(master, MASTER[0], MASTER[1])
    issue_and_confirm(master, served, MASTER[0], "new-phone@example.jp", "2468")
    shoot(master, "10-setup-again")

    # The audit trail holds the branch action, the transfer and the verifications.
    events = _audit_events(served)
    for event in ("otp_enabled", "token_issued", "token_set_up", "token_confirmed",
                  "code_verified", "transfer_executed", "token_suspended", "token_released",
                  "token_revoked"):
        assert event in events, event


def _audit_events(served) -> set[str]:
    # Read through the service layer on the same database file.
    from onetime.crypto import TEST_KDF, FileKeyProvider, KeyRing
    from onetime.domain.clock import FileClock
    from onetime.service.context import Context
    from onetime.storage.database import Database
    from onetime.storage.schema import audit_log

    base = served.clock_file.parent
    ctx = Context(db=Database(f"sqlite:///{base / 'onetime.db'}"),
                  keyring=KeyRing(FileKeyProvider.open(base / "keys.json")),
                  clock=FileClock(str(served.clock_file)), setup_kdf=TEST_KDF)
    try:
        with ctx.db.read() as conn:
            return {row[0] for row in conn.execute(audit_log.select().with_only_columns(
                audit_log.c.event))}
    finally:
        ctx.db.dispose()


def test_api_paths_stay_the_apis(served):
    """The site is mounted beside the API: /api/… still answers problem documents."""
    assert httpx.get(served.url + "/api/v1/nothing").json()["code"] == "not_found"
    assert httpx.delete(served.url + "/api/v1/time").status_code == 405
