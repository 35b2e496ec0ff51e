"""Refused forms, Post/Redirect/Get: the refusal waits on the server side for the form.

A refused POST answers 303 See Other to the form's own GET URL, whose page shows the
catalogue's message for the error's code once, with the non-secret fields filled in
again (never a password, a code or a confirmation password). So every page in the
browser's history is a GET, and back and forward never ask to post again (Chromium's
ERR_CACHE_MISS on a `no-store` page that answered a POST).

Signed-in forms keep the refusal in the server-side session (routes.refuse). The two
login pages have no session yet: their refusal travels in a cookie that lives a minute,
is MACed with the server's key and bound to the browser's anonymous CSRF token, and
names only a code from a fixed list. No message text is ever in a URL.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from onetime.banking.domain.errors import LoginFailed, LoginThrottled, OtpSuspended
from onetime.banking.service.users import Standing
from onetime.domain.errors import OnetimeError
from onetime.web import http
from onetime.web.i18n import Translator

FLASH_COOKIE = "onetime_refusal"
FLASH_LIFETIME = timedelta(seconds=60)
# What a login page's cookie may name: nothing else is shown from it.
ANONYMOUS_CODES = frozenset({LoginFailed.code, LoginThrottled.code, OtpSuspended.code})
MAC_PURPOSE = "site-refusal"
MAX_VALUE = 254  # the longest field kept (an e-mail address)


@dataclass(frozen=True)
class Refusal:
    """Why the form at `form` (its GET URL) was refused, and the fields to show again."""

    form: str
    code: str
    attempts_left: int | None = None
    available_at: datetime | None = None
    values: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: str, error: OnetimeError, values: Mapping[str, str]) -> Refusal:
        return cls(form, error.code, getattr(error, "attempts_left", None),
                   getattr(error, "available_at", None),
                   {k: v[:MAX_VALUE] for k, v in values.items() if v})

    def to_dict(self) -> dict:
        return {"form": self.form, "code": self.code, "attempts_left": self.attempts_left,
                "available_at": self.available_at.isoformat() if self.available_at else None,
                "values": dict(self.values)}

    @classmethod
    def from_dict(cls, data: object) -> Refusal | None:
        """The refusal `data` describes, or None if it is not one (tolerant of old rows)."""
        if not isinstance(data, dict):
            return None
        form, code = data.get("form"), data.get("code")
        attempts, at = data.get("attempts_left"), data.get("available_at")
        values = data.get("values") or {}
        if not (isinstance(form, str) and isinstance(code, str) and isinstance(values, dict)):
            return None
        try:
            available_at = datetime.fromisoformat(at) if isinstance(at, str) else None
        except ValueError:
            available_at = None
        return cls(form, code, attempts if isinstance(attempts, int) else None, available_at,
                   {str(k): str(v) for k, v in values.items()})

    def message(self, t: Translator, standing: Standing | None = None) -> str:
        """The catalogue's message; a suspension says who can release it (rule 8)."""
        if self.code == OtpSuspended.code and standing is not None:
            return t(f"suspended.{standing.advice.value}")
        return t.message(self.code, attempts_left=self.attempts_left,
                         available_at=self.available_at)


# -- the login pages: a signed, short-lived cookie --------------------------------------


def refuse_anonymous(request: Request, form: str, error: OnetimeError,
                     values: Mapping[str, str]) -> RedirectResponse:
    """303 back to the login page `form`, the refusal in a signed cookie."""
    refusal = Refusal.of(form, error, values)
    expires = _now(request) + FLASH_LIFETIME
    payload = json.dumps({"form": refusal.form, "code": refusal.code,
                          "values": dict(refusal.values), "exp": int(expires.timestamp())},
                         separators=(",", ":"), ensure_ascii=True).encode()
    response = RedirectResponse(form, status_code=303)
    value = f"{_b64(payload)}.{_b64(_mac(request, payload))}"
    response.set_cookie(http.cookie_name(request, FLASH_COOKIE), value, path="/",
                        max_age=int(FLASH_LIFETIME.total_seconds()), secure=http.secure(request),
                        httponly=True, samesite="lax")
    return response


def anonymous_refusal(request: Request) -> Refusal | None:
    """The refusal of the login page being shown, if its cookie is genuine, fresh, made in
    this browser and for this page; else None."""
    value = http.read_cookie(request, FLASH_COOKIE)
    if not value or len(value) > 2048:
        return None
    encoded, _, mac = value.partition(".")
    try:
        payload, presented = _unb64(encoded), _unb64(mac)
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(presented, _mac(request, payload)):
        return None
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    refusal = Refusal.from_dict(data)
    expires = data.get("exp") if isinstance(data, dict) else None
    if (refusal is None or refusal.form != request.url.path
            or refusal.code not in ANONYMOUS_CODES or not isinstance(expires, int)
            or _now(request).timestamp() > expires):
        return None
    return refusal


def forget_anonymous(response: Response, request: Request) -> Response:
    """Shown once: the page that read the cookie deletes it."""
    if http.read_cookie(request, FLASH_COOKIE) is not None:
        http.clear_cookie(response, request, FLASH_COOKIE)
    return response


def _mac(request: Request, payload: bytes) -> bytes:
    # Bound to this browser's anonymous CSRF token: another browser cannot replay it.
    csrf = (http.read_cookie(request, http.CSRF_COOKIE) or "").encode()
    keyring = request.app.state.site.ctx.keyring
    return keyring.mac(MAC_PURPOSE, len(csrf).to_bytes(2, "big") + csrf + payload)


def _now(request: Request) -> datetime:
    return request.app.state.site.ctx.clock.now()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
