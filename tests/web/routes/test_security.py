"""CSRF on every form, cookies, headers, error pages, idle sessions, no open redirects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.routing import APIRoute

from onetime.banking.domain.people import Role
from tests.banking.world import activate
from tests.web.routes.conftest import (
    build,
    csrf_of,
    log_in,
    open_token_management,
    page_token,
    refused,
)

CSRF_MESSAGE = "画面の有効期限が切れたか、不正な画面遷移です"


def post_routes(site_app) -> list[str]:
    """Every POST path of the site, through included routers too."""
    found: list[str] = []

    def walk(routes) -> None:
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI's included router
                walk(route.original_router.routes)
            elif isinstance(route, APIRoute) and "POST" in route.methods:
                found.append(route.path)

    walk(site_app.routes)
    return sorted(found)


def concrete(path: str, world) -> str:
    return (path.replace("{contract_id}", str(world.contract.id))
            .replace("{site_user_id}", str(world.general.id))
            .replace("{action}", "release"))


class TestCsrf:
    def test_every_post_route_refuses_a_missing_or_wrong_token(self, web, world, clock):
        activate(world, world.master, clock)
        client = web.client()
        assert log_in(client, "demo-master").status_code == 303
        assert log_in(client, "branch01", branch=True).status_code == 303
        routes = post_routes(web.site_app)
        assert len(routes) >= 12  # every form of the site and the console
        for path in routes:
            for data in ({}, {"csrf_token": "forged"}):
                response = client.post(concrete(path, world), data={**data, "reason": "x"})
                assert response.status_code == 403, path
                assert CSRF_MESSAGE in response.text, path

    def test_a_refused_form_changes_nothing(self, web, world):
        contract = world.site.users.add_contract(world.institution, "6000006", "未申込商事")
        client = web.client()
        log_in(client, "branch01", branch=True)
        client.post(f"/branch/contracts/{contract.id}/otp", data={"reason": "forged"})
        assert not world.site.users.contract(world.institution, contract.id).otp_enabled

    def test_one_sessions_token_does_not_pass_for_another(self, web, world, clock):
        activate(world, world.master, clock)
        mine, theirs = web.client(), web.client()
        log_in(mine, "demo-master")
        log_in(theirs, "demo-admin")
        stolen = page_token(theirs, "/issuance")
        response = mine.post("/logout", data={"csrf_token": stolen})
        assert response.status_code == 403


class TestCookies:
    def test_session_cookie_is_secure_httponly_lax_and_host_prefixed(self, client):
        response = log_in(client, "demo-master")
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-onetime_session=")
        for flag in ("Secure", "HttpOnly", "SameSite=lax", "Path=/"):
            assert flag in cookie
        assert "Domain" not in cookie

    def test_secure_is_dropped_only_for_loopback_http_when_allowed(self, world, services,
                                                                    tmp_path):
        relaxed = build(services, world.institution, tmp_path, insecure_loopback_cookies=True)
        loopback = relaxed.client("http://127.0.0.1")
        cookie = log_in(loopback, "demo-master").headers["set-cookie"]
        assert cookie.startswith("onetime_session=")
        assert "Secure" not in cookie
        assert "HttpOnly" in cookie
        elsewhere = relaxed.client("http://bank.example.jp")
        response = elsewhere.get("/login")
        assert "Secure" in response.headers["set-cookie"]

    def test_a_new_session_at_every_login(self, client):
        first = log_in(client, "demo-master").cookies
        client.cookies.clear()
        second = log_in(client, "demo-master").cookies
        assert first["__Host-onetime_session"] != second["__Host-onetime_session"]


class TestHeaders:
    @pytest.mark.parametrize("path", ["/login", "/branch/login", "/no-such-page",
                                      "/static/site.css"])
    def test_security_headers_everywhere(self, client, path):
        headers = client.get(path).headers
        assert "script-src" not in headers["content-security-policy"]  # default-src 'none'
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["strict-transport-security"].startswith("max-age=")

    def test_pages_are_not_cached_but_the_stylesheet_is(self, client):
        assert client.get("/login").headers["cache-control"] == "no-store"
        assert "no-store" not in client.get("/static/site.css").headers.get("cache-control", "")

    def test_no_inline_script_or_style_in_any_template(self):
        from onetime.web.render import TEMPLATES
        for template in TEMPLATES.glob("*.html"):
            text = template.read_text()
            assert "<script" not in text
            assert "style=" not in text
            assert "<style" not in text


class TestErrorPages:
    def test_unknown_page_is_a_page(self, client):
        response = client.get("/no-such-page")
        assert response.status_code == 404
        assert "お探しのページは見つかりません" in response.text
        assert response.headers["content-type"].startswith("text/html")

    def test_a_crash_shows_a_page_and_no_trace(self, web):
        def boom():
            raise RuntimeError("database password is hunter2")
        web.site_app.add_api_route("/boom", boom)
        response = web.client().get("/boom")
        assert response.status_code == 500
        assert "ただいまサービスをご利用いただけません" in response.text
        assert "Traceback" not in response.text
        assert "hunter2" not in response.text

    def test_api_paths_stay_the_apis(self, client):
        missing = client.get("/api/v1/no-such-thing")
        assert missing.status_code == 404
        assert missing.json()["code"] == "not_found"
        assert client.delete("/api/v1/time").status_code == 405

    def test_a_non_numeric_id_is_not_found(self, client):
        log_in(client, "branch01", branch=True)
        assert client.get("/branch/contracts/abc").status_code == 404


class TestSessions:
    def test_idle_session_goes_back_to_login(self, client, world, clock):
        activate(world, world.master, clock)
        log_in(client, "demo-master")
        assert client.get("/top").status_code == 200
        clock.advance(timedelta(minutes=16))
        response = client.get("/top")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?expired=1"
        page = client.get("/login?expired=1")
        assert "一定時間操作がなかったため" in page.text

    def test_logout_ends_the_session(self, client, world, clock):
        activate(world, world.master, clock)
        log_in(client, "demo-master")
        token = page_token(client, "/top")
        assert client.post("/logout", data={"csrf_token": token}).status_code == 303
        assert client.get("/top").headers["location"].startswith("/login")

    def test_customer_and_branch_sessions_do_not_mix(self, client):
        log_in(client, "demo-master")
        assert client.get("/branch").headers["location"] == "/branch/login"


class TestLogin:
    def test_unknown_id_and_wrong_password_look_the_same(self, web):
        pages = []
        for login_id in ("demo-master", "nobody-here"):
            client = web.client()
            response = log_in(client, login_id, "Wrong-pass1")
            page = refused(client, response, "/login")
            pages.append((response.status_code, response.headers["location"],
                          page.replace(csrf_of(page), "").replace(login_id, "")))
        assert pages[0] == pages[1]
        assert "ログインIDまたはログインパスワードが正しくありません" in pages[0][2]

    def test_throttled_alike_for_known_and_unknown_ids(self, web):
        texts = []
        for login_id in ("demo-admin", "ghost-user"):
            client = web.client()
            for _ in range(5):
                log_in(client, login_id, "Wrong-pass1")
            page = refused(client, log_in(client, login_id, "Admin-pass1"), "/login")
            assert "しばらくの間ログインできません" in page
            texts.append(page.replace(csrf_of(page), "").replace(login_id, ""))
        assert texts[0] == texts[1]

    def test_lang_switch_never_redirects_off_site(self, client):
        token = page_token(client, "/login")
        for target in ("https://evil.example", "//evil.example", "/\\evil.example"):
            response = client.post("/lang", data={"csrf_token": token, "lang": "en",
                                                  "next": target})
            assert response.headers["location"] == "/"

    def test_general_user_has_no_management(self, client, world, clock):
        activate(world, world.general, clock)
        log_in(client, "demo-general")
        response = client.get("/manage")
        assert response.status_code == 403
        assert "権限がありません" in response.text
        assert world.general.role == Role.GENERAL


class TestRefusedForms:
    """Post/Redirect/Get: a refused form is a 303 to the form, which shows why once."""

    def test_a_wrong_login_keeps_the_login_id_and_never_the_password(self, client):
        response = log_in(client, "demo-master", "Wrong-pass7")
        assert response.headers["location"] == "/login"  # no message in the URL
        page = refused(client, response, "/login")
        assert "ログインIDまたはログインパスワードが正しくありません" in page
        assert 'value="demo-master"' in page
        assert "Wrong-pass7" not in page
        assert "Wrong-pass7" not in response.headers.get("set-cookie", "")

    def test_the_message_is_shown_once(self, client):
        refused(client, log_in(client, "demo-master", "Wrong-pass1"), "/login")
        again = client.get("/login").text
        assert "正しくありません" not in again
        assert 'value="demo-master"' not in again

    def test_branch_login(self, client):
        response = log_in(client, "branch01", "Wrong-pass1", branch=True)
        page = refused(client, response, "/branch/login")
        assert "ログインIDまたはログインパスワードが正しくありません" in page
        assert 'value="branch01"' in page

    def test_the_refusal_of_one_login_page_is_not_shown_on_the_other(self, client):
        response = log_in(client, "branch01", "Wrong-pass1", branch=True)
        assert "正しくありません" not in client.get("/login").text
        assert response.headers["location"] == "/branch/login"

    def test_a_tampered_or_foreign_refusal_cookie_shows_nothing(self, web):
        client = web.client()
        log_in(client, "demo-master", "Wrong-pass1")
        cookie = next(c for c in client.cookies.jar if "refusal" in c.name)
        payload, _, mac = cookie.value.partition(".")
        forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + mac
        _replace_cookie(client, cookie, forged)
        assert "正しくありません" not in client.get("/login").text
        # Another browser (another anonymous CSRF token) cannot replay this one's.
        other = web.client()
        other.get("/login")
        _replace_cookie(other, cookie, cookie.value)
        assert "正しくありません" not in other.get("/login").text
        # The genuine cookie does show it: the two checks above are not vacuous.
        _replace_cookie(client, cookie, cookie.value)
        assert "正しくありません" in client.get("/login").text

    def test_the_refusal_cookie_is_short_lived(self, client, clock):
        log_in(client, "demo-master", "Wrong-pass1")
        clock.advance(timedelta(minutes=2))
        assert "正しくありません" not in client.get("/login").text
        log_in(client, "demo-master", "Wrong-pass1")
        clock.advance(timedelta(seconds=30))
        assert "正しくありません" in client.get("/login").text

    def test_no_secret_is_kept_in_the_session(self, client, world, clock):
        from onetime.banking.service.sessions import session_id
        from onetime.banking.storage.sessions import SessionRepository
        from tests.banking.world import code, wrong
        secret = activate(world, world.master, clock)
        activate(world, world.general, clock)
        log_in(client, "demo-master")
        open_token_management(client, "demo-master", secret, clock)
        token = page_token(client, "/manage/revoke")
        client.post("/manage/revoke", data={"csrf_token": token,
                                            "target": str(world.general.id)})
        bad = wrong(code(secret, clock))
        response = client.post("/manage/revoke/confirm", data={
            "csrf_token": token, "target": str(world.general.id),
            "confirmation_password": "Secret-conf9", "code": bad})
        assert response.status_code == 303
        cookie = client.cookies["__Host-onetime_session"]
        with world.site.ctx.db.read() as conn:
            row = SessionRepository().get(conn, session_id(cookie))
        assert row.data.get("refusal"), row.data  # the refusal waits in the session
        assert "Secret-conf9" not in str(row.data)
        assert bad not in str(row.data)
        page = refused(client, response, "/manage/revoke/confirm")
        assert "確認用パスワードが正しくありません" in page


def _replace_cookie(client, cookie, value: str) -> None:
    for held in list(client.cookies.jar):
        if held.name == cookie.name:
            client.cookies.jar.clear(held.domain, held.path, held.name)
    client.cookies.set(cookie.name, value, domain=cookie.domain, path=cookie.path)
