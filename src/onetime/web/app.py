"""The site's ASGI app: routes, error pages, security headers, the stylesheet."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse

from onetime.banking.domain import errors as se
from onetime.banking.service.services import SiteServices
from onetime.domain import errors as e
from onetime.web import http
from onetime.web.config import SiteConfig
from onetime.web.render import error_page
from onetime.web.routes import (
    approvals,
    auth,
    branch,
    bulk,
    devmail,
    issuance,
    management,
    onboarding,
    password,
    payeasy,
    top,
    transfer,
    users,
)
from onetime.web.security import ErrorPages, SecurityHeaders

STATIC = Path(__file__).parent / "static"

# Errors a route did not turn into a form message: the page's status.
STATUS: list[tuple[type[e.OnetimeError], int]] = [
    (se.NotPermitted, 403),
    (se.UserNotFound, 404),
    (se.ContractNotFound, 404),
    (se.UnknownStaff, 403),
    (e.UnknownInstitution, 503),
    (e.InvalidInput, 400),
    (se.LoginThrottled, 429),
]
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}


def _area(request: Request) -> str:
    return "branch" if request.url.path.startswith("/branch") else "customer"


def create_site(site: SiteServices, config: SiteConfig) -> FastAPI:
    app = FastAPI(title="onetime banking site", openapi_url=None, docs_url=None,
                  redoc_url=None)
    app.state.site = site
    app.state.site_config = config

    @app.exception_handler(http.Redirect)
    async def _redirect(_request: Request, exc: http.Redirect):
        return RedirectResponse(exc.url, status_code=303)

    @app.exception_handler(http.LoginRequired)
    async def _login(request: Request, exc: http.LoginRequired):
        base = "/branch/login" if exc.area == "branch" else "/login"
        response = RedirectResponse(base + ("?expired=1" if exc.expired else ""),
                                    status_code=303)
        cookie = http.BRANCH_COOKIE if exc.area == "branch" else http.CUSTOMER_COOKIE
        http.clear_cookie(response, request, cookie)
        return response

    @app.exception_handler(http.CsrfFailed)
    async def _csrf(request: Request, _exc: http.CsrfFailed):
        return error_page(request, "csrf_failed", 403, area=_area(request))

    @app.exception_handler(e.OnetimeError)
    async def _domain(request: Request, exc: e.OnetimeError):
        status = next((s for cls, s in STATUS if isinstance(exc, cls)), 409)
        return error_page(request, exc.code, status, error=exc, area=_area(request))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, _exc: RequestValidationError):
        # Only path parameters are validated by FastAPI here (an id that is not a number).
        return error_page(request, "not_found", 404, area=_area(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = HTTP_CODES.get(exc.status_code, "error")
        return error_page(request, code, exc.status_code, area=_area(request))

    @app.exception_handler(e.ServiceUnavailable)
    async def _unavailable(request: Request, exc: e.ServiceUnavailable):
        response = error_page(request, exc.code, 503, area=_area(request))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    # onboarding before branch: /branch/contracts/new is not a contract's ID.
    for module in (auth, password, issuance, top, management, users, transfer, bulk,
                   approvals, payeasy, onboarding, branch):
        app.include_router(module.router)
    if config.demo:
        app.include_router(devmail.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(ErrorPages)
    app.add_middleware(SecurityHeaders)
    return app
