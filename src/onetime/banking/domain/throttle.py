"""Login and confirmation-password throttling: how many failures, over what window.

A key (a login ID as typed, a source address, a user) is blocked once it has
`max_failures` failures inside `window`; the window restarts with the first
failure after it ends. Unknown login IDs are counted exactly like known ones,
so the answer never tells whether an ID exists.

Each attempt is counted before its password is checked (a success then clears
or gives back its count), so concurrent attempts cannot all slip under the
limit; storage/sessions.py ThrottleRepository.reserve enforces `blocked` in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    window: timedelta

    def window_open(self, started_at: datetime | None, now: datetime) -> bool:
        """Whether failures counted since `started_at` still count at `now`."""
        return started_at is not None and now - started_at < self.window

    def blocked(self, failures: int, started_at: datetime | None, now: datetime) -> bool:
        return self.window_open(started_at, now) and failures >= self.max_failures

    def ended_by(self, now: datetime) -> datetime:
        """A window that started at or before this instant has ended at `now`."""
        return now - self.window


# Per login ID as typed: 5 wrong passwords in 15 minutes lock it for the rest of the window.
LOGIN_PER_ID = ThrottlePolicy(max_failures=5, window=timedelta(minutes=15))
# Per source address: generous, against one machine spraying many IDs.
LOGIN_PER_ADDRESS = ThrottlePolicy(max_failures=50, window=timedelta(minutes=15))
# Per user: wrong confirmation passwords before a step-up is refused for a while.
CONFIRMATION = ThrottlePolicy(max_failures=5, window=timedelta(minutes=15))
