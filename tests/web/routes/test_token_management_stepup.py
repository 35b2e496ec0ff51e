"""Issue 12.6: the トークン管理 screens (token states, 利用停止解除, トークンの失効) are reached
through the step-up when the institution's policy asks a code for token management, and
directly when it does not."""

from __future__ import annotations

import pytest

from tests.banking.world import activate, code, wrong
from tests.web.routes.conftest import log_in, open_token_management, page_token, refused

SCREENS = ("/manage/tokens", "/manage/release", "/manage/revoke")


def without_code_for_token_management(world) -> None:
    world.services.institutions.configure(world.institution.service_id,
                                          otp_operations=["transfer", "payeasy"])


class TestPolicyAsksACode:
    def test_every_token_screen_leads_to_the_step_up_first(self, client, world, clock):
        activate(world, world.master, clock)
        log_in(client, "demo-master")
        for path in SCREENS:
            assert client.get(path).headers["location"] == "/manage/tokens/stepup", path
        page = client.get("/manage/tokens/stepup").text
        assert "トークン管理" in page
        assert 'name="confirmation_password"' in page
        assert 'name="code"' in page

    def test_a_forged_revocation_without_the_step_up_changes_nothing(self, client, world,
                                                                     clock):
        secret = activate(world, world.master, clock)
        activate(world, world.general, clock)
        log_in(client, "demo-master")
        token = page_token(client, "/manage")
        response = client.post("/manage/revoke/confirm", data={
            "csrf_token": token, "target": str(world.general.id),
            "confirmation_password": "Master-conf1", "code": code(secret, clock)})
        assert response.headers["location"] == "/manage/tokens/stepup"
        assert world.site.tokens.get_token(world.institution, "demo-general").state == "active"

    def test_a_wrong_code_keeps_them_closed(self, client, world, clock):
        secret = activate(world, world.master, clock)
        log_in(client, "demo-master")
        token = page_token(client, "/manage/tokens/stepup")
        response = client.post("/manage/tokens/stepup", data={
            "csrf_token": token, "confirmation_password": "Master-conf1",
            "code": wrong(code(secret, clock))})
        assert "ワンタイムパスワードが正しくありません" in refused(
            client, response, "/manage/tokens/stepup")
        assert client.get("/manage/tokens").headers["location"] == "/manage/tokens/stepup"

    def test_the_step_up_opens_them_for_a_while(self, client, world, clock):
        secret = activate(world, world.master, clock)
        log_in(client, "demo-master")
        open_token_management(client, "demo-master", secret, clock)
        states = client.get("/manage/tokens")
        assert states.status_code == 200
        assert "トークン発行状況" in states.text
        assert "demo-general" in states.text
        for path in SCREENS:
            assert client.get(path).status_code == 200, path
        with world.site.ctx.db.read() as conn:
            entries = world.site.ctx.audit.page(conn, world.institution.id, after_id=0,
                                                limit=500)
        assert ("code_verified", "token_management", "accepted") in [
            (e.event, e.operation, e.result) for e in entries]
        clock.advance(10 * 60)  # GRANT after the step-up (which was one step earlier)
        assert client.get("/manage/tokens").headers["location"] == "/manage/tokens/stepup"

    def test_another_session_of_the_same_user_is_not_opened(self, web, world, clock):
        secret = activate(world, world.master, clock)
        first, second = web.client(), web.client()
        log_in(first, "demo-master")
        log_in(second, "demo-master")
        open_token_management(first, "demo-master", secret, clock)
        assert first.get("/manage/tokens").status_code == 200
        assert second.get("/manage/tokens").headers["location"] == "/manage/tokens/stepup"


class TestPolicyAsksNoCode:
    @pytest.mark.parametrize("path", SCREENS)
    def test_the_screens_open_directly(self, client, world, clock, path):
        activate(world, world.master, clock)
        without_code_for_token_management(world)
        log_in(client, "demo-master")
        assert client.get(path).status_code == 200
        assert client.get("/manage/tokens/stepup").headers["location"] == "/manage/tokens"
