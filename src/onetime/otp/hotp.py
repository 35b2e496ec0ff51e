"""HOTP, the counter-based one-time password of RFC 4226."""

from cryptography.hazmat.primitives.twofactor.hotp import HOTP

from onetime.otp.algorithms import counter_bytes, hash_for, mac, truncate

MIN_DIGITS = 6
MAX_DIGITS = 10
# cryptography's HOTP class refuses more than 8 digits.
_CRYPTOGRAPHY_MAX_DIGITS = 8


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
    hash_algorithm = hash_for(algorithm)
    moving_factor = counter_bytes(counter)
    if digits <= _CRYPTOGRAPHY_MAX_DIGITS:
        # Short keys are legal in RFC 4226's vectors and in PSKC imports; the length
        # policy for new keys belongs to whoever generates them, not to this function.
        generator = HOTP(key, digits, hash_algorithm, enforce_key_length=False)
        return generator.generate(counter).decode("ascii")
    # RFC 4226 §5.3 allows 9 and 10 digits (the 31-bit value has ten), but
    # cryptography's HOTP stops at 8, so truncate its HMAC ourselves.
    return truncate(mac(key, moving_factor, algorithm), digits)
