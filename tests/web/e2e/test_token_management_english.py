"""トークン管理 in real Chromium, in English (issue 12 point 7): an admin user passes the
step-up, sees the token issuance status, releases a suspended user (利用停止解除) and
revokes another user's token (トークンの失効), each screen with its English labels and
result messages; a general user, without the right, is refused every one of them.

The contract is this module's own (a number no other journey seeds), so the other
journeys' users and clock steps are not its."""

from __future__ import annotations

import re
from datetime import timedelta
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
from tests.web.e2e.test_bulk_journey import sign_in_with_a_new_token
from tests.web.e2e.test_manual_journey import heading, wrong_code

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site-e2e")]

NUMBER = "9100091"
ADMIN = ("tm-admin01", "Token Admin", Role.ADMIN, "Tokadm-pass1", "Tokadm-conf1")
PAUSED = ("tm-gen01", "Paused Pat", Role.GENERAL, "Tokgen-pass1", "Tokgen-conf1")
MOVING = ("tm-gen02", "Moving Mo", Role.GENERAL, "Tokgen-pass2", "Tokgen-conf2")
PLAIN = ("tm-gen03", "Plain Pia", Role.GENERAL, "Tokgen-pass3", "Tokgen-conf3")
NEVER = ("tm-gen04", "Never Nell", Role.GENERAL, "Tokgen-pass4", "Tokgen-conf4")  # no token
TOKYO = ZoneInfo("Asia/Tokyo")
# Kana and kanji: an English page shows none outside the users' own data.
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


def _context(served) -> Context:
    base = served.clock_file.parent  # where the served fixture keeps its files
    return Context(db=Database(f"sqlite:///{base / 'onetime.db'}"),
                   keyring=KeyRing(FileKeyProvider.open(base / "keys.json")),
                   clock=FileClock(str(served.clock_file)), setup_kdf=TEST_KDF)


@pytest.fixture(scope="module")
def contract(served):
    """The module's contract, OTP enabled, written beside the running server."""
    ctx = _context(served)
    try:
        services = Services.from_context(ctx)
        seed_demo(local_site(services, kdf_profile="test"),
                  services.institutions.get(SERVICE_ID), contract_number=NUMBER,
                  name="Token Test Co., Ltd.", staff=None, otp_enabled=True,
                  users=[ADMIN, PAUSED, MOVING, PLAIN, NEVER])
    finally:
        ctx.db.dispose()


def _suspend(served, login_id: str, token) -> None:
    """Rule 8's set number of wrong codes, through the service on the served database,
    as the token app's verifications would arrive."""
    ctx = _context(served)
    try:
        services = Services.from_context(ctx)
        institution = services.institutions.get(SERVICE_ID, fresh=True)
        bad = wrong_code(served.code(token))
        for _ in range(institution.settings.max_failures):
            services.tokens.verify(institution, login_id, bad, "transfer")
        assert services.tokens.get_token(institution, login_id).state == "suspended"
    finally:
        ctx.db.dispose()


def english(new_page) -> Page:
    page = new_page("en-US")
    page.goto("/login")
    page.get_by_role("button", name="English").click()
    heading(page, "Log in")
    return page


def signed_in(new_page, served, who):
    page = english(new_page)
    token = sign_in_with_a_new_token(page, served, who[0], who[3], f"{who[0]}@example.jp")
    heading(page, "Top page")
    return page, token


def all_english(page: Page) -> None:
    """No Japanese label left on the page's main part (user data here is Latin)."""
    text = page.locator("main").inner_text()
    assert not JAPANESE.search(text), f"untranslated text on {page.url}: {text!r}"


def test_an_admin_user_releases_and_revokes_in_english(served, new_page, shoot, contract):
    paused_page, paused_token = signed_in(new_page, served, PAUSED)
    moving_page, _moving_token = signed_in(new_page, served, MOVING)
    _suspend(served, PAUSED[0], paused_token)
    paused_page.goto("/top")  # suspended elsewhere (the API): the session is over
    heading(paused_page, "Log in")

    admin, token = signed_in(new_page, served, ADMIN)
    admin.get_by_role("link", name="Management").click()
    heading(admin, "Select a service")
    admin.get_by_role("link", name="Token management").click()

    # The step-up: nothing is shown before it; a wrong code is refused in English.
    heading(admin, "Token management")
    expect(admin.locator("main")).to_contain_text(
        "To manage tokens, enter your confirmation password and one-time password")
    expect(admin.locator("#token-states")).to_have_count(0)
    all_english(admin)
    admin.get_by_label("Confirmation password").fill(ADMIN[4])
    admin.get_by_label("One-time password").fill(wrong_code(served.code(token)))
    admin.get_by_role("button", name="Next").click()
    expect(admin.locator("#error")).to_have_text(
        "The one-time password is incorrect. After 9 more wrong attempts your one-time "
        "password use will be suspended.")
    expect(admin.locator("#token-states")).to_have_count(0)
    admin.get_by_label("Confirmation password").fill(ADMIN[4])
    admin.get_by_label("One-time password").fill(served.code(token))
    admin.get_by_role("button", name="Next").click()

    # トークン管理: the issuance status of every user of the contract.
    heading(admin, "Token management")
    expect(admin.get_by_role("heading", level=2)).to_have_text("Token issuance status")
    states = admin.locator("#token-states")
    expect(states.locator("thead th")).to_have_text(
        ["Login ID", "User name", "Role", "One-time password status"])
    expect(states.locator("tr", has_text=PAUSED[0])).to_contain_text("Suspended")
    expect(states.locator("tr", has_text=PAUSED[0])).to_contain_text("General user")
    expect(states.locator("tr", has_text=MOVING[0])).to_contain_text("In use")
    expect(states.locator("tr", has_text=ADMIN[0])).to_contain_text("Admin user")
    expect(states.locator("tr", has_text=NEVER[0])).to_contain_text("Not issued")
    all_english(admin)
    shoot(admin, "40-token-management-en")

    # 利用停止解除: the suspended user is the only one to pick; the password releases.
    admin.get_by_role("link", name="Release a one-time password suspension").click()
    heading(admin, "One-time password suspensions")
    expect(admin.locator("main")).to_contain_text(
        "Select the user, check the details, enter your confirmation password and press "
        "Release.")
    expect(admin.get_by_role("radio")).to_have_count(1)
    expect(admin.locator("#code")).to_have_count(0)  # the manual asks the password only
    all_english(admin)
    admin.get_by_role("radio", name=PAUSED[1]).check()
    admin.get_by_label("Confirmation password").fill("Wrong-conf9")
    admin.get_by_role("button", name="Release").click()
    expect(admin.locator("#error")).to_have_text("The confirmation password is incorrect.")
    heading(admin, "One-time password suspensions")  # nothing released
    all_english(admin)
    admin.get_by_role("radio", name=PAUSED[1]).check()
    admin.get_by_label("Confirmation password").fill(ADMIN[4])
    admin.get_by_role("button", name="Release").click()
    heading(admin, "Suspension release result")
    expect(admin.get_by_role("status")).to_have_text(
        "The one-time password suspension of this user has been released.")
    result = admin.locator("#result")
    expect(result).to_contain_text(PAUSED[0])
    expect(result).to_contain_text(PAUSED[1])
    expect(result).to_contain_text("In use")
    expect(result).to_contain_text("Completed")
    all_english(admin)
    shoot(admin, "41-release-result-en")
    # Released: the user signs in again and is at work, no suspension notice.
    paused_page.fill("#login_id", PAUSED[0])
    paused_page.fill("#password", PAUSED[3])
    paused_page.press("#password", "Enter")
    heading(paused_page, "Top page")
    expect(paused_page.locator("#suspension")).to_have_count(0)

    # トークンの失効: pick the user, a page that names them, password and code, Revoke.
    admin.get_by_role("link", name="Select a task").click()
    heading(admin, "Select a task")
    admin.get_by_role("link", name="Revoke a token").click()
    heading(admin, "Token revocation")
    expect(admin.locator("main")).to_contain_text(
        "Before changing smartphones or deleting the app, revoke the token.")
    expect(admin.get_by_role("radio", name=ADMIN[1])).to_have_count(0)  # not oneself
    expect(admin.locator("tr", has_text=ADMIN[0])).to_contain_text(
        "You cannot revoke your own token")
    all_english(admin)
    admin.get_by_role("radio", name=MOVING[1]).check()
    admin.get_by_role("button", name="Next").click()
    heading(admin, "Confirm token revocation")
    expect(admin.locator("#target-name")).to_have_text(MOVING[1])
    expect(admin.locator("#target-user-id")).to_have_text(MOVING[0])
    expect(admin.locator("#target")).to_contain_text("In use")
    expect(admin.locator("#revoke-effect")).to_contain_text(
        f"Once revoked, {MOVING[1]}'s token no longer gives one-time passwords.")
    expect(admin.locator("#revoke-reopens")).to_contain_text(
        "Setup opens about 30 minutes after the revocation")
    all_english(admin)
    served.advance(60)  # the step-up used this step's code
    admin.get_by_label("Confirmation password").fill(ADMIN[4])
    admin.get_by_label("One-time password").fill(served.code(token))
    shoot(admin, "42-revocation-confirm-en")
    revoked_at = served.now()
    admin.get_by_role("button", name="Revoke").click()
    heading(admin, "Token revocation result")
    expect(admin.get_by_role("status")).to_have_text("The token of this user has been revoked.")
    expect(admin.locator("#result")).to_contain_text(MOVING[0])
    expect(admin.locator("#result")).to_contain_text("Revoked")
    opens = revoked_at + timedelta(minutes=30)
    expect(admin.locator("#setup-available-at")).to_have_text(
        f"{opens.astimezone(TOKYO):%-d %b %Y, %-H:%M}")
    expect(admin.locator("#embargo-note")).to_have_text(
        "Setup opens about 30 minutes after a revocation. Log in after that and set up "
        "the one-time password again.")
    all_english(admin)
    shoot(admin, "43-revocation-result-en")
    # The revocation ended the revoked user's session.
    moving_page.goto("/top")
    heading(moving_page, "Log in")
    served.advance(60)  # the next step-up of this user takes a fresh code


def test_a_general_user_with_a_token_is_refused_in_english(served, new_page, contract):
    page, _token = signed_in(new_page, served, PLAIN)
    expect(page.get_by_role("link", name="Management")).to_have_count(0)
    for path in ("/manage", "/manage/users", "/manage/tokens", "/manage/tokens/stepup",
                 "/manage/release", "/manage/revoke", "/manage/revoke/confirm"):
        response = page.goto(path)
        assert response is not None, path
        assert response.status == 403, path
        heading(page, "Error")
        expect(page.locator("#error-message")).to_have_text(
            "You are not permitted to do this.")
        all_english(page)
