"""Rule 10: when setup opens again after a revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from onetime.domain.settings import InstitutionSettings


def setup_available_at(revoked_at: datetime, settings: InstitutionSettings) -> datetime:
    """The instant the next token's setup opens after a revocation at `revoked_at`.

    A revocation at bank-local time t with night_start <= t or t < night_end opens
    at the next night_end; any other opens at t + embargo. So, with the defaults,
    20:49 → 21:19, 20:50 → 08:10 next day, 00:00 → 08:10, 08:10 → 08:40.
    """
    local = revoked_at.astimezone(settings.zone)
    clock_time = local.time().replace(tzinfo=None)
    if clock_time >= settings.night_start or clock_time < settings.night_end:
        day = local.date() if clock_time < settings.night_end else local.date() + timedelta(days=1)
        opens = datetime.combine(day, settings.night_end, tzinfo=settings.zone)
    else:
        opens = local + timedelta(minutes=settings.embargo_minutes)
    return opens.astimezone(UTC)
