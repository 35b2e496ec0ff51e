"""The screens through HTTP: the customer journey's branches, the console, the catalogue."""

from __future__ import annotations

import base64
import importlib
import pkgutil
import re
from datetime import UTC, datetime

from onetime import domain as service_domain
from onetime.banking import domain as site_domain
from onetime.banking.domain import approval_errors, confirming_errors
from onetime.banking.domain import errors as site_errors
from onetime.banking.domain.zengin import errors as zengin_errors
from onetime.crypto import TEST_KDF
from onetime.domain import errors as service_errors
from onetime.domain.errors import OnetimeError
from onetime.i18n import messages
from onetime.setup.protocol import Client
from tests.banking.world import activate, code
from tests.web.routes.conftest import (
    build,
    csrf_of,
    log_in,
    open_token_management,
    page_token,
    refused,
)


def set_up_app(world, user, activation_password: str) -> bytes:
    inst, services = world.institution, world.services
    client = Client(inst.service_id, user.user_id, activation_password, TEST_KDF)
    started = services.setup.start(inst.service_id, user.user_id, client.message)
    done = services.setup.finish(started.session_id,
                                 client.answer(started.session_id, started.message))
    secret = client.open(done.server_mac, done.sealed)["secret"]
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


class TestCustomerJourney:
    def test_login_issuance_confirmation_top(self, client, world, clock):
        assert log_in(client, "demo-general").headers["location"] == "/issuance"
        page = client.get("/issuance")
        for label in ("ワンタイムパスワードトークン発行", "送付先メールアドレス",
                      "利用開始パスワード", "トークン発行", "トークン発行の省略"):
            assert label in page.text
        response = client.post("/issuance", data={
            "csrf_token": csrf_of(page.text), "action": "issue", "email": "g@example.jp",
            "activation_password": "４８２９", "activation_password_again": "4829"})
        assert response.headers["location"] == "/confirmation"
        page = client.get("/confirmation")
        assert "ワンタイムパスワード認証確認" in page.text
        assert "認証確認" in page.text
        # Before the app's setup, a code cannot confirm anything.
        early = client.post("/confirmation", data={"csrf_token": csrf_of(page.text),
                                                   "code": "12345678"})
        assert "アプリの初期設定が完了していません" in refused(client, early, "/confirmation")
        secret = set_up_app(world, world.general, "4829")
        done = client.post("/confirmation", data={"csrf_token": csrf_of(page.text),
                                                  "code": code(secret, clock)})
        assert done.headers["location"] == "/top"
        top = client.get("/top")
        assert "トップページ" in top.text
        assert "認証確認が完了しました" in top.text

    def test_the_issuance_mail_is_queued_without_the_activation_password(self, client, world):
        from sqlalchemy import select

        from onetime.storage.schema import outbox
        log_in(client, "demo-general")
        token = page_token(client, "/issuance")
        client.post("/issuance", data={"csrf_token": token, "action": "issue",
                                       "email": "g@example.jp", "activation_password": "739146",
                                       "activation_password_again": "739146"})
        with world.site.ctx.db.read() as conn:
            mail = conn.execute(select(outbox)).first()._mapping
        assert mail["sender"] == "otp@bank.example.jp"
        assert "サービスID：0001" in mail["body"]
        assert "ユーザID：demo-general" in mail["body"]
        assert "739146" not in mail["body"]

    def test_issuance_errors_keep_the_address(self, client):
        log_in(client, "demo-general")
        token = page_token(client, "/issuance")
        response = client.post("/issuance", data={"csrf_token": token, "action": "issue",
                                                  "email": "g@example.jp",
                                                  "activation_password": "1234",
                                                  "activation_password_again": "1235"})
        page = refused(client, response, "/issuance")
        assert "利用開始パスワードが一致しません" in page
        assert 'value="g@example.jp"' in page
        assert "1234" not in page
        assert "1235" not in page
        response = client.post("/issuance", data={"csrf_token": token, "action": "issue",
                                                  "email": "not-an-address",
                                                  "activation_password": "12",
                                                  "activation_password_again": "12"})
        assert "送付先メールアドレスの形式が正しくありません" in refused(client, response,
                                                                 "/issuance")

    def test_skip_needs_an_issued_token(self, client, world):
        log_in(client, "demo-general")
        token = page_token(client, "/issuance")
        response = client.post("/issuance", data={"csrf_token": token, "action": "skip"})
        assert "トークン発行を省略できません" in refused(client, response, "/issuance")
        world.site.tokens.issue_token(world.institution, "demo-general", "g@example.jp", "1234")
        response = client.post("/issuance", data={"csrf_token": token, "action": "skip"})
        assert response.headers["location"] == "/confirmation"

    def test_without_otp_enabled_login_goes_to_the_top_page(self, client, world):
        from onetime.banking.domain.people import Role
        contract = world.site.users.add_contract(world.institution, "7000007", "未申込商事")
        world.site.users.add_user(world.institution, contract, login_id="early-bird",
                                  name="早起", role=Role.MASTER,
                                  login_password="Early-pass1", confirmation_password="Early-c1")
        assert log_in(client, "early-bird", "Early-pass1").headers["location"] == "/top"
        assert "認証開始申込は未登録です" in client.get("/top").text

    def test_pages_before_confirmation_lead_back_to_issuance(self, client):
        log_in(client, "demo-general")
        for path in ("/top", "/transfer", "/manage"):
            response = client.get(path)
            assert response.headers["location"] == "/issuance", path


class TestManagementScreens:
    def test_the_manuals_screen_names(self, client, world, clock):
        secret = activate(world, world.master, clock)
        log_in(client, "demo-master")
        open_token_management(client, "demo-master", secret, clock)
        assert "業務選択" in client.get("/manage").text
        tasks = client.get("/manage/users").text
        assert "作業内容選択" in tasks
        assert "ワンタイムパスワードの利用停止解除" in tasks
        assert "トークンの失効" in tasks
        release = client.get("/manage/release").text
        assert "ワンタイムパスワード利用停止解除一覧" in release
        assert "確認用パスワード" in release
        assert "停止解除" in release
        revoke = client.get("/manage/revoke").text
        assert "トークン失効" in revoke
        assert "次へ" in revoke  # 確認用パスワード and ワンタイムパスワード on the next page

    def test_suspended_master_without_admin_is_told_to_contact_the_branch(self, client, world,
                                                                          clock):
        from tests.banking.world import suspend
        secret = activate(world, world.solo_master, clock)
        suspend(world, world.solo_master, secret, clock)
        log_in(client, "solo-master", "Solo-pass1")
        # The default policy puts トークン管理 behind a step-up no suspended user passes:
        # its page gives the same advice.
        for path in ("/top", "/manage/tokens/stepup"):
            text = client.get(path).text
            assert "当組合窓口で利用停止解除のお申込が必要になります" in text, path

    def test_release_without_picking_a_user(self, client, world, clock):
        secret = activate(world, world.master, clock)
        log_in(client, "demo-master")
        open_token_management(client, "demo-master", secret, clock)
        token = page_token(client, "/manage/release")
        response = client.post("/manage/release", data={
            "csrf_token": token, "confirmation_password": "Master-conf1"})
        assert "対象の利用者を選択してください" in refused(client, response, "/manage/release")

    def test_revocation_result_says_when_setup_reopens(self, client, world, clock):
        secret = activate(world, world.master, clock)
        activate(world, world.general, clock)
        log_in(client, "demo-master")
        open_token_management(client, "demo-master", secret, clock)
        token = page_token(client, "/manage/revoke")
        chosen = client.post("/manage/revoke", data={"csrf_token": token,
                                                     "target": str(world.general.id)})
        assert chosen.headers["location"] == "/manage/revoke/confirm"
        client.get("/manage/revoke/confirm")
        response = client.post("/manage/revoke/confirm", data={
            "csrf_token": token, "target": str(world.general.id),
            "confirmation_password": "Master-conf1", "code": code(secret, clock)})
        assert response.headers["location"] == "/manage/revoke/result"
        result = client.get("/manage/revoke/result").text
        assert "トークン失効結果" in result
        assert "初期設定を行えるようになるまで約30分かかります" in result
        assert "2026年11月26日 10:33" in result  # revoked at 10:03 Tokyo (the step-up at 10:02)

    def test_revocation_asks_for_confirmation_naming_the_user(self, client, world, clock):
        secret = activate(world, world.master, clock)
        activate(world, world.general, clock)
        log_in(client, "demo-master")
        open_token_management(client, "demo-master", secret, clock)
        listing = client.get("/manage/revoke").text
        assert 'name="confirmation_password"' not in listing  # asked on the next page
        chosen = client.post("/manage/revoke", data={"csrf_token": csrf_of(listing),
                                                     "target": str(world.general.id)})
        assert chosen.status_code == 303
        assert chosen.headers["location"] == "/manage/revoke/confirm"
        page = client.get("/manage/revoke/confirm").text
        assert "トークン失効確認" in page
        assert "デモ 次郎" in page  # the user's name
        assert "demo-general" in page  # and user ID
        assert "失効すると" in page  # what will happen
        assert "20時50分から8時10分" in page  # rule 10, before; the time itself after
        assert 'name="confirmation_password"' in page
        assert 'name="code"' in page
        assert f'name="target" value="{world.general.id}"' in page
        assert world.site.tokens.get_token(world.institution, "demo-general").state == "active"

    def test_own_token_is_not_offered_and_a_forged_post_is_refused(self, client, world,
                                                                    clock):
        secret = activate(world, world.master, clock)
        activate(world, world.admin, clock)
        log_in(client, "demo-master")
        open_token_management(client, "demo-master", secret, clock)
        listing = client.get("/manage/revoke").text
        assert f'value="{world.master.id}"' not in listing
        assert f'value="{world.admin.id}"' in listing
        assert "ご自身のトークンは失効できません" in listing
        token = csrf_of(listing)
        for form, data in (("/manage/revoke", {}),
                           ("/manage/revoke/confirm", {"confirmation_password": "Master-conf1",
                                                       "code": code(secret, clock)})):
            response = client.post(form, data={"csrf_token": token,
                                               "target": str(world.master.id), **data})
            page = refused(client, response, "/manage/revoke")
            assert "ご自身のトークンは失効できません" in page, form
            assert "当組合窓口" in page
        assert world.site.tokens.get_token(world.institution, "demo-master").state == "active"

    def test_a_forged_release_of_oneself_is_refused(self, client, world, clock):
        from tests.banking.world import suspend
        secret = activate(world, world.admin, clock)
        activate(world, world.master, clock)
        suspend(world, world.admin, secret, clock)
        # A policy without a code for token management: the screens need no step-up, so
        # the suspended admin reaches the list (with it, the step-up stops them first).
        world.services.institutions.configure(world.institution.service_id,
                                              otp_operations=["transfer"])
        log_in(client, "demo-admin")
        listing = client.get("/manage/release").text
        assert f'value="{world.admin.id}"' not in listing
        response = client.post("/manage/release", data={
            "csrf_token": csrf_of(listing), "target": str(world.admin.id),
            "confirmation_password": "Admin-conf1"})
        assert "ご自身の利用停止解除はできません" in refused(client, response, "/manage/release")
        assert world.site.tokens.get_token(world.institution, "demo-admin").state == "suspended"


class TestTransferScreens:
    def test_input_errors_are_explained(self, client, world, clock):
        activate(world, world.master, clock)
        log_in(client, "demo-master")
        token = page_token(client, "/transfer")
        accounts = world.site.transfers.accounts(world.master)
        response = client.post("/transfer", data={
            "csrf_token": token, "from_account": str(accounts[0].id), "bank_code": "12",
            "branch_code": "001", "account_type": "ordinary", "account_number": "1",
            "holder_name": "ｱ", "amount": "100"})
        page = refused(client, response, "/transfer")
        assert "金融機関コードは半角数字4桁で入力してください" in page
        assert 'value="12"' in page  # the fields are kept
        assert 'value="ｱ"' in page

    def test_a_wrong_code_comes_back_to_the_confirmation(self, client, world, clock):
        from tests.banking.world import wrong
        secret = activate(world, world.master, clock)
        log_in(client, "demo-master")
        token = page_token(client, "/transfer")
        accounts = world.site.transfers.accounts(world.master)
        client.post("/transfer", data={
            "csrf_token": token, "from_account": str(accounts[0].id), "bank_code": "0009",
            "branch_code": "001", "account_type": "ordinary", "account_number": "7654321",
            "holder_name": "ｽｽﾞｷ", "amount": "30000"})
        confirm = client.get("/transfer/confirm").text
        request_id = confirm.split('name="request_id" value="')[1].split('"')[0]
        bad = wrong(code(secret, clock))
        response = client.post("/transfer/confirm", data={
            "csrf_token": token, "request_id": request_id,
            "confirmation_password": "Master-conf1", "code": bad})
        page = refused(client, response, "/transfer/confirm")
        assert "あと9回" in page
        assert "三井住友" in page  # the same pending transfer
        assert bad not in page
        assert "Master-conf1" not in page
        assert "あと9回" not in client.get("/transfer/confirm").text  # shown once
        stale = client.post("/transfer/confirm", data={
            "csrf_token": token, "request_id": "not-the-pending-one",
            "confirmation_password": "Master-conf1", "code": code(secret, clock)})
        assert "既に実行済みか、有効期限が切れています" in refused(client, stale, "/transfer")

    def test_confirmation_screen_and_result(self, client, world, clock):
        secret = activate(world, world.master, clock)
        log_in(client, "demo-master")
        token = page_token(client, "/transfer")
        accounts = world.site.transfers.accounts(world.master)
        client.post("/transfer", data={
            "csrf_token": token, "from_account": str(accounts[0].id), "bank_code": "0009",
            "branch_code": "001", "account_type": "ordinary", "account_number": "7654321",
            "holder_name": "ｽｽﾞｷ", "amount": "30000"})
        confirm = client.get("/transfer/confirm").text
        assert "三井住友" in confirm
        assert "確認用パスワード" in confirm
        assert "ワンタイムパスワード" in confirm
        # Another bank, 30 000 yen and over: the demo table's 660 yen; 10:00 on a Thursday.
        assert "振込手数料</dt><dd id=\"fee\">660円" in confirm
        assert "<dd id=\"debit-total\">30,660円" in confirm
        assert "振込指定日</dt><dd id=\"value-date\">2026年11月26日（木）" in confirm
        request_id = confirm.split('name="request_id" value="')[1].split('"')[0]
        response = client.post("/transfer/confirm", data={
            "csrf_token": token, "request_id": request_id,
            "confirmation_password": "Master-conf1", "code": code(secret, clock)})
        assert response.headers["location"] == "/transfer/result"
        result = client.get("/transfer/result").text
        assert "4,969,340円" in result
        assert "<dd id=\"fee\">660円" in result
        assert "<dd id=\"value-date\">2026年11月26日（木）" in result
        # Pressing 実行 again does not move the money twice.
        again = client.post("/transfer/confirm", data={
            "csrf_token": token, "request_id": request_id,
            "confirmation_password": "Master-conf1", "code": code(secret, clock)})
        assert again.headers["location"] == "/transfer"
        assert world.site.transfers.accounts(world.master)[0].balance == 4_969_340

    def test_after_the_cut_off_the_result_shows_the_next_business_day(self, client, world,
                                                                      clock):
        """Confirmed at 14:59 on a Friday, executed at 15:00: the result says Monday, in
        English too."""
        secret = activate(world, world.master, clock)
        clock.set(datetime(2026, 11, 27, 5, 59, tzinfo=UTC))  # Friday 14:59 in Tokyo
        log_in(client, "demo-master")
        token = page_token(client, "/transfer")
        client.post("/lang", data={"csrf_token": token, "lang": "en", "next": "/transfer"})
        accounts = world.site.transfers.accounts(world.master)
        client.post("/transfer", data={
            "csrf_token": token, "from_account": str(accounts[0].id), "bank_code": "2101",
            "branch_code": "001", "account_type": "current",
            "account_number": accounts[1].account_number, "holder_name": "ﾃﾞﾓ",
            "amount": "1000"})
        confirm = client.get("/transfer/confirm").text
        assert "Value date</dt><dd id=\"value-date\">Fri 27 Nov 2026" in confirm
        assert "Transfer fee</dt><dd id=\"fee\">¥0" in confirm  # the same branch
        clock.set(datetime(2026, 11, 27, 6, 0, tzinfo=UTC))
        request_id = confirm.split('name="request_id" value="')[1].split('"')[0]
        client.post("/transfer/confirm", data={
            "csrf_token": token, "request_id": request_id,
            "confirmation_password": "Master-conf1", "code": code(secret, clock)})
        assert "<dd id=\"value-date\">Mon 30 Nov 2026" in client.get("/transfer/result").text


class TestBranchConsole:
    def test_search_open_and_reset(self, client, world):
        log_in(client, "branch01", branch=True)
        found = client.get("/branch", params={"q": "デモ"}).text
        assert "1000001" in found
        assert "demo-general" in found
        world.site.tokens.issue_token(world.institution, "demo-general", "g@example.jp", "1234")
        page = client.get(f"/branch/contracts/{world.contract.id}")
        assert "発行リセット" in page.text
        token = csrf_of(page.text)
        response = client.post(f"/branch/users/{world.general.id}/reset",
                               data={"csrf_token": token, "reason": " "})
        assert "理由を入力してください" in refused(client, response,
                                                 f"/branch/contracts/{world.contract.id}")
        done = client.post(f"/branch/users/{world.general.id}/reset",
                           data={"csrf_token": token, "reason": "メール未着"})
        assert done.status_code == 303
        assert "トークン発行をリセットしました" in client.get(done.headers["location"]).text

    def test_refused_branch_actions_come_back_to_the_contract(self, client, world):
        log_in(client, "branch01", branch=True)
        token = page_token(client, f"/branch/contracts/{world.contract.id}")
        form = f"/branch/contracts/{world.contract.id}"
        response = client.post(f"{form}/otp", data={"csrf_token": token, "reason": "再申込"})
        assert "このご契約先は認証開始申込済です" in refused(client, response, form)
        response = client.post(f"/branch/users/{world.general.id}/release",
                               data={"csrf_token": token, "reason": "電話で依頼"})
        assert "利用停止中ではありません" in refused(client, response, form)

    def test_customers_cannot_use_the_console(self, client):
        log_in(client, "branch01", "Master-pass1", branch=True)
        assert client.get("/branch").headers["location"] == "/branch/login"


class TestDevMail:
    def test_only_in_demo_mode(self, world, services, tmp_path):
        assert build(services, world.institution, tmp_path).client().get(
            "/dev/mail").status_code == 200
        production = build(services, world.institution, tmp_path, demo=False)
        assert production.client().get("/dev/mail").status_code == 404


def domain_errors() -> list[type[OnetimeError]]:
    """Every error of the service's and the site's domain packages, whichever module of
    theirs defines it: a module split off (approval_errors.py) cannot drop out unseen."""
    for package in (service_domain, site_domain):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    found: list[type[OnetimeError]] = []
    unseen: list[type[OnetimeError]] = [OnetimeError]
    while unseen:
        error = unseen.pop()
        unseen.extend(error.__subclasses__())
        if error.__module__.startswith((f"{service_domain.__name__}.",
                                        f"{site_domain.__name__}.")):
            found.append(error)
    return found


class TestCatalogue:
    def test_the_errors_checked_are_those_of_every_error_module(self):
        """The walk finds what each error module defines, the split-off ones included."""
        found = set(domain_errors())
        for module in (service_errors, site_errors, approval_errors, confirming_errors,
                       zengin_errors):
            defined = {c for c in vars(module).values() if isinstance(c, type)
                       and issubclass(c, OnetimeError) and c.__module__ == module.__name__}
            assert defined, module.__name__
            assert defined <= found, module.__name__

    def test_every_error_code_has_a_message_in_both_languages(self):
        for error in domain_errors():
            assert f"error.{error.code}" in messages("ja", "site"), error.code
            assert f"error.{error.code}" in messages("en", "site"), error.code

    def test_both_languages_have_the_same_keys(self):
        assert set(messages("ja", "site")) == set(messages("en", "site"))

    def test_templates_hold_no_text_of_their_own(self):
        """Every word on a screen comes from the catalogue, so the English switch is whole."""
        from onetime.web.render import TEMPLATES
        for template in TEMPLATES.glob("*.html"):
            markup = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", template.read_text(),
                            flags=re.S)
            assert not re.search(r"[^\x00-\x7f]", markup), template.name

    def test_english_labels_are_english(self):
        kana = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
        for key, text in messages("en", "site").items():
            assert key == "lang.other" or not kana.search(text), key

    def test_english_switch(self, client):
        token = page_token(client, "/login")
        client.post("/lang", data={"csrf_token": token, "lang": "en", "next": "/login"})
        page = client.get("/login")
        assert '<html lang="en">' in page.text
        assert "Login password" in page.text
        response = log_in(client, "nobody-here", "x")
        assert "The login ID or login password is incorrect." in refused(client, response,
                                                                          "/login")
