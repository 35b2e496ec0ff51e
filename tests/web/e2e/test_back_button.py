"""A refused form answers with a redirect to the form (Post/Redirect/Get), so the
browser's back and forward buttons load pages instead of Chromium's ERR_CACHE_MISS
("Confirm Form Resubmission"): every page is `no-store`, so a page that was the answer
to a POST could only come back by posting again."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from onetime.banking.domain.people import Role

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site-e2e")]

# A contract of its own (OTP enabled), so the order of the browser tests does not matter.
USER = ("back-user01", "戻る 一郎", Role.MASTER, "Back-pass1", "Back-conf1")


@pytest.fixture(scope="module")
def back_user(served):
    from onetime.banking.otp.local import local_site
    from onetime.banking.service.demo import seed_demo
    from onetime.crypto import TEST_KDF, FileKeyProvider, KeyRing
    from onetime.domain.clock import FileClock
    from onetime.service.context import Context
    from onetime.service.services import Services
    from onetime.storage.database import Database
    from tests.web.e2e.conftest import SERVICE_ID

    base = served.clock_file.parent
    ctx = Context(db=Database(f"sqlite:///{base / 'onetime.db'}"),
                  keyring=KeyRing(FileKeyProvider.open(base / "keys.json")),
                  clock=FileClock(str(served.clock_file)), setup_kdf=TEST_KDF)
    try:
        services = Services.from_context(ctx)
        site = local_site(services, kdf_profile="test")
        seed_demo(site, services.institutions.get(SERVICE_ID), contract_number="4000004",
                  name="戻る物産株式会社", users=[USER], staff=None, otp_enabled=True)
    finally:
        ctx.db.dispose()
    return USER


def loads(page: Page, move, heading: str) -> None:
    """Press back or forward: the page loads again (a GET), not an error page."""
    try:
        move(wait_until="load")
    except Exception as exc:  # Playwright raises net::ERR_CACHE_MISS on the navigation
        raise AssertionError(f"history navigation failed: {exc}") from exc
    assert not page.url.startswith("chrome-error://"), page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def test_back_and_forward_after_refused_forms(served, new_page, back_user):
    login_id, _name, _role, password, _confirmation = back_user
    page = new_page()
    page.goto("/login")
    page.get_by_label("ログインID").fill(login_id)
    page.get_by_label("ログインパスワード").fill("Wrong-pass1")
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("#error")).to_contain_text("ログインIDまたはログインパスワード")
    expect(page.get_by_label("ログインID")).to_have_value(login_id)  # kept
    expect(page.get_by_label("ログインパスワード")).to_have_value("")  # never kept
    loads(page, page.go_back, "ログイン")
    loads(page, page.go_forward, "ログイン")
    expect(page.locator("#error")).to_have_count(0)  # the message is shown once

    page.get_by_label("ログインID").fill(login_id)
    page.get_by_label("ログインパスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ワンタイムパスワードトークン発行")
    page.get_by_label("送付先メールアドレス").fill("back@example.jp")
    page.get_by_label("利用開始パスワード", exact=True).fill("1234")
    page.get_by_label("利用開始パスワード（確認用）").fill("4321")
    page.get_by_role("button", name="トークン発行", exact=True).click()
    expect(page.locator("#error")).to_contain_text("利用開始パスワードが一致しません")
    expect(page.get_by_label("送付先メールアドレス")).to_have_value("back@example.jp")
    expect(page.get_by_label("利用開始パスワード", exact=True)).to_have_value("")
    loads(page, page.go_back, "ワンタイムパスワードトークン発行")
    loads(page, page.go_forward, "ワンタイムパスワードトークン発行")
