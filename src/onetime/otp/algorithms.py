"""The hash algorithms, HMAC and dynamic truncation shared by HOTP, TOTP and OCRA."""

import hmac

from cryptography.hazmat.primitives import hashes

ALGORITHMS = ("sha1", "sha256", "sha512")

_HASHES: dict[str, type[hashes.SHA1 | hashes.SHA256 | hashes.SHA512]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha512": hashes.SHA512,
}


def hash_for(algorithm: str) -> hashes.SHA1 | hashes.SHA256 | hashes.SHA512:
    """Return the `cryptography` hash object for one of `ALGORITHMS`.

    Raises ValueError for any other name.
    """
    try:
        return _HASHES[algorithm]()
    except (KeyError, TypeError):
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, not {algorithm!r}") from None


def mac(key: bytes, message: bytes, algorithm: str) -> bytes:
    """HMAC of `message` under `key` with one of `ALGORITHMS`.

    The standard library's one-shot `hmac.digest` (OpenSSL, in C): a verification
    computes three to five of these, and cryptography's HMAC object cost 5x as much
    (issue 15's profile). Raises ValueError for another algorithm.
    """
    if algorithm not in _HASHES:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, not {algorithm!r}")
    return hmac.digest(key, message, algorithm)


def digest(message: bytes, algorithm: str) -> bytes:
    """Plain hash of `message` (OCRA hashes the PIN with it)."""
    context = hashes.Hash(hash_for(algorithm))
    context.update(message)
    return context.finalize()


def counter_bytes(counter: int) -> bytes:
    """The 8-byte big-endian moving factor of RFC 4226 §5.2.

    Raises ValueError when `counter` is outside [0, 2**64).
    """
    if isinstance(counter, bool) or not isinstance(counter, int):
        raise TypeError("counter must be an int")
    if not 0 <= counter < 2**64:
        raise ValueError("counter must be between 0 and 2**64 - 1")
    return counter.to_bytes(8, "big")


def truncate(mac_value: bytes, digits: int) -> str:
    """Dynamic truncation (RFC 4226 §5.3) to a zero-padded string of `digits` digits."""
    offset = mac_value[-1] & 0x0F
    # The top bit is masked so signed and unsigned 32-bit readers agree.
    value = int.from_bytes(mac_value[offset : offset + 4], "big") & 0x7FFF_FFFF
    return str(value % 10**digits).zfill(digits)
