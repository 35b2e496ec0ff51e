"""What routes depend on: the site's services, the signed-in person, checked forms.

Every POST route takes one of the `*_form` dependencies, each of which checks the
CSRF token before the route runs (tests/web enumerate the routes to hold this).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Request

from onetime.banking.domain.banks import Bank
from onetime.banking.domain.errors import NotPermitted
from onetime.banking.domain.people import BranchStaff
from onetime.banking.domain.sessions import WebSession
from onetime.banking.service.services import SiteServices
from onetime.banking.service.users import Standing
from onetime.web import http

MAX_FIELD = 2000
# With an initial password, only パスワード変更 and ログアウト are open (web/routes/password.py).
PASSWORD_PAGE = "/password"  # noqa: S105 - a path, not a password
OPEN_WITH_INITIAL_PASSWORD = frozenset({PASSWORD_PAGE, "/logout"})


def site(request: Request) -> SiteServices:
    return request.app.state.site


def institution(request: Request) -> Bank:
    inst = site(request).institutions.get(http.config_of(request).service_id)
    request.state.institution = inst
    return inst


async def posted(request: Request) -> dict[str, str]:
    """The urlencoded form, text fields only, each cut to a sane length."""
    data = await request.form()
    return {k: v[:MAX_FIELD] for k, v in data.items() if isinstance(v, str)}


@dataclass
class Customer:
    session: WebSession
    token: str
    institution: Bank
    standing: Standing

    @property
    def csrf(self) -> str:
        return self.session.csrf


@dataclass
class Staff:
    session: WebSession
    token: str
    institution: Bank
    staff: BranchStaff

    @property
    def csrf(self) -> str:
        return self.session.csrf


def customer(request: Request) -> Customer:
    """The signed-in customer user. Raises LoginRequired."""
    inst = institution(request)
    token = http.read_cookie(request, http.CUSTOMER_COOKIE)
    row = site(request).sessions.load(token, "customer")
    if row is None or row.institution_id != inst.id:
        raise http.LoginRequired("customer", expired=token is not None)
    standing = site(request).users.standing(inst, row.principal_id)
    # Revoked or suspended since sign-in, wherever that happened: the session is over.
    if site(request).sessions.end_if_outlived(row, standing.token):
        raise http.LoginRequired("customer", expired=True)
    if standing.user.must_change_password and \
            request.url.path not in OPEN_WITH_INITIAL_PASSWORD:
        raise http.Redirect(PASSWORD_PAGE)
    return Customer(row, token or "", inst, standing)


def ready(who: Customer = Depends(customer)) -> Customer:
    """A customer past issuance and confirmation (rules 4-7); else to トークン発行."""
    if who.standing.needs_issuance:
        raise http.Redirect("/issuance")
    return who


def manager(who: Customer = Depends(ready)) -> Customer:
    """管理 is for master and admin users."""
    if not who.standing.user.manages_users:
        raise NotPermitted("only master and admin users manage users")
    return who


def staff(request: Request) -> Staff:
    inst = institution(request)
    token = http.read_cookie(request, http.BRANCH_COOKIE)
    row = site(request).sessions.load(token, "branch")
    if row is None or row.institution_id != inst.id:
        raise http.LoginRequired("branch", expired=token is not None)
    return Staff(row, token or "", inst, site(request).branch.staff(inst, row.principal_id))


def customer_form(who: Customer = Depends(customer),
                  form: dict[str, str] = Depends(posted)) -> dict[str, str]:
    http.check_csrf(form, who.csrf)
    return form


@dataclass(frozen=True)
class Upload:
    """A multipart form: its text fields, and the bytes of its one file (cut at `limit`
    + 1, so the service can tell a file too large without reading it all)."""

    fields: dict[str, str]
    data: bytes


def uploaded(limit: int):
    """The dependency reading a customer's upload form, its CSRF token checked first."""

    async def read(request: Request, who: Customer = Depends(customer)) -> Upload:
        data = await request.form(max_files=1, max_fields=20)
        fields = {k: v[:MAX_FIELD] for k, v in data.items() if isinstance(v, str)}
        http.check_csrf(fields, who.csrf)
        file = next((v for v in data.values() if not isinstance(v, str)), None)
        return Upload(fields, await file.read(limit + 1) if file is not None else b"")

    return read


def staff_form(who: Staff = Depends(staff),
               form: dict[str, str] = Depends(posted)) -> dict[str, str]:
    http.check_csrf(form, who.csrf)
    return form


def anonymous_form(request: Request, form: dict[str, str] = Depends(posted)) -> dict[str, str]:
    http.check_csrf(form, http.read_cookie(request, http.CSRF_COOKIE))
    return form


def any_form(request: Request, form: dict[str, str] = Depends(posted)) -> dict[str, str]:
    """The language switch sits on every page: the token of whichever page it came from."""
    candidates = [http.read_cookie(request, http.CSRF_COOKIE)]
    for cookie, kind in ((http.CUSTOMER_COOKIE, "customer"), (http.BRANCH_COOKIE, "branch")):
        token = http.read_cookie(request, cookie)
        if token:
            row = site(request).sessions.load(token, kind)
            candidates.append(row.csrf if row else None)
    for expected in candidates:
        try:
            http.check_csrf(form, expected)
            return form
        except http.CsrfFailed:
            continue
    raise http.CsrfFailed
