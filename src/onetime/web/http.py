"""Cookies, CSRF and the control-flow exceptions of the site's routes."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from starlette.responses import Response

from onetime.web.config import LOOPBACK_HOSTS, SiteConfig

CUSTOMER_COOKIE = "onetime_session"
BRANCH_COOKIE = "onetime_branch"
CSRF_COOKIE = "onetime_csrf"
LANG_COOKIE = "onetime_lang"
CSRF_FIELD = "csrf_token"


class Redirect(Exception):
    """Answer with 303 See Other to `url` (Post/Redirect/Get, and stage gating)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class LoginRequired(Exception):
    """No live session: back to the login page of `area`, saying why if it timed out."""

    def __init__(self, area: str, *, expired: bool) -> None:
        super().__init__(area)
        self.area, self.expired = area, expired


class CsrfFailed(Exception):
    """A POST without the token of the page it claims to come from."""

    code = "csrf_failed"


def config_of(request: Request) -> SiteConfig:
    return request.app.state.site_config


def secure(request: Request) -> bool:
    """Cookies are Secure unless the demo/test switch is on and the host is loopback."""
    cfg = config_of(request)
    return not (cfg.insecure_loopback_cookies and request.url.hostname in LOOPBACK_HOSTS)


def cookie_name(request: Request, base: str) -> str:
    # __Host-: Secure, Path=/, no Domain; a sibling subdomain cannot plant or shadow it.
    return f"__Host-{base}" if secure(request) else base


def read_cookie(request: Request, base: str) -> str | None:
    return request.cookies.get(cookie_name(request, base))


def set_cookie(response: Response, request: Request, base: str, value: str) -> None:
    response.set_cookie(cookie_name(request, base), value, path="/", secure=secure(request),
                        httponly=True, samesite="lax")


def clear_cookie(response: Response, request: Request, base: str) -> None:
    response.delete_cookie(cookie_name(request, base), path="/", secure=secure(request),
                           httponly=True, samesite="lax")


def anonymous_csrf(request: Request) -> str:
    """The double-submit token of pages shown before sign-in; made on first use."""
    token = read_cookie(request, CSRF_COOKIE)
    if not token or len(token) > 64:
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def check_csrf(form: dict[str, str], expected: str | None) -> None:
    """Raises CsrfFailed unless the form carries `expected` (compared in constant time)."""
    presented = form.get(CSRF_FIELD, "")
    if not expected or not presented or not hmac.compare_digest(
            presented.encode(), expected.encode()):
        raise CsrfFailed


def local_path(value: str | None, default: str = "/") -> str:
    """`value` if it is a path on this site (no scheme, no //host): no open redirects."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


def source_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
