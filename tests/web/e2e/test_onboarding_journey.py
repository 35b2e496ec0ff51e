"""Onboarding in Chromium, in Japanese and in English: the branch registers a contract →
the master signs in with the initial password → must change it → adds a general user with
rights and limits → that user signs in and changes their password too."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from onetime.i18n import messages

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site-e2e")]


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def in_language(page: Page, lang: str, t: dict) -> None:
    """Japanese is the default; English is the switch on every page."""
    if lang == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")


def sign_in(page: Page, path: str, login_id: str, password: str) -> None:
    page.locator("#login_id").fill(login_id)
    page.locator("#password").fill(password)
    page.locator("main button[type=submit]").click()


def change_password(page: Page, t: dict, initial: str, new: str, confirmation: str) -> None:
    heading(page, t["password.title"])
    expect(page.locator("#password-lead")).to_have_text(t["password.required"])
    # Every other page leads back here until the password is changed.
    page.goto("/top")
    heading(page, t["password.title"])
    page.get_by_label(t["password.current"]).fill(initial)
    page.locator("#new_password").fill(initial)  # the same again: refused, said why
    page.locator("#new_password_again").fill(initial)
    page.locator("#new_confirmation").fill(confirmation)
    page.locator("#new_confirmation_again").fill(confirmation)
    page.locator("#change-password").click()
    expect(page.locator("#error")).to_have_text(t["error.password_reused"])
    page.get_by_label(t["password.current"]).fill(initial)
    page.locator("#new_password").fill(new)
    page.locator("#new_password_again").fill(new)
    page.locator("#new_confirmation").fill(confirmation)
    page.locator("#new_confirmation_again").fill(confirmation)
    page.locator("#change-password").click()
    heading(page, t["top.title"])
    expect(page.get_by_role("status")).to_have_text(t["password.done"])


@pytest.mark.parametrize(("lang", "number"), [("ja", "9100001"), ("en", "9100002")])
def test_branch_to_master_to_general_user(served, new_page, shoot, lang, number):
    t = messages(lang, "site")
    master_login, general_login = f"{lang}-master-{number}", f"{lang}-general-{number}"

    # 店舗窓口: ご契約先登録, the initial password shown once.
    branch = new_page()
    branch.goto("/branch/login")
    in_language(branch, lang, t)
    sign_in(branch, "/branch/login", "branch01", "Branch-pass1")
    heading(branch, t["branch.home"])
    branch.locator("#new-contract").click()
    heading(branch, t["onboard.contract_title"])
    branch.get_by_label(t["branch.contract_number"]).fill("12x")  # bad: told, nothing booked
    branch.get_by_label(t["branch.contract_name"]).fill("Journey Trading")
    branch.locator("#master_login").fill(master_login)
    branch.locator("#master_name").fill("Journey Taro")
    branch.locator("#add-contract").click()
    expect(branch.locator("#error")).to_have_text(t["error.invalid_contract_number"])
    expect(branch.locator("#master_login")).to_have_value(master_login)
    branch.get_by_label(t["branch.contract_number"]).fill(number)
    branch.locator("#add-contract").click()
    heading(branch, t["onboard.contract_added"])
    master_initial = branch.locator("#initial-password").inner_text().strip()
    shoot(branch, f"20-{lang}-contract-added")

    # The master: the initial password, then パスワード変更 before anything else.
    master = new_page()
    master.goto("/login")
    in_language(master, lang, t)
    sign_in(master, "/login", master_login, master_initial)
    change_password(master, t, master_initial, "Master-new1", "Master-conf9")

    # 管理 → 利用者管理 → 利用者一覧 → 利用者登録 with rights and limits.
    master.get_by_role("link", name=t["nav.manage"]).click()
    master.locator("#user-management").click()
    master.locator("#task-users").click()
    heading(master, t["users.list_title"])
    master.locator("#add-user").click()
    heading(master, t["users.add_title"])
    master.locator("#login_id").fill(general_login)
    master.get_by_label(t["col.name"]).fill("Journey Hanako")
    master.get_by_label(t["op.transfer"]).check()
    master.get_by_label(t["op.payeasy"]).check()
    master.get_by_label(t["users.limit_per_transfer"]).fill("99,999,999")  # over the contract's
    master.get_by_label(t["users.limit_per_day"]).fill("500000")
    master.get_by_label(t["stepup.confirmation_password"]).fill("Master-conf9")
    master.locator("#save-user").click()
    expect(master.locator("#error")).to_have_text(t["error.limit_over_contract"])
    master.get_by_label(t["users.limit_per_transfer"]).fill("100000")
    master.get_by_label(t["stepup.confirmation_password"]).fill("Master-conf9")
    master.locator("#save-user").click()
    heading(master, t["users.added_title"])
    general_initial = master.locator("#initial-password").inner_text().strip()
    shoot(master, f"21-{lang}-user-added")
    master.locator("#to-list").click()
    row = master.locator(f"#user-{general_login}")
    expect(row).to_contain_text("Journey Hanako")
    expect(row).to_contain_text(t["role.general"])

    # The new user: initial password, パスワード変更, then the top page.
    general = new_page()
    general.goto("/login")
    in_language(general, lang, t)
    sign_in(general, "/login", general_login, general_initial)
    change_password(general, t, general_initial, "General-new1", "General-conf9")
    shoot(general, f"22-{lang}-password-changed")
