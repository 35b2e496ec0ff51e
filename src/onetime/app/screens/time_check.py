"""時刻確認: the device clock against the service's /api/v1/time; a warning beyond 15 s."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Static

from onetime.app import errors, messages
from onetime.app.format import bank_clock
from onetime.app.i18n import describe
from onetime.app.screens.base import AppScreen

TOLERANCE_SECONDS = 15  # a step is 60 s and the service accepts ±1 step; warn well before


def clock_offset(device: datetime, server: datetime) -> float:
    """Seconds the device runs ahead of the service (negative: behind)."""
    return (device - server).total_seconds()


class TimeCheckScreen(AppScreen):
    KEYS: ClassVar[list[tuple[str, str, str]]] = [
        ("escape", "back", "key.back"), ("r", "check", "key.retry")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield self.title_line("time.title")
            yield Static("", id="device")
            yield Static("", id="server")
            yield Static("", id="diff")
            yield Static("", id="verdict", classes="message")
        yield Footer()

    def on_mount(self) -> None:
        self.action_check()

    def action_check(self) -> None:
        self.query_one("#verdict", Static).update(self.t("time.checking"))
        self._check()

    @work(thread=True, exclusive=True)
    def _check(self) -> None:
        app = self.token_app
        try:
            if app.client is None:
                raise errors.ServiceUnreachable("no server configured")
            before = app.clock.now()
            server = app.client.server_time()
            after = app.clock.now()
        except errors.AppError as exc:
            self.post_message(messages.TimeCheckFailed(exc))
            return
        # Compare with the middle of the round trip: the answer was made about then.
        self.post_message(messages.TimeChecked(before + (after - before) / 2, server))

    def on_time_checked(self, message: messages.TimeChecked) -> None:
        offset = clock_offset(message.device, message.server)
        self.query_one("#device", Static).update(
            self.t("time.device", time=bank_clock(message.device)))
        self.query_one("#server", Static).update(
            self.t("time.server", time=bank_clock(message.server)))
        self.query_one("#diff", Static).update(self.t("time.diff", seconds=f"{offset:+.1f}"))
        verdict = self.query_one("#verdict", Static)
        off = abs(offset) > TOLERANCE_SECONDS
        verdict.update(self.t("time.warning", seconds=f"{abs(offset):.0f}") if off
                       else self.t("time.ok"))
        verdict.set_class(off, "error")

    def on_time_check_failed(self, message: messages.TimeCheckFailed) -> None:
        verdict = self.query_one("#verdict", Static)
        verdict.update(describe(message.error, self.t, self.token_app.clock.now()))
        verdict.set_class(True, "error")
