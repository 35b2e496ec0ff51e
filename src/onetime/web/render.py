"""Jinja2 templates → HTML responses, with the translator and the page's CSRF token."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from onetime.domain.errors import OnetimeError
from onetime.web import http
from onetime.web.i18n import LANGUAGES, Translator

TEMPLATES = Path(__file__).parent / "templates"

_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def language(request: Request) -> str:
    lang = request.cookies.get(http.cookie_name(request, http.LANG_COOKIE))
    return lang if lang in LANGUAGES else "ja"


def translator(request: Request) -> Translator:
    cached = getattr(request.state, "translator", None)
    if cached is None:
        institution = getattr(request.state, "institution", None)
        zone = institution.settings.timezone if institution else "Asia/Tokyo"
        cached = request.state.translator = Translator(language(request), zone)
    return cached


def bank_name(request: Request) -> str:
    institution = getattr(request.state, "institution", None)
    if institution is not None:
        return institution.name
    try:
        site = request.app.state.site
        return site.institutions.get(http.config_of(request).service_id).name
    except OnetimeError:
        return "onetime"


def render(request: Request, template: str, *, status: int = 200, csrf: str | None = None,
           **context: object) -> HTMLResponse:
    """Render `template`; `csrf` is the token the page's forms carry (the session's,
    or the anonymous double-submit one when None)."""
    t = translator(request)
    page = {
        "t": t, "lang": t.lang, "path": request.url.path, "bank": bank_name(request),
        "csrf_token": csrf if csrf is not None else http.anonymous_csrf(request),
        "demo": http.config_of(request).demo, "me": None, "staff": None, "flash": None,
        "error": None, "area": "customer", "tab": None,
    }
    page.update(context)
    response = HTMLResponse(_env.get_template(template).render(page), status_code=status)
    new_csrf = getattr(request.state, "new_csrf", None)
    if new_csrf:
        http.set_cookie(response, request, http.CSRF_COOKIE, new_csrf)
    return response


def error_page(request: Request, code: str, status: int, *,
               error: OnetimeError | None = None, area: str = "customer") -> HTMLResponse:
    t = translator(request)
    message = t.error(error if error is not None else code)
    return render(request, "error.html", status=status, message=message, area=area,
                  csrf="")
