"""The screens a drafted operation goes through — input → 確認 with the step-up → (取引確認)
→ result — shared by 振込・振替, 総合振込・給与・賞与振込 and ペイジー (`DraftScreens`); 承認's
step-up uses `step_up` and `stepped_up` alone, its draft being the request itself.

The draft waits in the server-side session between the input screen and 実行; the 確認
screen's form carries the draft's request ID, so a form of another draft books nothing.
A refused step-up shows the 確認 screen again with why (Post/Redirect/Get); an error after
which the draft can never book forgets it and sends the user back to the start. Every POST
reaches these through a `*_form` dependency, which has checked its CSRF token.
The use cases' order (banking/service/executing.py) is not repeated here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from onetime.banking.service.confirming import ConfirmingService, PendingConfirmation
from onetime.domain.errors import OnetimeError
from onetime.web import confirming, http
from onetime.web.deps import Customer
from onetime.web.render import render
from onetime.web.routes import explain, refusal, refuse, remember


class Draft(Protocol):
    request_id: str
    from_account_id: int

    def to_dict(self) -> dict: ...


class Account(Protocol):
    id: int


D = TypeVar("D", bound=Draft)
R = TypeVar("R")
# done(request, who, draft, receipt): the booking went through; the result screen next.
Done = Callable[[Request, Customer, D, R], Response]


def step_up(form: dict[str, str]) -> tuple[str, str]:
    """The step-up fields of a 確認 form: the confirmation password and the code."""
    return form.get("confirmation_password", ""), form.get("code", "").strip()


def stepped_up(request: Request, who: Customer, outcome: R | PendingConfirmation, *,
               key: str, url: str, done: Callable[[R], Response]) -> Response:
    """After a passed step-up: 取引確認 asked (the pending confirmation kept under `key`,
    the token app's screen `url` next), or booked (`done`)."""
    if isinstance(outcome, PendingConfirmation):
        remember(request, who, **{key: outcome.to_dict()})
        return RedirectResponse(url, status_code=303)
    return done(outcome)


@dataclass(frozen=True)
class DraftScreens(Generic[D]):
    """One operation's screens under /`area` and its session keys `area`_draft …"""

    area: str
    load: Callable[[dict], D]  # the draft from its session form; KeyError, TypeError …
    # The errors after which the draft can never book (executed meanwhile, or gone): it
    # is forgotten and the user starts again. The first is raised for a 確認 form of
    # another draft.
    stale: tuple[type[OnetimeError], ...]
    noun: str  # the draft in that error's message: "the pending transfer"
    code_page: bool = False  # 取引確認 offers the OCRA form on a page of its own

    @property
    def start(self) -> str:
        return f"/{self.area}"

    @property
    def confirm(self) -> str:
        return f"/{self.area}/confirm"

    @property
    def confirming(self) -> str:
        return f"/{self.area}/token-confirmation"

    def key(self, what: str) -> str:
        """The session key of the draft ("draft"), its input ("form"), its pending
        取引確認 ("confirming"), its receipt ("receipt")."""
        return f"{self.area}_{what}"

    def keep(self, request: Request, who: Customer, draft: D, **more: Any) -> Response:
        """The input screen made `draft`: kept (with `more` session values) until 実行."""
        remember(request, who, **{self.key("draft"): draft.to_dict()}, **more)
        return RedirectResponse(self.confirm, status_code=303)

    def draft(self, who: Customer) -> D:
        """The draft kept in the session; without one, back to the start."""
        data = who.session.data.get(self.key("draft"))
        if not data:
            raise http.Redirect(self.start)
        try:
            return self.load(data)
        except (KeyError, TypeError, ValueError):
            # A draft kept by an older version (no fee, no value date): start again.
            raise http.Redirect(self.start) from None

    def pending(self, who: Customer, draft: D) -> PendingConfirmation | None:
        return confirming.pending_of(who, self.key("confirming"), draft.request_id)

    def source(self, accounts: Iterable[Account], draft: D) -> Account:
        """The draft's paying account, still the user's; else back to the start."""
        found = next((a for a in accounts if a.id == draft.from_account_id), None)
        if found is None:
            raise http.Redirect(self.start)
        return found

    def confirm_page(self, request: Request, who: Customer, draft: D, template: str, *,
                     accounts: Iterable[Account], **context: object) -> Response:
        """The 確認 screen: the draft, its paying account, the step-up form."""
        if self.pending(who, draft) is not None:
            # Step-up passed: the token app has the request (back here is not a new one).
            raise http.Redirect(self.confirming)
        source = self.source(accounts, draft)
        kept = refusal(request, who)
        return render(request, template, csrf=who.csrf, me=who.standing, draft=draft,
                      source=source, error=explain(request, kept, who.standing), **context)

    def execute(self, request: Request, who: Customer, form: dict[str, str], draft: D,
                run: Callable[[str, str], R | PendingConfirmation | Response],
                done: Done) -> Response:
        """実行 on the 確認 screen: `run(confirmation password, code)` books (or asks 取引確認,
        or answers a response of its own, e.g. 承認's request); a refusal shows the screen
        again, a stale draft is forgotten."""
        try:
            if form.get("request_id") != draft.request_id:
                raise self.stale[0](f"the confirmation screen is not {self.noun}")
            outcome = run(*step_up(form))
        except self.stale as exc:
            remember(request, who, **{self.key("draft"): None})
            return refuse(request, who, self.start, exc)
        except OnetimeError as exc:
            return refuse(request, who, self.confirm, exc)
        if isinstance(outcome, Response):
            return outcome
        return stepped_up(request, who, outcome, key=self.key("confirming"),
                          url=self.confirming,
                          done=lambda receipt: done(request, who, draft, receipt))

    def forget(self) -> dict[str, None]:
        """The session values of a draft that is done with (booked, or a request)."""
        return dict.fromkeys((self.key("draft"), self.key("form"), self.key("confirming")))

    # -- 取引確認 (web/confirming.py): after the step-up, before booking ------------------

    def confirming_page(self, request: Request, who: Customer, draft: D,
                        service: ConfirmingService, *, accounts: Iterable[Account],
                        facts: str, offline_view: bool, **context: object) -> Response:
        """The token app's screen for the pending confirmation; none, back to 確認."""
        pending = self.pending(who, draft)
        if pending is None:
            raise http.Redirect(self.confirm)
        source = self.source(accounts, draft)
        return confirming.show(request, who, pending, service, key=self.key("confirming"),
                               forget=(self.key("draft"),), start=self.start, facts=facts,
                               action=self.confirming, offline_view=offline_view,
                               draft=draft, source=source, **context)

    def execute_confirmed(self, request: Request, who: Customer, form: dict[str, str],
                          draft: D, run: Callable[[PendingConfirmation], R],
                          done: Done) -> Response:
        """Book once confirmed in the app: `run(pending)`. Not approved yet or a wrong
        code shows the same screen again; a confirmation that can never book ends."""
        pending = self.pending(who, draft)
        if pending is None:
            raise http.Redirect(self.confirm)
        try:
            receipt = run(pending)
        except (*confirming.FINAL, *self.stale) as exc:
            return confirming.end(request, who, self.key("confirming"),
                                  (self.key("draft"),), self.start, exc)
        except OnetimeError as exc:
            code = self.code_page and form.get("response")
            return refuse(request, who, self.confirming + ("/code" if code else ""), exc)
        return done(request, who, draft, receipt)
