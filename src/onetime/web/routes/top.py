"""トップページ."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from onetime.web.deps import Customer, ready, site
from onetime.web.render import render, translator
from onetime.web.routes import take

router = APIRouter()


@router.get("/top")
def top(request: Request, who: Customer = Depends(ready)):
    flash = take(request, who, "flash")
    return render(request, "top.html", csrf=who.csrf, me=who.standing,
                  flash=translator(request)(flash) if flash else None,
                  accounts=site(request).transfers.accounts(who.standing.user))
