"""The English switch, and the issuance form done with the keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site-e2e")]


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def tab_to(page: Page, element_id: str, limit: int = 25) -> None:
    """Press Tab until `element_id` has the focus (keyboard only, no clicks)."""
    for _ in range(limit):
        if focused_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id} (at #{focused_id(page)})")


def test_issuance_form_with_the_keyboard_only(served, new_page, shoot):
    page = new_page()
    page.goto("/login")
    tab_to(page, "login_id")
    page.keyboard.type("kb-user01")
    page.keyboard.press("Tab")
    page.keyboard.type("Keyboard-pass1")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("ワンタイムパスワードトークン発行")
    tab_to(page, "email")
    page.keyboard.type("kb@example.jp")
    page.keyboard.press("Tab")
    assert focused_id(page) == "activation_password"
    page.keyboard.type("97531")
    page.keyboard.press("Tab")
    assert focused_id(page) == "activation_password_again"
    page.keyboard.type("97531")
    page.keyboard.press("Tab")
    assert focused_id(page) == "issue"  # トークン発行 comes before トークン発行の省略
    shoot(page, "12-keyboard-issuance")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("ワンタイムパスワード認証確認")
    mail = served.mail("kb@example.jp", "トークン発行")
    assert "ユーザID：kb-user01" in mail.body
    # 認証確認 by keyboard too: the code field has the focus, Enter submits.
    token = served.set_up_token("kb-user01", "97531")
    tab_to(page, "code")
    page.keyboard.type(served.code(token))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("トップページ")


def test_english_switch(served, new_page, shoot):
    page = new_page(locale="en-US")
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("ログイン")  # ja by default
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Login ID").fill("en-user01")
    page.get_by_label("Login password").fill("wrong-password1")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#error")).to_have_text("The login ID or login password is incorrect.")
    page.get_by_label("Login ID").fill("en-user01")
    page.get_by_label("Login password").fill("English-pass1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue a one-time password token")
    expect(page.get_by_role("button", name="Issue token", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Skip token issuance")).to_be_visible()
    page.get_by_label("Destination e-mail address").fill("en@example.jp")
    page.get_by_label("Activation password", exact=True).fill("1234")
    page.get_by_label("Activation password (again)").fill("4321")
    page.get_by_role("button", name="Issue token", exact=True).click()
    expect(page.locator("#error")).to_have_text("The two activation passwords differ.")
    shoot(page, "11-english")
    # And back: the language is kept in a cookie across pages.
    page.get_by_role("button", name="日本語").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ワンタイムパスワードトークン発行")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
