"""Widgets of our own: the countdown bar, an input with a steady cursor."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input

WARN_SECONDS = 10  # the bar turns to the warning colour for the last 10 s


class CountdownBar(Widget):
    """A bar as long as the time left of the current step; `.warning` near the end."""

    left: reactive[int] = reactive(60)
    period: reactive[int] = reactive(60)

    def show(self, left: int, period: int) -> None:
        self.left, self.period = left, period
        self.set_class(left <= WARN_SECONDS, "warning")

    def render(self) -> Text:
        width = max(self.size.width, 1)
        filled = round(width * self.left / max(self.period, 1))
        return Text.assemble(("█" * filled, ""), ("░" * (width - filled), "dim"))


class SteadyInput(Input):
    """An input whose cursor does not blink (WCAG 2.2.2; and snapshots stay stable)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cursor_blink = False
