"""The token and its life cycle (DESIGN.md §4).

            issue            setup (app)          confirm (code)
 (none) ─────────▶ issued ─────────────▶ activated ───────────▶ active ⇄ suspended
                     │ expires / 5 wrong activation passwords      (N wrong codes / release)
                     ▼
                  expired            revoke (from any state) ──▶ revoked

The storage layer enforces each arrow with a conditional UPDATE whose WHERE
clause names the states below; this module says which states those are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from onetime.domain.settings import InstitutionSettings


class TokenState(StrEnum):
    NONE = "none"
    ISSUED = "issued"
    ACTIVATED = "activated"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


class TokenKind(StrEnum):
    TOTP = "totp"
    HOTP = "hotp"


# Issuance replaces a token in these states...
REPLACEABLE = frozenset({TokenState.NONE, TokenState.ISSUED, TokenState.ACTIVATED,
                         TokenState.REVOKED, TokenState.EXPIRED})
# ...and is refused while the user has a working token.
IN_USE = frozenset({TokenState.ACTIVE, TokenState.SUSPENDED})
# Revocation ends any token that still exists.
REVOCABLE = frozenset({TokenState.ISSUED, TokenState.ACTIVATED, TokenState.ACTIVE,
                       TokenState.SUSPENDED})
# An issuance that is not set up or confirmed in time expires.
EXPIRABLE = frozenset({TokenState.ISSUED, TokenState.ACTIVATED})
# attempts_left is only meaningful where codes are checked.
COUNTS_ATTEMPTS = frozenset({TokenState.ACTIVATED, TokenState.ACTIVE, TokenState.SUSPENDED})

HOTP_LOOK_AHEAD = 10


def state_after_release(confirmed: bool) -> TokenState:
    """Release (rule 8) returns a token to where suspension found it: a token suspended
    during its authentication confirmation was never confirmed, so it is `activated`."""
    return TokenState.ACTIVE if confirmed else TokenState.ACTIVATED


@dataclass(frozen=True)
class Token:
    """A user's current token as stored (the secret stays encrypted here)."""

    id: int
    institution_id: int
    user_id: str
    serial: str
    state: TokenState
    kind: TokenKind
    algorithm: str
    digits: int
    period: int
    failures: int
    last_step: int | None
    drift: int
    issued_at: datetime | None
    expires_at: datetime | None
    activated_at: datetime | None
    confirmed_at: datetime | None
    suspended_at: datetime | None
    revoked_at: datetime | None
    setup_available_at: datetime | None
    activation_attempts_left: int
    secret_key_id: str | None
    secret_blob: bytes | None
    email: str | None = None

    def current_state(self, now: datetime) -> TokenState:
        """The state as of `now`: an issuance past its lifetime reads as expired."""
        if self.state in EXPIRABLE and self.expires_at is not None and now >= self.expires_at:
            return TokenState.EXPIRED
        return self.state

    def attempts_left(self, settings: InstitutionSettings, now: datetime) -> int | None:
        state = self.current_state(now)
        if state == TokenState.SUSPENDED:
            return 0
        if state not in COUNTS_ATTEMPTS:
            return None
        return max(settings.max_failures - self.failures, 0)

    def embargo_until(self, now: datetime) -> datetime | None:
        """When setup opens, if a revocation still holds it closed at `now`."""
        if (self.state == TokenState.REVOKED and self.setup_available_at is not None
                and now < self.setup_available_at):
            return self.setup_available_at
        return None


def secret_aad(institution_id: int, user_id: str, serial: str) -> bytes:
    """Binds a token's ciphertext to its row: a blob copied elsewhere will not decrypt."""
    return f"token-secret|{institution_id}|{user_id}|{serial}".encode()
