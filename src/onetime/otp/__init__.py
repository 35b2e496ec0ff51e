"""Pure OTP algorithms: HOTP (RFC 4226), TOTP (RFC 6238) and OCRA (RFC 6287).

No function here reads the clock or stores state: the time, the counter and the
window are arguments, and replay protection belongs to storage.
"""

from onetime.otp.algorithms import ALGORITHMS
from onetime.otp.hotp import hotp
from onetime.otp.match import find_counter
from onetime.otp.ocra import OcraSuite, ocra
from onetime.otp.totp import seconds_left, step_at, totp

__all__ = [
    "ALGORITHMS",
    "OcraSuite",
    "find_counter",
    "hotp",
    "ocra",
    "seconds_left",
    "step_at",
    "totp",
]
