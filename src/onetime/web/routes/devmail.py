"""/dev/mail: what the embedded SMTP sink received (demo mode only; see web/app.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException

from onetime.mail import read_mailbox
from onetime.web.http import config_of
from onetime.web.render import render

router = APIRouter(prefix="/dev/mail")


def _mails(request: Request):
    maildir = config_of(request).maildir
    return list(reversed(read_mailbox(maildir))) if maildir else []


@router.get("")
def mails(request: Request):
    return render(request, "devmail_list.html", mails=_mails(request))


@router.get("/{key}")
def mail(request: Request, key: str):
    for found in _mails(request):
        if found.key == key:
            return render(request, "devmail_show.html", mail=found)
    raise HTTPException(404)
