"""Rule 10: setup after a revocation opens 30 minutes later, or at 08:10 after a night one."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from onetime.domain.embargo import setup_available_at
from onetime.domain.settings import InstitutionSettings

TOKYO = ZoneInfo("Asia/Tokyo")
DEFAULTS = InstitutionSettings()


def tokyo(day: int, hour: int, minute: int, second: int = 0) -> datetime:
    """A bank-local instant in the week of the fake clock (November 2026)."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=TOKYO)


def opens(revoked_at: datetime, settings: InstitutionSettings = DEFAULTS) -> datetime:
    return setup_available_at(revoked_at, settings)


class TestSetupAvailableAt:
    def test_revoked_at_2049_opens_at_2119(self):
        """The last minute of the day still gets 30 minutes, even past 20:50."""
        assert opens(tokyo(26, 20, 49)) == tokyo(26, 21, 19)

    def test_revoked_at_2050_opens_at_0810_next_day(self):
        """20:50 is the first minute of the night."""
        assert opens(tokyo(26, 20, 50)) == tokyo(27, 8, 10)

    def test_revoked_at_2359_opens_at_0810_next_day(self):
        """Late evening waits for the morning."""
        assert opens(tokyo(26, 23, 59)) == tokyo(27, 8, 10)

    def test_revoked_at_0000_opens_at_0810_same_day(self):
        """After midnight the next 08:10 is the same calendar day."""
        assert opens(tokyo(27, 0, 0)) == tokyo(27, 8, 10)

    def test_revoked_at_0740_opens_at_0810(self):
        """Early morning opens at 08:10."""
        assert opens(tokyo(27, 7, 40)) == tokyo(27, 8, 10)

    def test_revoked_at_0809_opens_at_0810(self):
        """The last night minute waits one minute, not thirty."""
        assert opens(tokyo(27, 8, 9)) == tokyo(27, 8, 10)

    def test_revoked_at_0810_opens_at_0840(self):
        """08:10 is day time: 30 minutes."""
        assert opens(tokyo(27, 8, 10)) == tokyo(27, 8, 40)

    def test_revoked_at_1000_opens_at_1030(self):
        """A revocation in banking hours opens 30 minutes later."""
        assert opens(tokyo(26, 10, 0)) == tokyo(26, 10, 30)

    def test_seconds_count_at_the_edges_of_the_night(self):
        """20:49:59 is still day; 08:09:59 is still night."""
        assert opens(tokyo(26, 20, 49, 59)) == tokyo(26, 21, 19, 59)
        assert opens(tokyo(27, 8, 9, 59)) == tokyo(27, 8, 10)

    def test_a_night_revocation_on_new_years_eve_opens_next_year(self):
        """The next 08:10 crosses month and year."""
        revoked = datetime(2026, 12, 31, 21, 0, tzinfo=TOKYO)
        assert opens(revoked) == datetime(2027, 1, 1, 8, 10, tzinfo=TOKYO)

    def test_the_rule_uses_tokyo_time_whatever_zone_the_instant_is_in(self):
        """11:49Z is 20:49 in Tokyo (21:19 = 12:19Z); 11:50Z is 20:50 (08:10 = 23:10Z)."""
        assert opens(datetime(2026, 11, 26, 11, 49, tzinfo=UTC)) == \
            datetime(2026, 11, 26, 12, 19, tzinfo=UTC)
        assert opens(datetime(2026, 11, 26, 11, 50, tzinfo=UTC)) == \
            datetime(2026, 11, 26, 23, 10, tzinfo=UTC)

    def test_the_answer_is_in_utc(self):
        """Storage and the API get an aware UTC instant."""
        assert opens(tokyo(26, 10, 0)).tzinfo == UTC

    def test_both_numbers_are_institution_settings(self):
        """Another bank: 60 minutes, a night from 22:00 to 07:00."""
        settings = InstitutionSettings(embargo_minutes=60, night_start=time(22, 0),
                                       night_end=time(7, 0))
        assert opens(tokyo(26, 21, 59), settings) == tokyo(26, 22, 59)
        assert opens(tokyo(26, 22, 0), settings) == tokyo(27, 7, 0)
        assert opens(tokyo(27, 6, 59), settings) == tokyo(27, 7, 0)
        assert opens(tokyo(27, 7, 0), settings) == tokyo(27, 8, 0)

    @given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 12, 31),
                        timezones=st.just(UTC)))
    def test_setup_opens_after_the_revocation_at_0810_or_30_minutes_later(self, revoked_at):
        """Always later, within 12 h 30 min, and either at 08:10 Tokyo or t + 30 min."""
        available = opens(revoked_at)
        local_time = revoked_at.astimezone(TOKYO).time()
        assert available > revoked_at
        assert available - revoked_at <= timedelta(hours=12, minutes=30)
        at_0810 = available.astimezone(TOKYO).time() == time(8, 10)
        assert at_0810 or available == revoked_at + timedelta(minutes=30)
        if local_time >= time(20, 50) or local_time < time(8, 10):
            assert at_0810
            # The *next* 08:10: no earlier 08:10 lies between the revocation and it.
            assert available - revoked_at <= timedelta(hours=11, minutes=20)
        else:
            assert available == revoked_at + timedelta(minutes=30)

    @given(st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)),
           st.integers(min_value=0, max_value=24 * 60 - 1))
    def test_every_minute_of_the_day_follows_the_rule(self, day, minute):
        """For each local minute: night (≥20:50 or <08:10) opens at the next 08:10."""
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=TOKYO)
        available = opens(local).astimezone(TOKYO)
        if time(8, 10) <= local.time() < time(20, 50):
            assert available == local + timedelta(minutes=30)
        elif local.time() < time(8, 10):
            assert available == datetime.combine(day, time(8, 10), tzinfo=TOKYO)
        else:
            next_day = day + timedelta(days=1)
            assert available == datetime.combine(next_day, time(8, 10), tzinfo=TOKYO)
