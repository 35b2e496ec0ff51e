"""Bulk loading of `active` tokens with known secrets, for the race tests and the benchmark.

No HTTP and no setup protocol: the rows go straight into the tokens table, many per
statement. But each secret is encrypted exactly as the service does it (the key ring's
active key, bound to its row by `secret_aad`), so the server decrypts and verifies these
tokens like any other. The secrets are derived from a random seed and the token's index,
so a million tokens need no million secrets in memory: `secret(i)` recomputes one.
"""

from __future__ import annotations

import hashlib
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import insert, text

from onetime.domain.institutions import Institution
from onetime.domain.tokens import TokenKind, TokenState, secret_aad
from onetime.otp import totp
from onetime.service.context import Context
from onetime.storage.schema import tokens
from onetime.storage.tokens import NewToken

BATCH = 5_000


@dataclass(frozen=True)
class LoadedTokens:
    """`count` active tokens of one institution: user IDs `<prefix>0000000` … and secrets."""

    institution: Institution
    prefix: str
    count: int
    seed: bytes = field(repr=False)

    def user_id(self, index: int) -> str:
        return f"{self.prefix}{index:07d}"

    def secret(self, index: int) -> bytes:
        # 20 bytes, the size of a SHA-1 HOTP key (RFC 4226 §4 recommends 160 bits).
        return hashlib.blake2b(index.to_bytes(8, "big"), key=self.seed, digest_size=20).digest()

    def code(self, index: int, step: int) -> str:
        """The token's code of time step `step`."""
        settings = self.institution.settings
        return totp(self.secret(index), step * settings.period, digits=settings.digits,
                    period=settings.period)

    def wrong_codes(self, index: int, step: int, count: int) -> list[str]:
        """`count` distinct codes that no step within ±2 of `step` produces for this token."""
        taken = {self.code(index, s) for s in range(step - 2, step + 3)}
        digits = self.institution.settings.digits
        codes: list[str] = []
        for n in range(count + 100):  # a draw is taken or repeated with odds of about 1e-6
            draw = hashlib.sha256(self.seed + index.to_bytes(8, "big") + n.to_bytes(8, "big"))
            candidate = str(int.from_bytes(draw.digest()[:8], "big") % 10**digits).zfill(digits)
            if candidate not in taken and candidate not in codes:
                codes.append(candidate)
                if len(codes) == count:
                    return codes
        raise AssertionError("unreachable: 100 spare draws all taken")


def load_active_tokens(ctx: Context, institution: Institution, count: int, *,
                       prefix: str = "u", email: str | None = None,
                       progress: Callable[[int], None] | None = None) -> LoadedTokens:
    """Insert `count` active, confirmed TOTP tokens; returns how to find their codes.

    `email`, if given, is every token's mail address (so a suspension queues a mail).
    Raises IntegrityError if one of the user IDs already has a token.
    """
    loaded = LoadedTokens(institution, prefix, count, secrets.token_bytes(32))
    settings = institution.settings
    now = ctx.clock.now()
    for start in range(0, count, BATCH):
        rows = []
        for index in range(start, min(start + BATCH, count)):
            user_id = loaded.user_id(index)
            serial = f"OTB{prefix.upper()}{index:07d}"
            key_id, blob = ctx.keyring.encrypt(loaded.secret(index),
                                               secret_aad(institution.id, user_id, serial))
            new = NewToken(
                serial=serial, state=TokenState.ACTIVE, kind=TokenKind.TOTP,
                algorithm="sha1", digits=settings.digits, period=settings.period,
                email=email, activation_key_id=None, activation_blob=None,
                activation_attempts_left=0, secret_key_id=key_id, secret_blob=blob,
                issued_at=now, expires_at=None, activated_at=now, confirmed_at=now)
            rows.append({**new.__dict__, "state": new.state.value, "kind": new.kind.value,
                         "institution_id": institution.id, "user_id": user_id,
                         "failures": 0, "drift": 0, "suspended_at": None,
                         "revoked_at": None, "setup_available_at": None})
        with ctx.db.write() as conn:
            conn.execute(insert(tokens), rows)
        if progress:
            progress(start + len(rows))
    if not ctx.db.is_sqlite:
        # Fresh statistics, as a database in service would have (the plan stays an index
        # scan), and the vacuum that a million fresh rows call for done now, rather than by
        # autovacuum in the middle of a measurement. VACUUM refuses a transaction block.
        with ctx.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE tokens"))
    return loaded


def stderr_progress(label: str, total: int) -> Callable[[int], None]:
    """A progress callback that rewrites one line on stderr."""

    def report(done: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r  {label}: {done:,}/{total:,} tokens", end=end, file=sys.stderr, flush=True)

    return report
