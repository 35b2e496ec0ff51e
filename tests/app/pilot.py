"""Small steps the Pilot tests share."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, Static


async def settle(pilot: Pilot) -> None:
    """Let thread workers finish and their messages arrive."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def settle_but(pilot: Pilot, held) -> None:
    """`settle`, but for the workers in `held` (waiting at a test's gate)."""
    await pilot.pause()
    others = [worker for worker in pilot.app.workers if worker not in held]
    if others:  # given none, Textual waits for every worker
        await pilot.app.workers.wait_for_complete(others)
    await pilot.pause()
    await pilot.pause()


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*list(text))


async def type_setup(pilot: Pilot, service_id: str, user_id: str, password: str) -> None:
    """Type the three fields of 初期設定 key by key, Enter moving on, Enter sending."""
    for value in (service_id, user_id, password):
        await type_text(pilot, value)
        await pilot.press("enter")
    await settle(pilot)


async def fill_setup(pilot: Pilot, service_id: str, user_id: str, password: str) -> None:
    """Fill the fields at once (typing costs ~60 ms a key), then Enter in the last one."""
    await fill(pilot, service_id=service_id, user_id=user_id, password=password)


async def fill(pilot: Pilot, **values: str) -> None:
    """Set inputs by id, focus the last, press Enter."""
    put(pilot, **values)
    await pilot.press("enter")
    await settle(pilot)


def put(pilot: Pilot, **values: str) -> None:
    """Set inputs by id and focus the last."""
    inputs = [pilot.app.screen.query_one(f"#{name}", Input) for name in values]
    for field, value in zip(inputs, values.values(), strict=True):
        field.value = value
    inputs[-1].focus()


def text_of(pilot: Pilot, selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


def screen_text(pilot: Pilot) -> str:
    """Every Static's text on the current screen, for "does it say …" checks."""
    return "\n".join(str(w.render()) for w in pilot.app.screen.query(Static))
