"""OCRA, the challenge-response algorithm of RFC 6287.

OCRA = truncate(HMAC(key, suite | 00 | C | Q | P | S | T)), each input present only
when the suite names it (§5.1).
"""

import string

from onetime.otp.algorithms import counter_bytes, hash_for, mac, truncate
from onetime.otp.ocrasuite import OcraSuite

__all__ = ["OcraSuite", "ocra"]

# Q is always 128 bytes: the question, left-aligned and padded with zeros (§5.1).
_QUESTION_BYTES = 128
_HEX_DIGITS = frozenset(string.hexdigits)


def ocra(
    suite: str | OcraSuite,
    key: bytes,
    *,
    question: str,
    counter: int | None = None,
    password: bytes | None = None,
    session: bytes | None = None,
    timestamp: int | None = None,
) -> str:
    """The OCRA response for `question` under `suite` and `key`.

    `password` is the PIN already hashed with the suite's password hash (the RFC's P,
    as `OcraSuite.hash_password` makes it), so a stored hash can be used without the
    PIN. `session` is left-padded with zero bytes to the suite's length. `timestamp` is
    the RFC's T, a count of the suite's time steps (`OcraSuite.timestamp_at`).

    Raises ValueError for a malformed suite or question, for an input the suite needs
    but is missing, or one it does not take but is given.
    """
    parsed = suite if isinstance(suite, OcraSuite) else OcraSuite.parse(suite)
    message = b"".join(
        (
            parsed.text.encode("ascii"),
            b"\0",
            _counter(parsed, counter),
            _question(parsed, question),
            _password(parsed, password),
            _session(parsed, session),
            _timestamp(parsed, timestamp),
        )
    )
    return truncate(mac(key, message, parsed.algorithm), parsed.digits)


def _require(present: bool, value: object, name: str, suite: OcraSuite) -> bool:
    """Whether the input is used; raise if the suite and the caller disagree."""
    if present and value is None:
        raise ValueError(f"{suite.text} needs a {name}")
    if not present and value is not None:
        raise ValueError(f"{suite.text} takes no {name}")
    return present


def _counter(suite: OcraSuite, counter: int | None) -> bytes:
    if not _require(suite.counter, counter, "counter", suite):
        return b""
    return counter_bytes(counter)


def _question(suite: OcraSuite, question: str) -> bytes:
    # The suite's length is not enforced: in mutual mode (§7.3, vectors C.2) the
    # question is both parties' challenges concatenated, twice the suite's length.
    if not question:
        raise ValueError("the question must not be empty")
    if suite.question_format == "N":
        if not (question.isascii() and question.isdigit()):
            raise ValueError("a numeric question must be ASCII digits")
        # §5.1: the number is converted to hex, then left-aligned nibble by nibble.
        hex_question = f"{int(question):X}"
    elif suite.question_format == "H":
        if not set(question) <= _HEX_DIGITS:
            raise ValueError("a hex question must be hex digits")
        hex_question = question
    else:
        if not (question.isascii() and question.isalnum()):
            raise ValueError("an alphanumeric question must be ASCII letters and digits")
        hex_question = question.encode("ascii").hex()
    if len(hex_question) > 2 * _QUESTION_BYTES:
        raise ValueError(f"the question does not fit in {_QUESTION_BYTES} bytes")
    return bytes.fromhex(hex_question.ljust(2 * _QUESTION_BYTES, "0"))


def _password(suite: OcraSuite, password: bytes | None) -> bytes:
    if not _require(suite.password_algorithm is not None, password, "password", suite):
        return b""
    expected = hash_for(suite.password_algorithm).digest_size
    if len(password) != expected:
        # Most likely the PIN itself was passed instead of its hash.
        raise ValueError(f"the password must be a {expected}-byte hash")
    return password


def _session(suite: OcraSuite, session: bytes | None) -> bytes:
    if not _require(suite.session_length is not None, session, "session", suite):
        return b""
    if len(session) > suite.session_length:
        raise ValueError(f"the session must be at most {suite.session_length} bytes")
    return session.rjust(suite.session_length, b"\0")


def _timestamp(suite: OcraSuite, timestamp: int | None) -> bytes:
    if not _require(suite.timestep is not None, timestamp, "timestamp", suite):
        return b""
    return counter_bytes(timestamp)
