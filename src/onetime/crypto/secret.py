"""`Secret`: a value that must not leak through a repr, a log line or a pickle."""

from __future__ import annotations

import hmac
from typing import Any, NoReturn

_MASK = "<secret>"


class Secret:
    """Bytes that only leave through `reveal()`.

    `repr`, `str`, `format` and f-strings all give ``'<secret>'``, so a secret
    passed to a logger or an exception message shows nothing. Two secrets are
    equal when their bytes are, compared in constant time; a secret never
    equals a plain `bytes` or `str`. Secrets are unhashable (they compare by
    value but must not become dict keys that outlive them) and cannot be
    pickled, so they never reach a cache or a queue by accident.

    Raises TypeError at construction for anything but `bytes` or `str`
    (a `str` is kept as its UTF-8 encoding).
    """

    __slots__ = ("_value",)

    def __init__(self, value: bytes | str) -> None:
        if isinstance(value, str):
            value = value.encode("utf-8")
        elif isinstance(value, bytearray | memoryview):
            value = bytes(value)
        elif not isinstance(value, bytes):
            raise TypeError(f"Secret wraps bytes or str, not {type(value).__name__}")
        self._value = value

    def reveal(self) -> bytes:
        """Return the wrapped bytes; call it at the last moment, where they are used."""
        return self._value

    def reveal_text(self) -> str:
        """Return the wrapped bytes decoded as UTF-8; raises UnicodeDecodeError if they are not."""
        return self._value.decode("utf-8")

    def __repr__(self) -> str:
        return _MASK

    def __str__(self) -> str:
        return _MASK

    def __format__(self, format_spec: str) -> str:
        # object.__format__ would raise on a non-empty spec; mask it the same way.
        return format(_MASK, format_spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        # compare_digest: the time taken must not tell how many leading bytes match.
        return hmac.compare_digest(self._value, other._value)

    __hash__ = None  # type: ignore[assignment]

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("a Secret cannot be pickled; reveal() it where it is stored")

    def __copy__(self) -> Secret:
        return self  # immutable: a copy would only be another reference

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self
