"""Wrong lock codes: growing delays after 3, a wipe at 10, and a record that cannot be
rewound unnoticed.

The record lives outside the vault's ciphertext, because the app must count a
failure precisely when it does not hold the key. So it cannot be authenticated
when it is written; instead it is a hash chain the app checks once it holds the
key again: `chain` is H^(failures+1)(seed), the seed an HMAC of the master key.
Counting a failure hashes once more, which anyone can do; going back needs a
preimage, which nobody can compute. A record that was edited back is detected at
the next unlock, and the app says so.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

DELAY_AFTER = 3  # the first failures are typos: no wait
WIPE_AFTER = 10  # NIST SP 800-63B §3.2.10 allows at most 10 for an activation secret
WARN_WHEN_LEFT = 3  # say "N attempts before every token is deleted" from here on
# Seconds to wait after the n-th consecutive failure (n = 3 … 9) before the next try.
DELAYS = {3: 30, 4: 60, 5: 120, 6: 300, 7: 900, 8: 1800, 9: 3600}


def delay_after(failures: int) -> timedelta:
    return timedelta(seconds=DELAYS.get(failures, 0 if failures < DELAY_AFTER else 3600))


@dataclass(frozen=True)
class LockoutRecord:
    failures: int
    last_failure_at: datetime | None
    epoch: bytes  # a fresh value at every reset, so an old chain never fits a new one
    chain: bytes

    @classmethod
    def fresh(cls, master_key: bytes, vault_id: str) -> LockoutRecord:
        epoch = os.urandom(16)
        return cls(0, None, epoch, _hash(_seed(master_key, vault_id, epoch)))

    @property
    def attempts_left(self) -> int:
        return max(WIPE_AFTER - self.failures, 0)

    def retry_at(self) -> datetime | None:
        """When the next try is allowed, or None when it is allowed at once."""
        if self.last_failure_at is None or self.failures < DELAY_AFTER:
            return None
        return self.last_failure_at + delay_after(self.failures)

    def counted(self, now: datetime) -> LockoutRecord:
        """The record after one more failure at `now`; needs no key."""
        return replace(self, failures=self.failures + 1, last_failure_at=now,
                       chain=_hash(self.chain))

    def intact(self, master_key: bytes, vault_id: str) -> bool:
        """Whether the chain fits the count: False if the record was edited or rewound."""
        if not 0 <= self.failures <= WIPE_AFTER:
            return False
        value = _seed(master_key, vault_id, self.epoch)
        for _ in range(self.failures + 1):
            value = _hash(value)
        return hmac.compare_digest(value, self.chain)


def _seed(master_key: bytes, vault_id: str, epoch: bytes) -> bytes:
    return hmac.new(master_key, b"onetime-vault lockout|" + vault_id.encode() + b"|" + epoch,
                    "sha256").digest()


def _hash(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()
