"""Business days and the cut-off: the date a transfer is booked for (振込指定日).

A transfer made on a business day before 15:00 (Tokyo) is dated that day; one made at or
after 15:00, or on a Saturday, Sunday, national holiday (jpholiday) or bank holiday
(12/31 to 1/3), is dated the next business day. `now` comes from the Clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jpholiday

CUT_OFF = time(15, 0)
TOKYO = ZoneInfo("Asia/Tokyo")
# 12/31 and 1/1-1/3: the banks' own year-end closing, on top of the national holidays.
BANK_HOLIDAYS = frozenset({(12, 31), (1, 1), (1, 2), (1, 3)})


@dataclass(frozen=True)
class BankCalendar:
    """Which days a bank books on; the holiday source is a parameter so a test can name
    its own, and the national list is jpholiday's (no library call at import time)."""

    zone: ZoneInfo = TOKYO
    cut_off: time = CUT_OFF
    is_holiday: Callable[[date], bool] = field(default=jpholiday.is_holiday)

    def is_business_day(self, day: date) -> bool:
        return (day.weekday() < 5 and (day.month, day.day) not in BANK_HOLIDAYS
                and not self.is_holiday(day))

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day


def value_date(now: datetime, calendar: BankCalendar) -> date:
    """The business day a transfer made at `now` (aware) is booked for."""
    local = now.astimezone(calendar.zone)
    today = local.date()
    if calendar.is_business_day(today) and local.time() < calendar.cut_off:
        return today
    return calendar.next_business_day(today)
