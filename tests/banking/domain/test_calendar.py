"""振込指定日: business days, the 15:00 cut-off (Tokyo), holidays and the year-end closing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import jpholiday
import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetime.banking.domain.calendar import TOKYO, BankCalendar, value_date

CALENDAR = BankCalendar()


def jst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TOKYO)


class TestCutOff:
    def test_a_second_before_the_cut_off_is_today(self):
        assert value_date(jst(2026, 11, 26, 14, 59, 59), CALENDAR) == date(2026, 11, 26)

    def test_the_cut_off_itself_is_the_next_business_day(self):
        assert value_date(jst(2026, 11, 26, 15, 0, 0), CALENDAR) == date(2026, 11, 27)

    def test_the_cut_off_is_tokyo_time_whatever_zone_now_is_in(self):
        # 05:59:59 UTC is 14:59:59 in Tokyo; 06:00:00 UTC is 15:00.
        assert value_date(datetime(2026, 11, 26, 5, 59, 59, tzinfo=UTC),
                          CALENDAR) == date(2026, 11, 26)
        assert value_date(datetime(2026, 11, 26, 6, 0, 0, tzinfo=UTC),
                          CALENDAR) == date(2026, 11, 27)

    def test_just_after_midnight_tokyo_is_that_day(self):
        # 15:00 UTC on the 25th is 00:00 on the 26th in Tokyo.
        assert value_date(datetime(2026, 11, 25, 15, 0, tzinfo=UTC),
                          CALENDAR) == date(2026, 11, 26)


class TestHolidays:
    def test_a_friday_after_the_cut_off_is_monday(self):
        assert value_date(jst(2026, 11, 27, 15, 0), CALENDAR) == date(2026, 11, 30)

    def test_the_weekend_is_monday(self):
        assert value_date(jst(2026, 11, 28, 9, 0), CALENDAR) == date(2026, 11, 30)
        assert value_date(jst(2026, 11, 29, 9, 0), CALENDAR) == date(2026, 11, 30)

    def test_a_national_holiday_is_skipped(self):
        assert jpholiday.is_holiday(date(2026, 11, 23))  # 勤労感謝の日, a Monday
        assert value_date(jst(2026, 11, 23, 10, 0), CALENDAR) == date(2026, 11, 24)
        # Friday after the cut-off, then a weekend, then the holiday: Tuesday.
        assert value_date(jst(2026, 11, 20, 16, 0), CALENDAR) == date(2026, 11, 24)

    @pytest.mark.parametrize("when", [jst(2026, 12, 30, 15, 0), jst(2026, 12, 31, 10, 0),
                                      jst(2027, 1, 1, 10, 0), jst(2027, 1, 2, 10, 0),
                                      jst(2027, 1, 3, 23, 59, 59)])
    def test_the_year_end_closing_is_the_first_business_day_of_january(self, when):
        # 12/31 (a Thursday) and 1/1-1/3 are bank holidays; 1/4/2027 is a Monday.
        assert value_date(when, CALENDAR) == date(2027, 1, 4)

    def test_december_30th_before_the_cut_off_is_that_day(self):
        assert value_date(jst(2026, 12, 30, 14, 59, 59), CALENDAR) == date(2026, 12, 30)

    def test_a_calendar_may_name_its_own_holidays(self):
        closed = BankCalendar(is_holiday=lambda d: d == date(2026, 11, 26))
        assert value_date(jst(2026, 11, 26, 10, 0), closed) == date(2026, 11, 27)


instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31),
                        timezones=st.just(UTC))


@given(instants)
def test_the_value_date_is_the_first_business_day_not_before_today(now):
    local = now.astimezone(TOKYO)
    dated = value_date(now, CALENDAR)
    assert CALENDAR.is_business_day(dated)
    assert dated >= local.date()
    # No business day is skipped between today (or tomorrow, after the cut-off) and it.
    first = local.date() if local.hour < 15 else local.date() + timedelta(days=1)
    day = first
    while day < dated:
        assert not CALENDAR.is_business_day(day)
        day += timedelta(days=1)
    if CALENDAR.is_business_day(local.date()) and local.hour < 15:
        assert dated == local.date()
