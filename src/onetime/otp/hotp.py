"""HOTP, the counter-based one-time password of RFC 4226."""

from onetime.otp.algorithms import counter_bytes, mac, truncate

MIN_DIGITS = 6
MAX_DIGITS = 10


def check_digits(digits: int) -> None:
    """Raise ValueError unless `digits` is an int in [MIN_DIGITS, MAX_DIGITS]."""
    if isinstance(digits, bool) or not isinstance(digits, int):
        raise TypeError("digits must be an int")
    if not MIN_DIGITS <= digits <= MAX_DIGITS:
        raise ValueError(f"digits must be between {MIN_DIGITS} and {MAX_DIGITS}, not {digits}")


def hotp(key: bytes, counter: int, *, digits: int = 6, algorithm: str = "sha1") -> str:
    """The HOTP value of `key` at `counter`, as a zero-padded string of `digits` digits.

    `algorithm` is one of ALGORITHMS. Raises ValueError for an unknown algorithm,
    `digits` outside 6..10 or `counter` outside [0, 2**64); TypeError for non-int
    `digits` or `counter`.
    """
    check_digits(digits)
    # By hand rather than with cryptography's HOTP class: that class stops at 8 digits
    # (RFC 4226 §5.3 allows 9 and 10), and its per-call objects cost 5x a one-shot HMAC
    # on the verification hot path. Short keys are legal in RFC 4226's vectors and in
    # PSKC imports; the length policy for new keys belongs to whoever generates them.
    return truncate(mac(key, counter_bytes(counter), algorithm), digits)
