"""Rule 10: when setup reopens after a revocation (bank local time, Asia/Tokyo)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from onetime.domain.embargo import setup_available_at
from onetime.domain.settings import InstitutionSettings

TOKYO = ZoneInfo("Asia/Tokyo")
DAY = datetime(2026, 11, 26, tzinfo=TOKYO)


def at(hour: int, minute: int, days: int = 0) -> datetime:
    return DAY + timedelta(days=days, hours=hour, minutes=minute)


@pytest.mark.parametrize(("revoked", "opens"), [
    (at(20, 49), at(21, 19)),
    (at(20, 50), at(8, 10, days=1)),
    (at(23, 59), at(8, 10, days=1)),
    (at(0, 0), at(8, 10)),
    (at(8, 9), at(8, 10)),
    (at(8, 10), at(8, 40)),
    (at(10, 2), at(10, 32)),
])
def test_revoked_at_opens_at(revoked, opens):
    assert setup_available_at(revoked, InstitutionSettings()) == opens


def test_both_numbers_are_institution_settings():
    settings = InstitutionSettings().replace(embargo_minutes=45, night_start="21:00",
                                             night_end="07:30")
    assert setup_available_at(at(20, 55), settings) == at(21, 40)
    assert setup_available_at(at(21, 0), settings) == at(7, 30, days=1)
