"""How the app writes codes, countdowns and times: one place for every screen and the CLI."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

BANK_ZONE = ZoneInfo("Asia/Tokyo")  # the manual's times ("8:10") are bank-local


def group_code(code: str) -> str:
    """Split a code in two for reading aloud: 12345678 → "1234 5678", 123456 → "123 456"."""
    half = len(code) // 2
    return f"{code[:half]} {code[half:]}"


def countdown(seconds: int) -> str:
    """Seconds left as the manual shows them: 58 → "0:58"."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def bank_time(instant: datetime, now: datetime) -> str:
    """An instant in Tokyo as "8:10", with the date when it is not within a day of `now`."""
    local = instant.astimezone(BANK_ZONE)
    clock = f"{local.hour}:{local.minute:02d}"
    if abs((instant - now).total_seconds()) < 24 * 3600:
        return clock
    return f"{local.month}/{local.day} {clock}"


def bank_clock(instant: datetime) -> str:
    """A moment to the second, in Tokyo: "21:00:05"."""
    return instant.astimezone(BANK_ZONE).strftime("%H:%M:%S")


def yen(amount: int) -> str:
    """An amount as the bank prints it: 1250000 → "1,250,000" (the screen adds 円)."""
    return f"{amount:,}"
