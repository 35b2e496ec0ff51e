"""Which values of a stream come more than once, in memory that does not grow with it.

The PSKC import refuses every key of a user named twice in a document, so it must know
the users named twice before it writes the first key. A Counter of the user IDs held
~11 MiB per 100 000 keys. Here a Bloom filter of fixed size marks the values seen; a
value whose bits are all set already is a candidate (seen before, or a false positive:
about one value in three million at 100 000 values, one in 500 at a million), and only
the candidates are counted, exactly, in a second look at the values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

BITS = 1 << 24  # 2 MiB
PROBES = 4


class RepeatFilter:
    def __init__(self, bits: int = BITS) -> None:
        if bits < 8 or bits & (bits - 1):
            raise ValueError("bits must be a power of two, at least 8")
        self._bits = bytearray(bits // 8)
        self._mask = bits - 1
        self.candidates: set[str] = set()

    def add(self, value: str) -> None:
        # str's hash: salted per process, and the filter lives in one process.
        digest = hash(value)
        first, step = digest & 0xFFFFFFFF, (digest >> 32) | 1
        seen = True
        for probe in range(PROBES):
            bit = (first + probe * step) & self._mask
            byte, mask = bit >> 3, 1 << (bit & 7)
            if not self._bits[byte] & mask:
                seen = False
                self._bits[byte] |= mask
        if seen:
            self.candidates.add(value)

    def repeated(self, values: Iterable[str]) -> set[str]:
        """The values that `values` (every added value again) holds more than once."""
        if not self.candidates:
            return set()  # nothing came twice: no second look
        counts = Counter(value for value in values if value in self.candidates)
        return {value for value, count in counts.items() if count > 1}
