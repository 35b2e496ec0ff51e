"""Finding which counter in a window produced a code, without a timing side channel."""

import hmac
from collections.abc import Iterable

from onetime.otp.hotp import hotp


def find_counter(
    key: bytes,
    code: str,
    counters: Iterable[int],
    *,
    digits: int,
    algorithm: str,
) -> int | None:
    """The first counter, in the order given, whose HOTP value is `code`; None if none is.

    `code` must already be normalised to ASCII digits by the caller. Every candidate is
    compared with `hmac.compare_digest` and the loop never exits early, so the time
    taken does not reveal which counter (if any) matched. Raises ValueError for a
    `code` that is not ASCII digits, and as `hotp` does for a bad counter or parameter.
    """
    if not (code.isascii() and code.isdigit()):
        raise ValueError("code must be ASCII digits")
    found = None
    for counter in counters:
        matched = hmac.compare_digest(hotp(key, counter, digits=digits, algorithm=algorithm), code)
        if matched and found is None:
            found = counter
    return found
