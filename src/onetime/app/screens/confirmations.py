"""取引確認: the oldest request waiting for this token, exactly as the bank will book it,
with 承認 and 否認. The app signs what this screen shows (app/confirmations.py).

One request to the service at a time: the app signs each with its time and the service
takes a token's times in order only (no replay), so a poll overtaking a decision would get
the decision refused. While a poll or a decision is on its way, 再読込, 承認 and 否認 wait;
the decision is followed by a poll of its own."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Static

from onetime.app import errors, messages
from onetime.app.confirmations import PendingConfirmation
from onetime.app.format import bank_time, yen
from onetime.app.i18n import describe
from onetime.app.screens.base import AppScreen
from onetime.app.token import StoredToken
from onetime.domain.confirmations import ACCOUNT_TYPES

# Literal ids, so the catalogue's extraction finds each (tests/i18n).
OPERATION_KEYS = {"transfer": "confirm.op_transfer", "bulk_transfer": "confirm.op_bulk_transfer",
                  "payroll_transfer": "confirm.op_payroll_transfer",
                  "approval": "confirm.op_approval"}


class ConfirmationScreen(AppScreen):
    KEYS: ClassVar[list[tuple[str, str, str]]] = [
        ("escape", "back", "key.back"), ("a", "approve", "key.approve"),
        ("x", "reject", "key.reject"), ("r", "reload", "key.reload")]

    def __init__(self, token: StoredToken) -> None:
        super().__init__()
        self.token = token
        self.request: PendingConfirmation | None = None
        self.busy = False  # a poll or a decision is on its way to the service

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield self.title_line("confirm.title")
            yield Static(self.token.institution_name, id="institution")
            yield Static("", id="pending")
            yield Static("", id="details")
            yield Static(self.t("confirm.note"), classes="note")
            with Horizontal(id="decision"):
                yield Button(self.t("confirm.approve"), id="approve", variant="primary")
                yield Button(self.t("confirm.reject"), id="reject", variant="error")
            yield Static("", id="message", classes="message")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    # -- loading -------------------------------------------------------------------------

    def action_reload(self) -> None:
        if self.busy:
            return  # a poll on its way answers soon; a decision's answer brings a poll
        self.busy = True
        self._show(None, self.t("confirm.loading"))
        self._load()

    # Never exclusive: cancelling a thread worker does not stop its request, it only
    # loses track of it (and a decision cancelled before its thread starts is never sent).
    @work(thread=True, group="poll")
    def _load(self) -> None:
        try:
            requests = self._client().pending_confirmations(self.token)
        except errors.AppError as exc:
            self.post_message(messages.ConfirmationFailed(exc))
            return
        self.post_message(messages.ConfirmationsLoaded(requests))

    def on_confirmations_loaded(self, message: messages.ConfirmationsLoaded) -> None:
        self.busy = False
        if not message.requests:
            self._show(None, self.t("confirm.none"))
            return
        self._show(message.requests[0], self.t("confirm.count_pending",
                                                  n=len(message.requests)))

    def _show(self, request: PendingConfirmation | None, status: str) -> None:
        self.request = request
        self.query_one("#pending", Static).update(status)
        self.query_one("#details", Static).update(self.describe(request) if request else "")
        for button in self.query(Button):
            button.disabled = request is None

    def describe(self, request: PendingConfirmation) -> str:
        """Every field the signature covers, in Japanese, as the bank will book it."""
        details, t = request.details, self.t
        lines = [t(OPERATION_KEYS[details.operation.value])]
        if details.payee is not None:
            payee = details.payee
            lines += [t("confirm.bank", code=payee.bank_code, name=payee.bank_name),
                      t("confirm.branch", code=payee.branch_code, name=payee.branch_name),
                      t("confirm.account", type=ACCOUNT_TYPES[payee.account_type],
                        number=payee.account_number),
                      t("confirm.name", name=payee.account_name),
                      t("confirm.amount", amount=yen(details.amount or 0))]
        else:
            lines += [t("confirm.batch_count", count=yen(details.count or 0)),
                      t("confirm.batch_total", total=yen(details.total or 0))]
        lines.append(t("confirm.expires", time=bank_time(request.expires_at,
                                                         self.token_app.clock.now())))
        return "\n".join(lines)

    # -- deciding ------------------------------------------------------------------------

    @on(Button.Pressed, "#approve")
    def action_approve(self) -> None:
        self._send_decision(approve=True)

    @on(Button.Pressed, "#reject")
    def action_reject(self) -> None:
        self._send_decision(approve=False)

    def _send_decision(self, *, approve: bool) -> None:
        if self.request is None or self.busy:
            return
        self.busy = True
        for button in self.query(Button):
            button.disabled = True
        self._message(self.t("confirm.sending"), error=False)
        self._decide(self.request, approve=approve)

    @work(thread=True, group="decision")
    def _decide(self, request: PendingConfirmation, *, approve: bool) -> None:
        try:
            if approve:
                self._client().approve(self.token, request)
            else:
                self._client().reject(self.token, request)
        except errors.AppError as exc:
            self.post_message(messages.ConfirmationFailed(exc))
            return
        self.post_message(messages.ConfirmationDecided(approve))

    def on_confirmation_decided(self, message: messages.ConfirmationDecided) -> None:
        self.busy = False
        text = self.t("confirm.approved") if message.approved else self.t("confirm.rejected")
        self.token_app.notice(text)
        self.action_reload()
        self._message(text, error=False)

    def on_confirmation_failed(self, message: messages.ConfirmationFailed) -> None:
        self.busy = False
        self._show(None, "")
        self._message(describe(message.error, self.t, self.token_app.clock.now()),
                      error=True)

    def _message(self, text: str, *, error: bool) -> None:
        label = self.query_one("#message", Static)
        label.update(text)
        label.set_class(error, "error")

    def _client(self):
        if self.token_app.client is None:
            raise errors.ServiceUnreachable("no server configured")
        return self.token_app.client
