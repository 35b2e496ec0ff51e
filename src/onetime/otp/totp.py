"""TOTP, the time-based one-time password of RFC 6238.

The time is always an argument: callers pass the Unix time they got from their clock.
"""

import math

from onetime.otp.hotp import hotp


def _check_period(period: int) -> None:
    if isinstance(period, bool) or not isinstance(period, int):
        raise TypeError("period must be an int")
    if period <= 0:
        raise ValueError(f"period must be positive, not {period}")


def step_at(unix_time: float, period: int, t0: int = 0) -> int:
    """The time step T = floor((unix_time - t0) / period) of RFC 6238 §4.2.

    Raises ValueError for a period that is not positive.
    """
    _check_period(period)
    return int((unix_time - t0) // period)


def totp(
    key: bytes,
    unix_time: float,
    *,
    digits: int = 8,
    period: int = 60,
    algorithm: str = "sha1",
    t0: int = 0,
) -> str:
    """The TOTP value of `key` at `unix_time`: HOTP at the step containing that time.

    Raises ValueError as `hotp` does, for a non-positive period, or for a time
    before `t0` (a negative step is not a counter).
    """
    return hotp(key, step_at(unix_time, period, t0), digits=digits, algorithm=algorithm)


def seconds_left(unix_time: float, period: int, t0: int = 0) -> int:
    """Whole seconds until the next step begins, rounded up: in [1, period].

    At t=2 with a 60 s period that is 58; exactly on a boundary it is the full period,
    never 0, so a countdown never shows a code with no time left.
    """
    next_boundary = (step_at(unix_time, period, t0) + 1) * period + t0
    return math.ceil(next_boundary - unix_time)
